import { readdir } from 'node:fs/promises';
import type { Catalog } from '../catalog/catalog.ts';
import { allows } from '../protocol/addresses.ts';
import type { Client, ServerContext } from './context.ts';

/**
 * The images a client may try in the playground: every catalog's records and the root folder's
 * files, at most 500. A catalog's ClientAddressFilter hides its records from the clients it
 * refuses; the root folder's files are served through the default catalog, so its filter hides them too.
 * The asset ids of the delivery API are listed the same way.
 */
export async function visibleImages(ctx: ServerContext, client: Client): Promise<{ images: string[]; assets: string[]; saving: boolean }> {
  const { defaultCatalog, byRootId } = ctx.catalogs;
  const visible = (c: Catalog) => !c.attributes.clientFilter || allows(c.attributes.clientFilter, client.address);
  const ids = [...byRootId.values()].filter(visible).flatMap((c) => [...c.records.keys()].map((id) => `${c.rootId}/${id}`));
  if (visible(defaultCatalog)) {
    ids.push(...defaultCatalog.records.keys());
    const files = await readdir(ctx.config.root, { withFileTypes: true }).catch(() => []);
    ids.push(...files.filter((f) => f.isFile() && /\.(jpe?g|png|tiff?)$/i.test(f.name)).map((f) => f.name));
  }
  // The delivery API's asset ids (catalog/asset-index.ts), for the playground's other URL form.
  const assets = [...ctx.catalogs.assets].filter(([, e]) => visible(e.catalog)).map(([uuid]) => `urn:aaid:aem:${uuid}`);
  return { images: ids.slice(0, 500), assets: assets.slice(0, 500), saving: defaultCatalog.attributes.savePath !== '' };
}

import { extname, resolve } from 'node:path';
import type { Catalog } from '../catalog/catalog.ts';
import { catalogNamedBy, checkPathElements, containedPath } from '../catalog/resolve.ts';
import { admitClient } from '../protocol/addresses.ts';
import { clientCacheAllowed, lastWins, requestType } from '../protocol/command-map.ts';
import { forbidden, imageNotFound } from '../protocol/errors.ts';
import { userDataText } from '../protocol/properties.ts';
import { CONTENT_TYPES, formatOptionsOf, formatReply } from '../protocol/reply-format.ts';
import type { ParsedUrl } from '../protocol/url.ts';
import type { Client, ServerContext } from './context.ts';
import { identityEtag, type Reply } from './reply.ts';
import { readFile } from 'node:fs/promises';
import { statSource } from '../inputs/source.ts';
import { preprocess, ruleHeaders } from './preprocess.ts';

/** Content types of the static files most often served next to images. */
const TYPES: Record<string, string> = {
  '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json', '.xml': 'text/xml', '.txt': 'text/plain',
  '.html': 'text/html', '.htm': 'text/html', '.svg': 'image/svg+xml', '.pdf': 'application/pdf', '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg', '.png': 'image/png', '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mp3': 'audio/mpeg', '.woff2': 'font/woff2', '.woff': 'font/woff', '.zip': 'application/zip',
};

/**
 * /is/content: static files from a catalog's StaticContentCatalogFile records (or plain paths)
 * under StaticContentRootPath, with `type=` as a content-type filter, `cache=`, and
 * req=exists|props|userdata (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-serving-static-non-image-content). Last-Modified always.
 */
export async function handleContent(received: ParsedUrl, ctx: ServerContext, client: Client): Promise<Reply> {
  // Rule sets apply here too, those of their rules whose RequestType names static.
  const { url, headers } = preprocess(received, ctx.catalogs, 'static');
  if (url.path.length === 0) throw forbidden('The request names no content item');
  checkPathElements(url.path, 'content path');
  // A lone element is an item of the default catalog, even one named like a catalog.
  const named = url.path.length > 1 ? catalogNamedBy(url.path, ctx.catalogs) : undefined;
  const catalog = named ?? ctx.catalogs.defaultCatalog;
  // A filtered catalog's content is its clients' only, and no shared cache may keep it for others.
  admitClient(catalog.attributes.clientFilter, client.address);
  const served = await serveContent(url, ctx, catalog, named !== undefined);
  const reply = catalog.attributes.clientFilter ? { ...served, private: true } : served;
  return headers.length > 0 ? { ...reply, headers: ruleHeaders(headers, new Map()) } : reply;
}

async function serveContent(url: ParsedUrl, ctx: ServerContext, catalog: Catalog, named: boolean): Promise<Reply> {
  const id = (named ? url.path.slice(1) : url.path).join('/');
  const record = catalog.staticRecords.get(id);
  // Like RootPath, StaticContentRootPath is operator configuration: relative to the root, or absolute.
  const root = resolve(ctx.config.root, catalog.attributes.staticRootPath);
  const file = containedPath(root, record?.path || id, 'content path');
  const commands = lastWins(url.modifiers);
  const format = formatOptionsOf(url.modifiers);
  const ttl = record?.expiration ?? catalog.attributes.expiration;
  const contentType = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const properties = (entries: [string, string | number][]): Reply => ({
    body: formatReply(entries, format),
    contentType: CONTENT_TYPES[format.format],
    ttlHours: catalog.attributes.nonImgExpiration,
  });
  // Without req= (or with an empty one) the item itself is served.
  switch (commands.get('req')?.trim() ? requestType(commands) : undefined) {
    case 'exists': {
      // The check a read makes (statSource), so a symlink that leaves the root answers 0.
      const found = record !== undefined || (await statSource({ file, root }).then(() => true, () => false));
      return properties([['catalogRecord.exists', found ? 1 : 0]]);
    }
    case 'userdata':
      return { body: userDataText(record?.userData ?? ''), contentType: CONTENT_TYPES.text, ttlHours: ttl };
    case 'props': {
      const { size, modified } = await statSource({ file, root });
      return properties([
        ['path', id],
        ['length', size],
        ['expiration', ttl],
        ['lastModified', modified.getTime()],
        ['userType', contentType],
      ]);
    }
    case undefined:
      break;
    default:
      throw forbidden('/is/content supports req=exists, props and userdata only');
  }
  const wanted = commands.get('type');
  if (wanted !== undefined && !contentType.startsWith(wanted.trim().toLowerCase())) {
    throw forbidden('The content item is not of the requested type');
  }
  const ttlHours = clientCacheAllowed(commands) ? ttl : undefined;
  const { real, size, modified, identity } = await statSource({ file, root });
  // Streamed past a size, as the delivery API's originals are: read whole, a few requests for a
  // large video would hold it in memory once each. The ETag of a streamed file is of its identity.
  if (size > READ_WHOLE_BYTES) return { body: new Uint8Array(0), file: { path: real, size }, etag: identityEtag(identity), contentType, ttlHours, lastModified: modified };
  const bytes = await readFile(real).catch(() => Promise.reject(imageNotFound()));
  return { body: bytes, contentType, ttlHours, lastModified: modified };
}

/** Static content up to this size is read whole and has the MD5 of its bytes as its ETag, as images do. */
const READ_WHOLE_BYTES = 1024 * 1024;

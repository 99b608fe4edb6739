import { assetUuid, bareUuid } from '../protocol/delivery-api.ts';
import type { Catalog } from './catalog.ts';

/** Where the delivery API's asset id leads: a record of a catalog. */
export interface AssetEntry {
  catalog: Catalog;
  recordId: string;
}

/** The UUID a record answers to: its AssetId column (a bare UUID or either id form), else its Id when that is a UUID. */
const uuidOf = (recordId: string, assetId: string): string | undefined => (assetId === '' ? bareUuid(recordId) : (bareUuid(assetId) ?? assetUuid(assetId)));

/**
 * The asset ids of every catalog, built with the catalogs (so a reload rebuilds it). Catalogs are read
 * in order of name, the default catalog first: a UUID a catalog read earlier has is kept, and the
 * later one is a warning, as a record's AssetId that is no UUID is.
 */
export function indexAssets(defaultCatalog: Catalog, byRootId: ReadonlyMap<string, Catalog>, warnings: string[]): Map<string, AssetEntry> {
  const index = new Map<string, AssetEntry>();
  const ordered = [defaultCatalog, ...[...byRootId.values()].sort((a, b) => (a.rootId < b.rootId ? -1 : a.rootId > b.rootId ? 1 : 0))];
  const nameOf = (c: Catalog) => (c.rootId === '' ? 'the default catalog' : `catalog ${c.rootId}`);
  for (const catalog of ordered) {
    for (const record of catalog.records.values()) {
      const uuid = uuidOf(record.id, record.assetId);
      if (uuid === undefined) {
        if (record.assetId !== '') warnings.push(`${nameOf(catalog)}: record ${record.id}: AssetId ${record.assetId.slice(0, 80)} is no UUID; the record has no asset id`);
        continue;
      }
      const first = index.get(uuid);
      if (first) {
        warnings.push(`asset id ${uuid} is record ${first.recordId} of ${nameOf(first.catalog)} and record ${record.id} of ${nameOf(catalog)}; the first serves it`);
        continue;
      }
      index.set(uuid, { catalog, recordId: record.id });
    }
  }
  return index;
}

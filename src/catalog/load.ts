import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeCatalogText, parseAttributes, parseRecords } from './files.ts';
import { inheritAttributes, toRecord, typedAttributes, type Catalog } from './catalog.ts';

export interface Catalogs {
  defaultCatalog: Catalog;
  byRootId: Map<string, Catalog>;
}

function readRecords(folder: string, attributes: Map<string, string>, ownFile: string) {
  const file = attributes.get('catalogfile');
  if (!file) return new Map();
  const path = resolve(folder, file);
  try {
    const raw = parseRecords(decodeCatalogText(readFileSync(path)));
    return new Map([...raw].map(([id, fields]) => [id, toRecord(id, fields)]));
  } catch (err) {
    throw new Error(`${ownFile}: CatalogFile ${file}: ${(err as Error).message}`);
  }
}

/**
 * Loads every `*.ini` of the catalog folder. `default.ini` is the default catalog; every other file
 * is a catalog found by its RootId (or, when it sets none, by its file name).
 */
export function loadCatalogs(folder: string): Catalogs {
  const files = readdirSync(folder).filter((f) => f.toLowerCase().endsWith('.ini'));
  const read = (f: string) => parseAttributes(decodeCatalogText(readFileSync(join(folder, f))));
  const defaultFile = files.find((f) => f.toLowerCase() === 'default.ini');
  const defaultRaw = defaultFile ? read(defaultFile) : new Map<string, string>();
  defaultRaw.delete('rootid');
  const defaultCatalog: Catalog = {
    rootId: '',
    attributes: typedAttributes(defaultRaw, 'default.ini'),
    records: readRecords(folder, defaultRaw, 'default.ini'),
  };
  const byRootId = new Map<string, Catalog>();
  for (const file of files) {
    if (file === defaultFile) continue;
    const own = read(file);
    const rootId = own.get('rootid') || file.slice(0, -4);
    if (byRootId.has(rootId)) throw new Error(`${file}: RootId ${rootId} is used by another catalog`);
    byRootId.set(rootId, {
      rootId,
      attributes: typedAttributes(inheritAttributes(own, defaultRaw), file),
      records: readRecords(folder, own, file),
    });
  }
  return { defaultCatalog, byRootId };
}

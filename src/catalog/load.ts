import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeCatalogText, parseAttributes, parseRecords } from './files.ts';
import { inheritAttributes, toRecord, typedAttributes, type Catalog } from './catalog.ts';
import { expandMacros } from '../protocol/expand.ts';
import { parseModifiers, type Modifier } from '../protocol/url.ts';

export interface Catalogs {
  defaultCatalog: Catalog;
  byRootId: Map<string, Catalog>;
}

function readRecords(folder: string, attributes: Map<string, string>, ownFile: string, attribute = 'catalogfile') {
  const file = attributes.get(attribute);
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
 * A catalog's MacroFile (columns Name and Definition). A definition may use macros defined above it
 * in the same file or, for catalogs other than the default, the default catalog's macros; each is
 * expanded here, once, so a request needs one lookup per macro.
 */
function readMacros(folder: string, attributes: Map<string, string>, ownFile: string, inherited?: Map<string, Modifier[]>) {
  const macros = new Map<string, Modifier[]>();
  const file = attributes.get('macrofile');
  if (!file) return macros;
  try {
    for (const [name, fields] of parseRecords(decodeCatalogText(readFileSync(resolve(folder, file))), 'name')) {
      const key = name.toLowerCase();
      if (!/^[a-z0-9._-]+$/.test(key)) throw new Error(`macro name ${name} may use only letters, digits, '-', '_' and '.'`);
      const definition = parseModifiers(fields.get('definition') ?? '');
      macros.set(key, expandMacros(definition, (n) => macros.get(n) ?? inherited?.get(n)));
    }
  } catch (err) {
    throw new Error(`${ownFile}: MacroFile ${file}: ${(err as Error).message}`);
  }
  return macros;
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
    staticRecords: readRecords(folder, defaultRaw, 'default.ini', 'staticcontentcatalogfile'),
    macros: readMacros(folder, defaultRaw, 'default.ini'),
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
      staticRecords: readRecords(folder, own, file, 'staticcontentcatalogfile'),
      macros: readMacros(folder, own, file, defaultCatalog.macros),
    });
  }
  return { defaultCatalog, byRootId };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeCatalogText, parseAttributes, parseRecords } from './files.ts';
import { inheritAttributes, toRecord, typedAttributes, type Catalog } from './catalog.ts';
import { IsError } from '../protocol/errors.ts';
import { expandMacros } from '../protocol/expand.ts';
import { parseModifiers, type Modifier } from '../protocol/url.ts';
import { parseRuleSet, type RuleSet } from './rule-set.ts';
import { parseFontMap, type FontEntry } from './font-map.ts';
import { parseIccMap } from './icc-map.ts';
import { indexAssets, type AssetEntry } from './asset-index.ts';

export interface Catalogs {
  defaultCatalog: Catalog;
  byRootId: Map<string, Catalog>;
  /** The delivery API's asset ids (UUIDs, lower case) and the records they name (asset-index.ts). */
  assets: Map<string, AssetEntry>;
  /** What loading found questionable but served anyway (duplicate ids, macros over the cap), for the log. */
  warnings: string[];
}

function readRecords(folder: string, attributes: Map<string, string>, ownFile: string, warnings: string[], attribute = 'catalogfile') {
  const file = attributes.get(attribute);
  if (!file) return new Map();
  const path = resolve(folder, file);
  try {
    const duplicate = (id: string, line: number) => warnings.push(`${ownFile}: ${file} line ${line}: Id ${id} is defined again; this later record wins`);
    const raw = parseRecords(decodeCatalogText(readFileSync(path)), 'id', duplicate);
    return new Map([...raw].map(([id, fields]) => [id, toRecord(id, fields)]));
  } catch (err) {
    throw new Error(`${ownFile}: CatalogFile ${file}: ${(err as Error).message}`);
  }
}

/**
 * A catalog's MacroFile (columns Name and Definition). A definition may use macros defined above it
 * in the same file or, for catalogs other than the default, the default catalog's macros; each is
 * expanded here, once, so a request needs one lookup per macro. A macro that expands to more than
 * `maxCommands` is kept as just over the cap, so that every request using it gets the cap's 403
 * (and nesting cannot build billions of commands here).
 */
function readMacros(
  folder: string,
  attributes: Map<string, string>,
  ownFile: string,
  warnings: string[],
  maxCommands: number,
  inherited?: Map<string, Modifier[]>,
) {
  const macros = new Map<string, Modifier[]>();
  const file = attributes.get('macrofile');
  if (!file) return macros;
  try {
    const duplicate = (name: string, line: number) => warnings.push(`${ownFile}: ${file} line ${line}: macro ${name} is defined again; this later one wins`);
    for (const [written, fields] of parseRecords(decodeCatalogText(readFileSync(resolve(folder, file))), 'name', duplicate)) {
      // A URL calls `$pdp$`; the file names it `pdp`. Written with its dollar signs, it is meant the same.
      const name = /^\$[^$]+\$$/.test(written) ? written.slice(1, -1) : written;
      if (name !== written) warnings.push(`${ownFile}: ${file}: macro ${written} is named with its dollar signs; it is defined as ${name} (URLs call it ${written})`);
      const key = name.toLowerCase();
      if (!/^[a-z0-9._-]+$/.test(key)) throw new Error(`macro name ${name} may use only letters, digits, '-', '_' and '.'`);
      const definition = parseModifiers(fields.get('definition') ?? '');
      try {
        macros.set(key, expandMacros(definition, (n) => macros.get(n) ?? inherited?.get(n), maxCommands));
      } catch (err) {
        if (!(err instanceof IsError) || !/commands once macros/.test(err.message)) throw err;
        warnings.push(`${ownFile}: macro ${name} expands to more than ${maxCommands} commands (max-modifiers): requests using it get 403`);
        macros.set(key, new Array<Modifier>(maxCommands + 1).fill({ name: 'macro-over-the-cap', value: name }));
      }
    }
  } catch (err) {
    throw new Error(`${ownFile}: MacroFile ${file}: ${(err as Error).message}`);
  }
  return macros;
}

/** attribute::RuleSetFile, relative to the catalog folder; the catalog's own, not the default's. */
function readRuleSet(folder: string, attributes: Map<string, string>, ownFile: string): RuleSet | undefined {
  const file = attributes.get('rulesetfile');
  if (!file) return undefined;
  try {
    return parseRuleSet(readFileSync(resolve(folder, file), 'utf8'), file);
  } catch (err) {
    throw new Error(`${ownFile}: RuleSetFile ${(err as Error).message}`);
  }
}

/** attribute::FontMapFile, relative to the catalog folder; the catalog's own (the default's are looked up after it). */
function readFontMap(folder: string, attributes: Map<string, string>, ownFile: string): FontEntry[] {
  const file = attributes.get('fontmapfile');
  if (!file) return [];
  try {
    return parseFontMap(decodeCatalogText(readFileSync(resolve(folder, file))));
  } catch (err) {
    throw new Error(`${ownFile}: FontMapFile ${file}: ${(err as Error).message}`);
  }
}

/** attribute::IccProfileMapFile, relative to the catalog folder; the default catalog's entries are looked up after these. */
function readIccMap(folder: string, attributes: Map<string, string>, ownFile: string): Map<string, string> {
  const file = attributes.get('iccprofilemapfile');
  if (!file) return new Map();
  try {
    return parseIccMap(decodeCatalogText(readFileSync(resolve(folder, file))));
  } catch (err) {
    throw new Error(`${ownFile}: IccProfileMapFile ${file}: ${(err as Error).message}`);
  }
}

/**
 * Loads every `*.ini` of the catalog folder. `default.ini` is the default catalog; every other file
 * is a catalog found by its RootId (or, when it sets none, by its file name).
 */
export function loadCatalogs(folder: string, maxCommands = Infinity): Catalogs {
  const warnings: string[] = [];
  const files = readdirSync(folder).filter((f) => f.toLowerCase().endsWith('.ini'));
  const read = (f: string) => parseAttributes(decodeCatalogText(readFileSync(join(folder, f))));
  const defaultFile = files.find((f) => f.toLowerCase() === 'default.ini');
  const defaultRaw = defaultFile ? read(defaultFile) : new Map<string, string>();
  defaultRaw.delete('rootid');
  const defaultCatalog: Catalog = {
    rootId: '',
    attributes: typedAttributes(defaultRaw, 'default.ini'),
    records: readRecords(folder, defaultRaw, 'default.ini', warnings),
    staticRecords: readRecords(folder, defaultRaw, 'default.ini', warnings, 'staticcontentcatalogfile'),
    macros: readMacros(folder, defaultRaw, 'default.ini', warnings, maxCommands),
    ruleSet: readRuleSet(folder, defaultRaw, 'default.ini'),
    fonts: readFontMap(folder, defaultRaw, 'default.ini'),
    iccProfiles: readIccMap(folder, defaultRaw, 'default.ini'),
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
      records: readRecords(folder, own, file, warnings),
      staticRecords: readRecords(folder, own, file, warnings, 'staticcontentcatalogfile'),
      macros: readMacros(folder, own, file, warnings, maxCommands, defaultCatalog.macros),
      ruleSet: readRuleSet(folder, own, file),
      fonts: readFontMap(folder, own, file),
      iccProfiles: readIccMap(folder, own, file),
    });
  }
  return { defaultCatalog, byRootId, assets: indexAssets(defaultCatalog, byRootId, warnings), warnings };
}

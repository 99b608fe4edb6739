import { charactersOf, type TextSetting } from '../text/typeset.ts';
import type { Account } from '../protocol/account.ts';
import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { fileIdentity } from './file-identity.ts';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../catalog/catalog.ts';
import type { FontEntry } from '../catalog/font-map.ts';
import { forbidden } from '../protocol/errors.ts';
import type { TextSpec } from '../protocol/request.ts';
import { BUILTIN_FAMILIES, DEFAULT_FAMILY, FALLBACK_FAMILIES, parseUnicodeRanges, type BuiltinFamily } from '../text/builtin-fonts.ts';
import type { CharStyle, TextDocument } from '../text/document.ts';
import type { FontLookup, StyleFaces } from '../text/layout-types.ts';
import { parseRtf } from '../text/rtf.ts';
import { FaceCache, prepareFaces, type FaceFile, type Typeface } from '../text/typeface.ts';

/**
 * The I/O half of text layers: which font files a layer's fonts are (the catalog's font map, the
 * default catalog's, then the built-in one over npm font packages), read and opened once per
 * server, then laid out by the pure text code once the planner knows the layer's box.
 */

declare const __ISLE_BUNDLE__: boolean | undefined;

/** Where a built-in family's files are: the package in node_modules, or the bundle's fonts/ folder. */
function familyFolder(family: BuiltinFamily): string {
  if (typeof __ISLE_BUNDLE__ !== 'undefined') return fileURLToPath(new URL(`./fonts/${family.id}`, import.meta.url));
  return dirname(createRequire(import.meta.url).resolve(`${family.package}/package.json`));
}

const readBytes = (path: string) => async () => new Uint8Array(await readFile(path));

function builtinTypeface(family: BuiltinFamily, bold: boolean, italic: boolean): Typeface {
  const folder = familyFolder(family);
  const subsets = Object.entries(JSON.parse(readFileSync(join(folder, 'unicode.json'), 'utf8')) as Record<string, string>);
  const weight = family.weights[bold ? 1 : 0];
  const style = italic && family.italic ? 'italic' : 'normal';
  const files: FaceFile[] = subsets.map(([subset, ranges]) => {
    const path = join(folder, 'files', `${family.id}-${subset.replace(/^\[(\d+)\]$/, '$1')}-${weight}-${style}.woff`);
    return { key: path, ranges: parseUnicodeRanges(ranges), read: readBytes(path) };
  });
  return { name: family.id, files, syntheticBold: false, syntheticItalic: italic && !family.italic };
}

/** Font files of a catalog change: their key is the file's identity, so a new file is opened anew. */
async function catalogFile(path: string): Promise<FaceFile> {
  let info;
  try {
    info = await stat(path, { bigint: true });
  } catch {
    throw forbidden(`A font file of the font map is missing: ${path.split('/').at(-1)}`);
  }
  return { key: fileIdentity(path, info), read: readBytes(path) };
}

export class Fonts {
  private readonly cache = new FaceCache();
  private readonly builtins = new Map<string, Typeface>();

  constructor(private readonly root: string) {}

  private builtin(id: string, bold: boolean, italic: boolean): Typeface {
    const key = `${id}|${bold}|${italic}`;
    let t = this.builtins.get(key);
    if (!t) {
      t = builtinTypeface(BUILTIN_FAMILIES.find((f) => f.id === id)!, bold, italic);
      this.builtins.set(key, t);
    }
    return t;
  }

  /**
   * A font name to files, as https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-font-handling says: the catalog's map, then the default
   * catalog's, then the built-in one; a name none knows is a 403 naming the font and the maps
   * looked in (DefaultFont stands only for text that names no font). A style the map lacks is
   * synthesised from the regular face where SynthesizeFontStyles allows.
   */
  private async typeface(name: string, bold: boolean, italic: boolean, catalogs: Catalog[]): Promise<Typeface> {
    const wanted = name.trim().toLowerCase();
    for (const catalog of catalogs) {
      const entries = catalog.fonts.filter((f) => f.name.toLowerCase() === wanted);
      if (entries.length === 0) continue;
      const exact = entries.find((f) => f.bold === bold && f.italic === italic);
      const synthesize = catalogs[0]!.attributes.synthesizeFontStyles;
      const base = exact ?? (synthesize ? closest(entries, bold, italic) : undefined);
      if (!base) throw forbidden(`The font map has no ${[bold && 'bold', italic && 'italic'].filter(Boolean).join(' ')} face of ${name}, and SynthesizeFontStyles is off`);
      const path = isAbsolute(base.path) ? base.path : resolve(this.root, catalog.attributes.rootPath, base.path);
      return { name, files: [await catalogFile(path)], syntheticBold: bold && !base.bold, syntheticItalic: italic && !base.italic };
    }
    const family = BUILTIN_FAMILIES.find((f) => f.names.includes(wanted));
    if (family) return this.builtin(family.id, bold, italic);
    throw forbidden(`The font "${name.trim()}" is in none of the font maps looked in: ${catalogs.map(fontMapName).join(', ')} and the built-in one`);
  }

  /** A text layer's RTF parsed and every font it names opened for the characters it shows. */
  async prepare(spec: TextSpec, catalog: Catalog, defaultCatalog: Catalog, account: Account): Promise<{ doc: TextDocument; fonts: FontLookup; empty: boolean }> {
    const doc = parseRtf(spec.rtf, spec.form);
    // Charged before any face is opened or any run shaped: layout grows with the characters.
    account.charge('glyphs', charactersOf(doc));
    const catalogs = catalog === defaultCatalog ? [catalog] : [catalog, defaultCatalog];
    const fallbacks = FALLBACK_FAMILIES.map((id) => this.builtin(id, false, false));
    const defaultName = catalog.attributes.defaultFont || DEFAULT_FAMILY;
    const runs = doc.paragraphs.flatMap((p) => p.runs);
    const nameOf = (style: CharStyle) => (style.font >= 0 ? (doc.fonts.get(style.font) ?? defaultName) : defaultName);
    const keyOf = (style: CharStyle) => `${nameOf(style).toLowerCase()}|${style.bold}|${style.italic}`;
    const byKey = new Map<string, StyleFaces>();
    for (const run of runs) {
      const key = keyOf(run.style);
      if (byKey.has(key)) continue;
      const text = runs.filter((r) => keyOf(r.style) === key).map((r) => r.text).join('');
      const typeface = await this.typeface(nameOf(run.style), run.style.bold, run.style.italic, catalogs);
      byKey.set(key, await prepareFaces(typeface, fallbacks, text, this.cache));
    }
    // A document without text still has a line height: the default face's.
    const empty = runs.length === 0;
    if (empty) byKey.set('', await prepareFaces(await this.typeface(defaultName, false, false, catalogs), fallbacks, ' ', this.cache));
    const any = [...byKey.values()][0]!;
    return { doc, fonts: (style) => byKey.get(keyOf(style)) ?? any, empty };
  }

  /** A text layer ready to lay out (text/typeset.ts): planning lays it out in the layer's box. */
  async setting(spec: TextSpec, catalog: Catalog, defaultCatalog: Catalog, maxFontSize: number, account: Account): Promise<TextSetting> {
    return { spec, maxFontSize, account, ...(await this.prepare(spec, catalog, defaultCatalog, account)) };
  }
}

/** A catalog's font map as an error names it; the empty ones too, so a missing FontMapFile shows. */
const fontMapName = (c: Catalog) => `${c.rootId === '' ? "the default catalog's" : `catalog ${c.rootId}'s`}${c.fonts.length === 0 ? ' (empty)' : ''}`;

/** Of a name's faces, the one nearest the style asked for: the regular, else any. */
function closest(entries: FontEntry[], bold: boolean, italic: boolean): FontEntry {
  return entries.find((f) => !f.bold && !f.italic) ?? entries.find((f) => f.bold === bold || f.italic === italic) ?? entries[0]!;
}

import { Face } from './faces.ts';
import type { StyleFaces } from './layout-types.ts';
import { BoundedCache } from '../common/bounded-cache.ts';

/**
 * A typeface as files: one face split by Unicode range (as Fontsource ships its fonts, one file per
 * script subset, like CSS's unicode-range) or a single file, plus the fallbacks that cover other
 * scripts. Each file is opened on first need and kept in a FaceCache; a character is drawn by the
 * first file whose range and cmap both have it, as browsers choose among unicode-range faces.
 */
export interface FaceFile {
  /** Identity: path (and for files that may change, their size and time). */
  key: string;
  /** Inclusive code point ranges; undefined covers everything the file maps. */
  ranges?: [number, number][];
  read(): Promise<Uint8Array>;
}

export interface Typeface {
  name: string;
  files: FaceFile[];
  syntheticBold: boolean;
  syntheticItalic: boolean;
}

/** Opened faces by file key, bounded by count (the least recently used goes first). */
export class FaceCache {
  private readonly faces: BoundedCache<string, Promise<Face>>;

  constructor(limit = 64) {
    this.faces = new BoundedCache({ maxEntries: limit });
  }

  open(file: FaceFile): Promise<Face> {
    let face = this.faces.get(file.key);
    if (!face) {
      face = file.read().then((bytes) => Face.open(bytes, file.key.split('/').at(-1) ?? 'font'));
      // A failed open is not kept: the next request tries again.
      face.catch(() => this.faces.delete(file.key));
      this.faces.set(file.key, face);
    }
    return face;
  }
}

const inRanges = (code: number, ranges: [number, number][] | undefined) => !ranges || ranges.some(([a, b]) => code >= a && code <= b);

/**
 * The faces for every character of `text` in a typeface, its fallbacks after it, opened now so the
 * layout that follows is synchronous. A character no file has is drawn with the first face's
 * .notdef glyph.
 */
export async function prepareFaces(typeface: Typeface, fallbacks: readonly Typeface[], text: string, cache: FaceCache): Promise<StyleFaces> {
  const chain = [typeface, ...fallbacks.filter((f) => f !== typeface)];
  const chosen = new Map<number, { face: Face; typeface: Typeface }>();
  let first: Face | undefined;
  const codes = new Set<number>([32]);
  for (const ch of text) codes.add(ch.codePointAt(0)!);
  for (const ch of text.toUpperCase()) codes.add(ch.codePointAt(0)!);
  for (const code of codes) {
    if (code === 10 || code === 9) continue;
    search: for (const t of chain) {
      for (const file of t.files) {
        if (!inRanges(code, file.ranges)) continue;
        const face = await cache.open(file);
        first ??= face;
        if (face.covers(code)) {
          chosen.set(code, { face, typeface: t });
          break search;
        }
      }
    }
  }
  first ??= await cache.open(typeface.files[0]!);
  const fallback = first;
  const styleOf = (code: number) => chosen.get(code);
  return {
    faceFor: (code) => styleOf(code)?.face ?? fallback,
    syntheticBold: typeface.syntheticBold,
    syntheticItalic: typeface.syntheticItalic,
  };
}

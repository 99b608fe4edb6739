import { inflateSync } from '../common/zlib.ts';
import { forbidden, IsError } from '../protocol/errors.ts';

/**
 * One font face, opened by HarfBuzz (harfbuzzjs, on WebAssembly): shaping with the font's own
 * kerning, ligatures and script rules, its metrics, and glyph outlines. Font files are untrusted
 * input: anything HarfBuzz cannot read, or a WOFF whose tables do not add up, is a 403.
 */

/** A glyph outline in font units, y up: moves, lines, quadratic and cubic curves, closes. */
export type Outline = { type: string; values: number[] }[];

export interface ShapedGlyph {
  glyph: number;
  /** The index in the shaped text of the first character this glyph shows. */
  cluster: number;
  /** Font units. */
  advance: number;
  dx: number;
  dy: number;
}

export interface FaceMetrics {
  unitsPerEm: number;
  ascender: number;
  /**
   * The top of textPs's character cell: the ink top of `d` (what page-layout programs call the
   * Ascent first baseline), else the cap height, else the ascender. Arial's is 0.72 em, where its
   * ascender is 0.91 em.
   */
  cellAscender: number;
  /** Negative: below the baseline. */
  descender: number;
  lineGap: number;
  underlinePosition: number;
  underlineThickness: number;
}

type Harfbuzz = typeof import('harfbuzzjs');

let harfbuzz: Promise<Harfbuzz> | undefined;
let sharedBuffer: InstanceType<Harfbuzz['Buffer']> | undefined;
/** Loaded on the first text layer, so servers that never render text never instantiate it. */
const loadHarfbuzz = () => (harfbuzz ??= import('harfbuzzjs'));

export class Face {
  private readonly outlines = new Map<number, Outline>();
  private readonly codepoints: Set<number>;
  readonly metrics: FaceMetrics;

  private constructor(
    private readonly hb: Harfbuzz,
    private readonly font: InstanceType<Harfbuzz['Font']>,
    face: InstanceType<Harfbuzz['Face']>,
  ) {
    this.codepoints = new Set(face.collectUnicodes());
    const upem = face.upem;
    const extents = font.hExtents();
    const metric = (tag: number, fallback: number) => font.getMetricPosition(tag as never) || fallback;
    this.metrics = {
      unitsPerEm: upem,
      ascender: extents.ascender,
      cellAscender: cellTop(font, upem) ?? (metric(hb.MetricsTag.CAP_HEIGHT, 0) || extents.ascender),
      descender: extents.descender,
      lineGap: Math.max(0, extents.lineGap),
      underlinePosition: metric(hb.MetricsTag.UNDERLINE_OFFSET, -0.1 * upem),
      underlineThickness: Math.max(1, metric(hb.MetricsTag.UNDERLINE_SIZE, 0.05 * upem)),
    };
  }

  static async open(bytes: Uint8Array, name: string): Promise<Face> {
    const hb = await loadHarfbuzz();
    const sfnt = unwrapWoff(bytes, name);
    let opened: Face;
    try {
      const face = new hb.Face(new hb.Blob(sfnt));
      if (face.upem < 16 || face.upem > 16384) throw forbidden(`The font ${name} cannot be read`);
      opened = new Face(hb, new hb.Font(face), face);
    } catch (err) {
      throw err instanceof IsError ? err : forbidden(`The font ${name} cannot be read`);
    }
    if (opened.codepoints.size === 0) throw forbidden(`The font ${name} cannot be read (it maps no characters)`);
    return opened;
  }

  covers(codepoint: number): boolean {
    return this.codepoints.has(codepoint);
  }

  shape(text: string, options: { rtl: boolean; kerning: boolean }): ShapedGlyph[] {
    const { hb } = this;
    // One buffer for every call (shaping is synchronous): HarfBuzz's memory is not churned per run.
    const buffer = (sharedBuffer ??= new hb.Buffer());
    buffer.reset();
    buffer.addText(text);
    buffer.guessSegmentProperties();
    if (options.rtl) buffer.setDirection(hb.Direction.RTL);
    hb.shape(this.font, buffer, options.kerning ? [] : [new hb.Feature('kern', 0)]);
    // Clusters count UTF-16 units of `text`, which is how the layout indexes it too.
    const glyphs = buffer.getGlyphInfosAndPositions().map((g) => ({ glyph: g.codepoint, cluster: g.cluster, advance: g.xAdvance ?? 0, dx: g.xOffset ?? 0, dy: g.yOffset ?? 0 }));
    return glyphs;
  }

  outline(glyph: number): Outline {
    let outline = this.outlines.get(glyph);
    if (!outline) {
      outline = this.font.glyphToJson(glyph);
      this.outlines.set(glyph, outline);
    }
    return outline;
  }

  /** The glyph's ink box in font units (y up), for text= to keep every glyph inside its box. */
  extents(glyph: number): { top: number; bottom: number } | undefined {
    const e = this.font.glyphExtents(glyph);
    return e && e.height !== 0 ? { top: e.yBearing, bottom: e.yBearing + e.height } : undefined;
  }
}

/** The ink top of `d` in font units; none when the face lacks it or its box is absurd (the file is untrusted). */
function cellTop(font: { nominalGlyph(unicode: number): number | undefined; glyphExtents(glyph: number): { yBearing: number } | undefined }, upem: number): number | undefined {
  const glyph = font.nominalGlyph(0x64);
  const top = glyph === undefined ? undefined : font.glyphExtents(glyph)?.yBearing;
  return top !== undefined && top > 0 && top <= 2 * upem ? top : undefined;
}

const WOFF = 0x774f4646;

/**
 * WOFF 1.0 (W3C): the same tables, each zlib-compressed or stored. Fontsource ships each face as
 * WOFF and WOFF2; WOFF needs only node:zlib to turn back into the sfnt HarfBuzz reads.
 */
export function unwrapWoff(bytes: Uint8Array, name: string): Uint8Array {
  const bad = () => forbidden(`The font ${name} cannot be read`);
  if (bytes.length < 12) throw bad();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== WOFF) return bytes;
  if (bytes.length < 44) throw bad();
  const flavor = view.getUint32(4);
  const count = view.getUint16(12);
  const total = view.getUint32(16);
  if (count === 0 || count > 200 || 44 + count * 20 > bytes.length || total > 64 * 1024 * 1024) throw bad();
  const tables = Array.from({ length: count }, (_, i) => {
    const o = 44 + i * 20;
    return { tag: view.getUint32(o), offset: view.getUint32(o + 4), compressed: view.getUint32(o + 8), length: view.getUint32(o + 12), checksum: view.getUint32(o + 16) };
  });
  const padded = (n: number) => Math.ceil(n / 4) * 4;
  if (tables.some((t) => t.length > total)) throw bad();
  const size = tables.reduce((n, t) => n + padded(t.length), 12 + 16 * count);
  if (size > total + 16 * count + 12) throw bad();
  const out = new Uint8Array(size);
  const o = new DataView(out.buffer);
  o.setUint32(0, flavor);
  o.setUint16(4, count);
  let at = 12 + 16 * count;
  tables.forEach((t, i) => {
    if (t.offset + t.compressed > bytes.length || t.compressed > t.length) throw bad();
    const raw = bytes.subarray(t.offset, t.offset + t.compressed);
    let data: Uint8Array;
    try {
      data = t.compressed < t.length ? inflateSync(raw, { maxOutputLength: t.length }) : raw;
    } catch {
      throw bad();
    }
    if (data.length !== t.length) throw bad();
    out.set(data, at);
    const d = 12 + 16 * i;
    o.setUint32(d, t.tag);
    o.setUint32(d + 4, t.checksum);
    o.setUint32(d + 8, at);
    o.setUint32(d + 12, t.length);
    at += padded(t.length);
  });
  return out;
}

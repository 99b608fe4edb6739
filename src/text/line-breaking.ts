import { forbidden } from '../protocol/errors.ts';
import type { Face, ShapedGlyph } from './faces.ts';
import type { FontLookup, LayoutSettings, StyleFaces } from './layout-types.ts';
import type { CharStyle, Paragraph, TextDocument } from './document.ts';

/**
 * Line breaking: a paragraph's runs shaped by HarfBuzz into items (one face each), then broken
 * greedily into lines at spaces (and between CJK characters) inside the box's width. The lines are
 * placed by layout.ts.
 */

export interface Item {
  text: string;
  style: CharStyle;
  face: Face;
  faces: StyleFaces;
  glyphs: ShapedGlyph[];
  /** Pixels per font unit at this item's size. */
  scale: number;
  /** Width of each UTF-16 unit of `text` (its glyphs' advances, on the unit that starts their cluster). */
  widths: number[];
  shift: number;
  spacing: number;
  /** The resolution the item was set at, for tab stops. */
  res: number;
}

export interface Segment {
  item: Item;
  start: number;
  end: number;
}

export interface Line {
  segments: Segment[];
  width: number;
  ascent: number;
  /** The tallest typographic ascender: where textPs's first baseline sits below the box top. */
  cell: number;
  descent: number;
  gap: number;
  spaces: number;
  last: boolean;
  paragraph: Paragraph;
  first: boolean;
}

export const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;
const CJK = /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;
export const TAB_TWIPS = 720;

/** Twips (1/20 point) in pixels at `res` dpi. */
export function twipsToPx(twips: number, res: number): number {
  return (twips / 20) * (res / 72);
}

export class LineBreaker {
  /**
   * Shaped runs by face and text: shaping is in font units, the same at every size, so copy-fitting's
   * and autoRes's trial layouts (up to 18 of them) shape each run once.
   */
  private readonly shaped = new Map<Face, Map<string, ShapedGlyph[]>>();

  constructor(
    private readonly doc: TextDocument,
    private readonly fonts: FontLookup,
    private readonly settings: LayoutSettings,
  ) {}

  /** Shapes one paragraph's runs into items at the sizes copy-fitting (t) and resolution (res) give. */
  private items(paragraph: Paragraph, t: number, res: number): Item[] {
    const items: Item[] = [];
    for (const run of paragraph.runs) {
      const style = run.style;
      const faces = this.fonts(style);
      const halfPoints = style.copyfit > style.size && this.settings.form === 'textps' ? style.size + t * (style.copyfit - style.size) : style.size;
      const px = (halfPoints / 2) * (res / 72) * (style.script ? 2 / 3 : 1);
      if (px > this.settings.maxFontSize) throw forbidden(`A font size of ${Math.round(px)} pixels is over the limit of ${this.settings.maxFontSize}`);
      const text = style.caps ? run.text.toUpperCase() : run.text;
      // Items: one face each, and line breaks and tabs on their own.
      let start = 0;
      const flush = (end: number) => {
        if (end > start) items.push(this.item(text.slice(start, end), style, faces, px, res));
        start = end;
      };
      let current: Face | undefined;
      for (let i = 0; i < text.length; i++) {
        const code = text.codePointAt(i)!;
        const ch = text[i]!;
        if (ch === '\n' || ch === '\t') {
          flush(i);
          items.push(this.item(ch, style, faces, px, res));
          start = i + 1;
          current = undefined;
          continue;
        }
        const face = faces.faceFor(code);
        if (current && face !== current) flush(i);
        current = face;
        if (code > 0xffff) i++;
      }
      flush(text.length);
    }
    return items;
  }

  private item(text: string, style: CharStyle, faces: StyleFaces, px: number, res: number): Item {
    const face = faces.faceFor(text === '\n' || text === '\t' ? 32 : text.codePointAt(0)!);
    const scale = px / face.metrics.unitsPerEm;
    const shaped = text === '\n' || text === '\t' ? [] : this.shape(face, text, style.rtl || RTL.test(text), style.kerning);
    const widths = new Array<number>(text.length).fill(0);
    const spacing = twipsToPx(style.spacing, res);
    for (const g of shaped) widths[g.cluster] = (widths[g.cluster] ?? 0) + g.advance * scale * (style.scaleX / 100) + (g.advance > 0 ? spacing : 0);
    if (text === '\t') widths[0] = twipsToPx(TAB_TWIPS, res);
    return { text, style, face, faces, glyphs: shaped, scale, widths, shift: (style.shift / 2) * (res / 72), spacing, res };
  }

  private shape(face: Face, text: string, rtl: boolean, kerning: boolean): ShapedGlyph[] {
    let byText = this.shaped.get(face);
    if (!byText) this.shaped.set(face, (byText = new Map()));
    const key = `${rtl ? 1 : 0}${kerning ? 1 : 0}${text}`;
    let glyphs = byText.get(key);
    if (!glyphs) byText.set(key, (glyphs = face.shape(text, { rtl, kerning })));
    return glyphs;
  }

  /**
   * Greedy lines: whole words while they fit; a word wider than a line is broken (wrap) or left to
   * overflow (nbWrap). `margin` is the box's left and right margins together, in pixels.
   */
  lines(paragraph: Paragraph, t: number, res: number, margin: number): { lines: Line[]; broken: boolean } {
    const items = this.items(paragraph, t, res);
    const box = this.settings.box;
    const available = (firstLine: boolean) =>
      box && box.width > 0 && this.settings.wrap !== 'nowrap'
        ? box.width - twipsToPx(paragraph.style.leftIndent + paragraph.style.rightIndent + (firstLine ? paragraph.style.firstIndent : 0), res) - margin
        : Infinity;
    const lines: Line[] = [];
    let broken = false;
    let line = this.emptyLine(paragraph, true);
    const finish = (last: boolean) => {
      trimEnd(line);
      line.last = last;
      lines.push(line);
      line = this.emptyLine(paragraph, false);
    };
    for (const item of items) {
      if (item.text === '\n') {
        this.measure(line, item);
        finish(true);
        continue;
      }
      // Words: up to and including the spaces after them, and each CJK character alone.
      let i = 0;
      while (i < item.text.length) {
        let j = i;
        if (CJK.test(item.text[j]!)) j++;
        else {
          while (j < item.text.length && item.text[j] !== ' ' && !CJK.test(item.text[j]!)) j++;
        }
        while (j < item.text.length && item.text[j] === ' ') j++;
        const word = sum(item.widths, i, j);
        const ink = word - trailingSpaces(item, i, j);
        const room = available(line.first);
        if (line.width + ink > room + 0.01 && line.segments.length > 0) finish(false);
        if (ink > available(line.first) + 0.01 && this.settings.wrap === 'wrap') {
          // A word longer than a line: broken where it must be.
          broken = true;
          let k = i;
          while (k < j) {
            let m = k;
            while (m < j && (m === k || line.width + sum(item.widths, k, m + 1) <= available(line.first) + 0.01)) m++;
            this.add(line, item, k, m);
            k = m;
            if (k < j) finish(false);
          }
        } else {
          if (ink > available(line.first) + 0.01) broken = true;
          this.add(line, item, i, j);
        }
        i = j;
      }
    }
    if (line.segments.length > 0 || lines.length === 0 || lines.at(-1)!.last) finish(true);
    else lines.at(-1)!.last = true;
    // An empty line (an empty paragraph, a \line at the end) is as tall as the text around it.
    const style = paragraph.runs[0]?.style ?? defaultStyle(this.doc);
    for (const l of lines) if (l.ascent === 0 && l.descent === 0) this.measure(l, items.at(-1) ?? this.item(' ', style, this.fonts(style), (style.size / 2) * (res / 72), res));
    return { lines, broken };
  }

  private emptyLine(paragraph: Paragraph, first: boolean): Line {
    return { segments: [], width: 0, ascent: 0, cell: 0, descent: 0, gap: 0, spaces: 0, last: false, paragraph, first };
  }

  private add(line: Line, item: Item, start: number, end: number): void {
    const last = line.segments.at(-1);
    if (last && last.item === item && last.end === start) last.end = end;
    else line.segments.push({ item, start, end });
    if (item.text === '\t') {
      const stop = twipsToPx(TAB_TWIPS, item.res);
      line.width = Math.ceil((line.width + 0.01) / stop) * stop;
    } else line.width += sum(item.widths, start, end);
    for (let k = start; k < end; k++) if (item.text[k] === ' ') line.spaces++;
    this.measure(line, item);
  }

  private measure(line: Line, item: Item): void {
    const m = item.face.metrics;
    // A raised or lowered span grows a text= line, so it keeps the line's margin (the reference's tp03);
    // textPs does not move for it and clips it (tp04).
    const shift = this.settings.form === 'text' ? item.shift : 0;
    line.ascent = Math.max(line.ascent, m.ascender * item.scale + Math.max(0, shift));
    line.cell = Math.max(line.cell, m.cellAscender * item.scale);
    line.descent = Math.max(line.descent, -m.descender * item.scale + Math.max(0, -shift));
    line.gap = Math.max(line.gap, m.lineGap * item.scale);
  }
}

function trimEnd(line: Line): void {
  const last = line.segments.at(-1);
  if (!last) return;
  while (last.end > last.start && last.item.text[last.end - 1] === ' ') {
    last.end--;
    line.width -= last.item.widths[last.end] ?? 0;
    line.spaces--;
  }
}

function trailingSpaces(item: Item, start: number, end: number): number {
  let w = 0;
  for (let k = end - 1; k >= start && item.text[k] === ' '; k--) w += item.widths[k] ?? 0;
  return w;
}

function sum(values: number[], start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += values[i] ?? 0;
  return s;
}

const defaultStyle = (doc: TextDocument): CharStyle => doc.paragraphs.flatMap((p) => p.runs)[0]!.style;

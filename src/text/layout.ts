import { forbidden } from '../protocol/errors.ts';
import type { Rgba } from '../protocol/color.ts';
import type { Face, ShapedGlyph } from './faces.ts';
import type { CharStyle, Form, Paragraph, TextDocument } from './rtf.ts';

/**
 * Lays a parsed document out: runs shaped by HarfBuzz, lines broken greedily at spaces (and
 * between CJK characters) inside the box, aligned, stacked, placed vertically, copy-fitted. Pure
 * given the faces: the same document, faces and settings always give the same glyphs.
 * Units (spec composition §A.15.1): px = points × res / 72, \fs is half-points, twips 1/20 point.
 */

/** The faces a character style draws with: one per character (subsets and fallbacks), and what to fake. */
export interface StyleFaces {
  faceFor(codepoint: number): Face;
  syntheticBold: boolean;
  syntheticItalic: boolean;
}

export type FontLookup = (style: CharStyle) => StyleFaces;

export interface LayoutSettings {
  form: Form;
  /** textAttr's resolution in dpi. */
  resolution: number;
  /** size=: the box; a height of 0 grows with the text; none is point text. */
  box?: { width: number; height: number };
  wrap: 'wrap' | 'nowrap' | 'nbwrap';
  resMode: 'fixed' | 'auto' | 'max';
  /** The largest font size in pixels a layer may use (--max-font-size). */
  maxFontSize: number;
}

export interface PlacedGlyph {
  face: Face;
  glyph: number;
  /** The glyph origin on the baseline, in layer pixels (y down). */
  x: number;
  y: number;
  /** Pixels per font unit, and the horizontal factor of \charscalex. */
  scale: number;
  scaleX: number;
  color: Rgba;
  bold: boolean;
  italic: boolean;
}

export interface Rule {
  x: number;
  y: number;
  width: number;
  height: number;
  color: Rgba;
}

export interface TextLayout {
  width: number;
  height: number;
  glyphs: PlacedGlyph[];
  /** Underlines. */
  rules: Rule[];
  /** Point text's origin: the alignment point on the first baseline (TXT/r-text-layers.md). */
  anchor?: { x: number; y: number };
  lines: number;
}

interface Item {
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

interface Segment {
  item: Item;
  start: number;
  end: number;
}

interface Line {
  segments: Segment[];
  width: number;
  ascent: number;
  descent: number;
  gap: number;
  spaces: number;
  last: boolean;
  paragraph: Paragraph;
  first: boolean;
}

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;
const CJK = /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;
const TAB_TWIPS = 720;

class Setter {
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

  private px(twips: number, res: number): number {
    return (twips / 20) * (res / 72);
  }

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
    const spacing = this.px(style.spacing, res);
    for (const g of shaped) widths[g.cluster] = (widths[g.cluster] ?? 0) + g.advance * scale * (style.scaleX / 100) + (g.advance > 0 ? spacing : 0);
    if (text === '\t') widths[0] = this.px(TAB_TWIPS, res);
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

  /** Greedy lines: whole words while they fit; a word wider than a line is broken (wrap) or left to overflow (nbWrap). */
  private lines(paragraph: Paragraph, t: number, res: number): { lines: Line[]; broken: boolean } {
    const items = this.items(paragraph, t, res);
    const box = this.settings.box;
    const available = (firstLine: boolean) =>
      box && box.width > 0 && this.settings.wrap !== 'nowrap'
        ? box.width - this.px(paragraph.style.leftIndent + paragraph.style.rightIndent + (firstLine ? paragraph.style.firstIndent : 0), res) - this.margins(res).horizontal
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
    return { segments: [], width: 0, ascent: 0, descent: 0, gap: 0, spaces: 0, last: false, paragraph, first };
  }

  private add(line: Line, item: Item, start: number, end: number): void {
    const last = line.segments.at(-1);
    if (last && last.item === item && last.end === start) last.end = end;
    else line.segments.push({ item, start, end });
    if (item.text === '\t') {
      const stop = this.px(TAB_TWIPS, item.res);
      line.width = Math.ceil((line.width + 0.01) / stop) * stop;
    } else line.width += sum(item.widths, start, end);
    for (let k = start; k < end; k++) if (item.text[k] === ' ') line.spaces++;
    this.measure(line, item);
  }

  private measure(line: Line, item: Item): void {
    const m = item.face.metrics;
    // A raised or lowered span does not move the line: textPs clips it, text= moves all the text (keepInside).
    line.ascent = Math.max(line.ascent, m.ascender * item.scale);
    line.descent = Math.max(line.descent, -m.descender * item.scale);
    line.gap = Math.max(line.gap, m.lineGap * item.scale);
  }

  private margins(res: number) {
    if (this.settings.form !== 'textps') return { horizontal: 0, left: 0, top: 0, vertical: 0 };
    const { left, right, top, bottom } = this.doc.margins;
    return { horizontal: this.px(left + right, res), left: this.px(left, res), top: this.px(top, res), vertical: this.px(top + bottom, res) };
  }

  /** The height a line takes: \sl at least, exactly, or a multiple; else the font's. */
  private lineHeight(line: Line, res: number): number {
    const natural = line.ascent + line.descent + line.gap;
    const sl = line.paragraph.style.lineSpacing;
    if (sl === 0) return natural;
    if (line.paragraph.style.lineMultiple) return (natural * Math.abs(sl)) / 240;
    const given = this.px(Math.abs(sl), res);
    return sl < 0 ? given : Math.max(natural, given);
  }

  run(t: number, scale: number): { layout: TextLayout; fits: boolean; lineCount: number } {
    const res = this.settings.resolution * scale;
    const { box, form } = this.settings;
    const margins = this.margins(res);
    const paragraphs = this.doc.paragraphs;
    let lines: Line[] = [];
    let broken = false;
    paragraphs.forEach((p) => {
      const laid = this.lines(p, t, res);
      broken ||= laid.broken;
      lines.push(...laid.lines);
    });
    const lineCount = lines.length;
    const maxLines = this.doc.copyfitMaxLines;
    if (form === 'textps' && maxLines > 0 && lines.length > maxLines && this.copyfitting()) lines = lines.slice(0, maxLines);

    // Stack the lines; paragraph spacing (text= uses only the first's \sb and the last's \sa).
    const tops: number[] = [];
    let y = 0;
    lines.forEach((line, i) => {
      const p = line.paragraph.style;
      const firstOfParagraph = i === 0 || lines[i - 1]!.paragraph !== line.paragraph;
      const lastOfParagraph = i === lines.length - 1 || lines[i + 1]!.paragraph !== line.paragraph;
      if (firstOfParagraph && (form === 'textps' || i === 0)) y += this.px(p.spaceBefore, res);
      tops.push(y);
      y += this.lineHeight(line, res);
      if (lastOfParagraph && (form === 'textps' || i === lines.length - 1)) y += this.px(p.spaceAfter, res);
    });
    const contentHeight = y;
    const areaHeight = box && box.height > 0 ? box.height - margins.vertical : contentHeight;
    // textPs= drops the lines that do not fit whole; text= keeps them, clipped (TXT/c-text-formatting.md).
    let shown = lines.length;
    if (box && box.height > 0) {
      while (shown > 0 && tops[shown - 1]! + this.lineHeight(lines[shown - 1]!, res) > areaHeight + 0.5) shown--;
    }
    const fits = !broken && shown === lines.length;
    if (form === 'textps') lines = lines.slice(0, shown);

    const width = box && box.width > 0 ? box.width : Math.max(1, ...lines.map((l) => l.width));
    const usedHeight = lines.length > 0 ? tops[lines.length - 1]! + this.lineHeight(lines.at(-1)!, res) : 0;
    const vertical = box && box.height > 0 ? this.doc.vertical : 'top';
    const slack = Math.max(0, areaHeight - usedHeight);
    const offset = margins.top + (vertical === 'center' ? slack / 2 : vertical === 'bottom' ? slack : 0);

    const glyphs: PlacedGlyph[] = [];
    const rules: Rule[] = [];
    const areaWidth = width - margins.horizontal;
    lines.forEach((line, i) => {
      const p = line.paragraph.style;
      const indent = this.px(p.leftIndent + (line.first ? p.firstIndent : 0), res);
      const room = areaWidth - indent - this.px(p.rightIndent, res);
      const extra = Math.max(0, room - line.width);
      const align = p.align === 'justify' && (line.last || form === 'text') ? 'left' : p.align;
      const start = margins.left + indent + (box && box.width > 0 || align !== 'left' ? (align === 'center' ? extra / 2 : align === 'right' ? extra : 0) : 0);
      const stretch = p.align === 'justify' && !line.last && form === 'textps' && line.spaces > 0 ? extra / line.spaces : 0;
      const baseline = offset + tops[i]! + line.ascent + (this.lineHeight(line, res) - line.ascent - line.descent - line.gap) / 2;
      this.place(line, start, baseline, stretch, glyphs, rules);
    });
    let layout: TextLayout = { width, height: box && box.height > 0 ? box.height : Math.max(1, usedHeight + margins.vertical), glyphs, rules, lines: lines.length };
    if (form === 'text' && box) layout = keepInside(layout);
    if (!box) layout = pointText(layout, lines, this.doc.paragraphs[0]?.style.align ?? 'left', offset + (tops[0] ?? 0) + (lines[0]?.ascent ?? 0));
    return { layout, fits, lineCount };
  }

  private place(line: Line, start: number, baseline: number, stretch: number, glyphs: PlacedGlyph[], rules: Rule[]): void {
    let x = start;
    const segments = visualOrder(line.segments);
    for (const seg of segments) {
      const { item } = seg;
      const begin = x;
      if (item.text === '\t') {
        const stop = this.px(TAB_TWIPS, item.res);
        x = start + Math.ceil((x - start + 0.01) / stop) * stop;
        continue;
      }
      const faces = item.faces;
      for (const g of item.glyphs) {
        if (g.cluster < seg.start || g.cluster >= seg.end) continue;
        const sx = item.style.scaleX / 100;
        glyphs.push({
          face: item.face,
          glyph: g.glyph,
          x: x + g.dx * item.scale * sx,
          y: baseline - item.shift - g.dy * item.scale,
          scale: item.scale,
          scaleX: sx,
          color: item.style.color,
          bold: item.style.bold && faces.syntheticBold,
          italic: item.style.italic && faces.syntheticItalic,
        });
        x += g.advance * item.scale * sx + (g.advance > 0 ? item.spacing : 0);
        if (stretch > 0 && item.text[g.cluster] === ' ') x += stretch;
      }
      if (item.style.underline && x > begin) {
        const m = item.face.metrics;
        rules.push({ x: begin, y: baseline - item.shift - m.underlinePosition * item.scale, width: x - begin, height: Math.max(1, m.underlineThickness * item.scale), color: item.style.color });
      }
    }
  }

  copyfitting(): boolean {
    return this.settings.form === 'textps' && !!this.settings.box && this.settings.box.height > 0 && this.doc.paragraphs.some((p) => p.runs.some((r) => r.style.copyfit > r.style.size));
  }
}

const isRtl = (seg: Segment) => seg.item.style.rtl || RTL.test(seg.item.text.slice(seg.start, seg.end));
const isStrong = (seg: Segment) => seg.item.style.rtl || /[\p{L}\p{N}]/u.test(seg.item.text.slice(seg.start, seg.end));

/**
 * Segments in the order they show: runs of one direction kept together, a run of right-to-left
 * segments reversed, and in a right-to-left line (its first strong segment's) the runs reversed.
 * Neutral segments (spaces, punctuation) go with the line's direction. A simplified bidi: enough
 * for lines of one script and for an embedded run of the other, not the full Unicode algorithm.
 */
function visualOrder(segments: Segment[]): Segment[] {
  const firstStrong = segments.find(isStrong);
  const lineRtl = firstStrong !== undefined && isRtl(firstStrong);
  const runs: { rtl: boolean; segments: Segment[] }[] = [];
  for (const seg of segments) {
    const rtl = isStrong(seg) ? isRtl(seg) : lineRtl;
    const last = runs.at(-1);
    if (last && last.rtl === rtl) last.segments.push(seg);
    else runs.push({ rtl, segments: [seg] });
  }
  const ordered = lineRtl ? runs.reverse() : runs;
  return ordered.flatMap((r) => (r.rtl ? [...r.segments].reverse() : r.segments));
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

/** text= keeps every glyph inside its box: text reaching above the top is moved down (TXT/r-text-positioning.md). */
function keepInside(layout: TextLayout): TextLayout {
  let top = Infinity;
  for (const g of layout.glyphs) {
    const e = g.face.extents(g.glyph);
    if (e) top = Math.min(top, g.y - e.top * g.scale);
  }
  if (!(top < 0)) return layout;
  const dy = -top;
  return { ...layout, glyphs: layout.glyphs.map((g) => ({ ...g, y: g.y + dy })), rules: layout.rules.map((r) => ({ ...r, y: r.y + dy })) };
}

/**
 * Point text: the layer is the text's extent, ink included, and its origin is the alignment point
 * on the first baseline; \ql text lies to the right of it, \qr to the left, \qc about it.
 */
function pointText(layout: TextLayout, lines: Line[], align: string, baseline: number): TextLayout {
  const width = layout.width;
  let x0 = 0;
  let x1 = width;
  let y0 = 0;
  let y1 = layout.height;
  for (const g of layout.glyphs) {
    const e = g.face.extents(g.glyph);
    if (!e) continue;
    y0 = Math.min(y0, g.y - e.top * g.scale);
    y1 = Math.max(y1, g.y - e.bottom * g.scale);
  }
  x0 = Math.floor(x0);
  y0 = Math.floor(y0);
  const dx = -x0;
  const dy = -y0;
  const anchorX = align === 'center' ? width / 2 : align === 'right' ? width : 0;
  return {
    width: Math.max(1, Math.ceil(x1 + dx)),
    height: Math.max(1, Math.ceil(y1 + dy)),
    glyphs: dx === 0 && dy === 0 ? layout.glyphs : layout.glyphs.map((g) => ({ ...g, x: g.x + dx, y: g.y + dy })),
    rules: layout.rules.map((r) => ({ ...r, x: r.x + dx, y: r.y + dy })),
    anchor: { x: anchorX + dx, y: baseline + dy },
    lines: lines.length,
  };
}

/** How many halvings the searches take: 2^-12 of the range is below a pixel at any sane size. */
const STEPS = 12;

export function layoutText(doc: TextDocument, fonts: FontLookup, settings: LayoutSettings): TextLayout {
  const setter = new Setter(doc, fonts, settings);
  if (setter.copyfitting()) return copyfit(setter, doc);
  const { box, resMode, form } = settings;
  if (form === 'text' && box && box.height > 0 && resMode !== 'fixed') {
    // autoRes: the resolution that best fills the box; maxRes: the one given, lowered until nothing is clipped.
    const fitsAt = (s: number) => setter.run(0, s).fits;
    if (resMode === 'max' && fitsAt(1)) return setter.run(0, 1).layout;
    let lo = 1 / 64;
    let hi = resMode === 'max' ? 1 : 64;
    if (!fitsAt(lo)) return setter.run(0, lo).layout;
    for (let i = 0; i < STEPS + 6; i++) {
      const mid = Math.sqrt(lo * hi);
      if (fitsAt(mid)) lo = mid;
      else hi = mid;
    }
    return setter.run(0, lo).layout;
  }
  return setter.run(0, 1).layout;
}

/**
 * Copy-fitting (TXT/r-copy-fitting.md): every span between its \fs and its \copyfit, all at the
 * same fraction t of their range; the largest t at which the text fits the box and the line limits.
 */
function copyfit(setter: Setter, doc: TextDocument): TextLayout {
  const soft = doc.copyfitLines;
  const hard = doc.copyfitMaxLines;
  const fitsAt = (t: number) => {
    const r = setter.run(t, 1);
    return r.fits && (soft === 0 || r.lineCount <= soft) && (hard === 0 || r.lineCount <= hard);
  };
  if (!fitsAt(0)) {
    const smallest = setter.run(0, 1);
    // Over the line limits at the smallest size: \copyfitlines overflows, \copyfitmaxlines truncates.
    if (!smallest.fits && hard === 0) throw forbidden('The text does not fit its box even at the smallest copy-fit size');
    return smallest.layout;
  }
  let lo = 0;
  let hi = 1;
  if (fitsAt(1)) return setter.run(1, 1).layout;
  for (let i = 0; i < STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (fitsAt(mid)) lo = mid;
    else hi = mid;
  }
  return setter.run(lo, 1).layout;
}

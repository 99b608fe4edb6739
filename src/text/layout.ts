import { forbidden } from '../protocol/errors.ts';
import type { FontLookup, LayoutSettings, PlacedGlyph, Rule, TextLayout } from './layout-types.ts';
import { LineBreaker, RTL, TAB_TWIPS, twipsToPx, type Line, type Segment } from './line-breaking.ts';
import type { TextDocument } from './document.ts';

/**
 * Lays a parsed document out: the lines of line-breaking.ts (runs shaped by HarfBuzz, broken
 * greedily inside the box) aligned, stacked, placed vertically, copy-fitted. Pure
 * given the faces: the same document, faces and settings always give the same glyphs.
 * Units: px = points × res / 72, \fs is half-points, twips 1/20 point.
 */

class Setter {
  private readonly breaker: LineBreaker;
  private passes = 0;

  constructor(
    private readonly doc: TextDocument,
    fonts: FontLookup,
    private readonly settings: LayoutSettings,
  ) {
    this.breaker = new LineBreaker(doc, fonts, settings);
  }

  private margins(res: number) {
    if (this.settings.form !== 'textps') return { horizontal: 0, left: 0, top: 0, vertical: 0 };
    const { left, right, top, bottom } = this.doc.margins;
    return { horizontal: twipsToPx(left + right, res), left: twipsToPx(left, res), top: twipsToPx(top, res), vertical: twipsToPx(top + bottom, res) };
  }

  /** The height a line takes: \sl at least, exactly, or a multiple; else the font's. */
  private lineHeight(line: Line, res: number): number {
    const natural = line.ascent + line.descent + line.gap;
    const sl = line.paragraph.style.lineSpacing;
    if (sl === 0) return natural;
    if (line.paragraph.style.lineMultiple) return (natural * Math.abs(sl)) / 240;
    const given = twipsToPx(Math.abs(sl), res);
    return sl < 0 ? given : Math.max(natural, given);
  }

  run(t: number, scale: number): { layout: TextLayout; fits: boolean; lineCount: number } {
    if (this.passes++ > 0) this.settings.onRelayout?.();
    const res = this.settings.resolution * scale;
    const { box, form } = this.settings;
    const margins = this.margins(res);
    const paragraphs = this.doc.paragraphs;
    let lines: Line[] = [];
    let broken = false;
    paragraphs.forEach((p) => {
      const laid = this.breaker.lines(p, t, res, margins.horizontal);
      broken ||= laid.broken;
      lines.push(...laid.lines);
    });
    const lineCount = lines.length;
    const maxLines = this.doc.copyfitMaxLines;
    if (form === 'textps' && maxLines > 0 && lines.length > maxLines && this.copyfitting()) lines = lines.slice(0, maxLines);

    // Stack the lines; paragraph spacing (text= uses only the first's \sb and the last's \sa).
    // textPs's box top is the first line's character cell, OS/2's typographic ascender above the
    // baseline, tighter than text='s ascender (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-text-positioning, tp01 and tp02).
    const tops: number[] = [];
    let y = form === 'textps' && lines[0] ? -Math.max(0, lines[0].ascent - lines[0].cell) : 0;
    lines.forEach((line, i) => {
      const p = line.paragraph.style;
      const firstOfParagraph = i === 0 || lines[i - 1]!.paragraph !== line.paragraph;
      const lastOfParagraph = i === lines.length - 1 || lines[i + 1]!.paragraph !== line.paragraph;
      if (firstOfParagraph && (form === 'textps' || i === 0)) y += twipsToPx(p.spaceBefore, res);
      tops.push(y);
      y += this.lineHeight(line, res);
      if (lastOfParagraph && (form === 'textps' || i === lines.length - 1)) y += twipsToPx(p.spaceAfter, res);
    });
    const contentHeight = Math.max(0, y);
    const areaHeight = box && box.height > 0 ? box.height - margins.vertical : contentHeight;
    // textPs= drops the lines that do not fit whole; text= keeps them, clipped (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/c-text-formatting).
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
      const indent = twipsToPx(p.leftIndent + (line.first ? p.firstIndent : 0), res);
      const room = areaWidth - indent - twipsToPx(p.rightIndent, res);
      const extra = Math.max(0, room - line.width);
      const align = p.align === 'justify' && (line.last || form === 'text') ? 'left' : p.align;
      const start = margins.left + indent + (box && box.width > 0 || align !== 'left' ? (align === 'center' ? extra / 2 : align === 'right' ? extra : 0) : 0);
      const stretch = p.align === 'justify' && !line.last && form === 'textps' && line.spaces > 0 ? extra / line.spaces : 0;
      const baseline = offset + tops[i]! + line.ascent + (this.lineHeight(line, res) - line.ascent - line.descent - line.gap) / 2;
      this.place(line, start, baseline, stretch, glyphs, rules);
    });
    let layout: TextLayout = { width, height: box && box.height > 0 ? box.height : Math.max(1, usedHeight + margins.vertical), glyphs, rules, lines: lines.length };
    if (form === 'text' && box) layout = keepInside(layout);
    if (!box) layout = pointText(layout, lines, form === 'textps' ? (this.doc.paragraphs[0]?.style.align ?? 'left') : undefined, offset + (tops[0] ?? 0) + (lines[0]?.ascent ?? 0));
    return { layout, fits, lineCount };
  }

  private place(line: Line, start: number, baseline: number, stretch: number, glyphs: PlacedGlyph[], rules: Rule[]): void {
    let x = start;
    const segments = visualOrder(line.segments);
    for (const seg of segments) {
      const { item } = seg;
      const begin = x;
      if (item.text === '\t') {
        const stop = twipsToPx(TAB_TWIPS, item.res);
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

/** text= keeps every glyph inside its box: text reaching above the top is moved down (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-text-positioning). */
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
 * Self-sizing text: the layer is the text's extent, ink included. textPs's origin is the alignment
 * point on the first baseline, \ql text to the right of it, \qr to the left, \qc about it
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-text-layers);
 * text= (no `align`) has no anchor of its own, so the layer's centre is its origin as for any layer
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-anchor).
 */
function pointText(layout: TextLayout, lines: Line[], align: string | undefined, baseline: number): TextLayout {
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
    anchor: align === undefined ? undefined : { x: anchorX + dx, y: baseline + dy },
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
 * Copy-fitting (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-copy-fitting): every span between its \fs and its \copyfit, all at the
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

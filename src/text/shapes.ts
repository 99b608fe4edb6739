import type { Account } from '../protocol/account.ts';
import type { Rgba } from '../protocol/color.ts';
import type { Outline } from './faces.ts';
import type { TextLayout } from './layout-types.ts';

/**
 * A laid-out text as filled polygons in layer pixels (y down), the form the render plan carries to
 * the worker, which rasterises it (image/raster.ts) without fonts: glyph outlines flattened, fake
 * bold and italic applied, underlines as rectangles, the whole turned by textAngle.
 */
export interface TextImage {
  width: number;
  height: number;
  /** Point text's default anchor (the alignment point on the first baseline). */
  anchor?: { x: number; y: number };
  antialias: boolean;
  /** Drawn in order; each a set of closed contours, flat [x0, y0, x1, y1, ...], filled non-zero. */
  fills: { color: Rgba; contours: number[][] }[];
}

/** Flattening tolerance in pixels: curves are split until they stray less than this. */
const TOLERANCE = 0.2;
/** The shear of a synthesised italic (about 12 degrees) and the stroke of a synthesised bold, per em. */
const ITALIC_SHEAR = 0.21;
const BOLD_STROKE = 0.035;

export function outlineText(layout: TextLayout, options: { antialias: boolean; angle: number; account: Account }): TextImage {
  const fills: TextImage['fills'] = [];
  const fillOf = (color: Rgba) => {
    const last = fills.at(-1);
    if (last && sameColor(last.color, color)) return last.contours;
    const fill = { color, contours: [] as number[][] };
    fills.push(fill);
    return fill.contours;
  };
  for (const g of layout.glyphs) {
    const contours = fillOf(g.color);
    const em = g.scale * g.face.metrics.unitsPerEm;
    const shear = g.italic ? ITALIC_SHEAR : 0;
    const offsets = g.bold ? [0, (BOLD_STROKE * em) / 2, BOLD_STROKE * em] : [0];
    for (const offset of offsets) {
      const map = (ux: number, uy: number): [number, number] => [g.x + offset + (ux * g.scaleX + uy * shear) * g.scale, g.y - uy * g.scale];
      const flat = flatten(g.face.outline(g.glyph), map);
      // Each glyph's points before they join the text: the outlines live in the main thread, then in the plan, then in the worker.
      options.account.charge('points', flat.reduce((n, c) => n + c.length / 2, 0));
      contours.push(...flat);
    }
  }
  for (const r of layout.rules) fillOf(r.color).push([r.x, r.y, r.x + r.width, r.y, r.x + r.width, r.y + r.height, r.x, r.y + r.height]);
  const image: TextImage = { width: layout.width, height: layout.height, antialias: options.antialias, fills, ...(layout.anchor ? { anchor: layout.anchor } : {}) };
  return options.angle % 360 === 0 ? image : turn(image, options.angle);
}

/**
 * What rasterising a text takes (image/raster.ts), in pixel operations: each fill clears and sums the
 * box its contours span within the layer, and each edge is walked; the layer's own pixels besides.
 */
export function rasterWork(image: TextImage): number {
  let work = image.width * image.height;
  for (const fill of image.fills) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const c of fill.contours) {
      work += c.length / 2;
      for (let i = 0; i + 1 < c.length; i += 2) {
        minX = Math.min(minX, c[i]!);
        maxX = Math.max(maxX, c[i]!);
        minY = Math.min(minY, c[i + 1]!);
        maxY = Math.max(maxY, c[i + 1]!);
      }
    }
    const w = Math.min(image.width, maxX) - Math.max(0, minX) + 2;
    const h = Math.min(image.height, maxY) - Math.max(0, minY) + 1;
    if (w > 0 && h > 0) work += 2 * w * h;
  }
  return work;
}

const sameColor = (a: Rgba, b: Rgba) => a.r === b.r && a.g === b.g && a.b === b.b && a.a === b.a;

function flatten(outline: Outline, map: (x: number, y: number) => [number, number]): number[][] {
  const contours: number[][] = [];
  let current: number[] = [];
  let px = 0;
  let py = 0;
  const close = () => {
    if (current.length >= 6) contours.push(current);
    current = [];
  };
  for (const { type, values: v } of outline) {
    switch (type) {
      case 'M': {
        close();
        [px, py] = map(v[0]!, v[1]!);
        current.push(px, py);
        break;
      }
      case 'L':
        [px, py] = map(v[0]!, v[1]!);
        current.push(px, py);
        break;
      case 'Q': {
        const [cx, cy] = map(v[0]!, v[1]!);
        const [x, y] = map(v[2]!, v[3]!);
        const n = pieces(Math.hypot(px - 2 * cx + x, py - 2 * cy + y));
        for (let i = 1; i <= n; i++) {
          const t = i / n;
          const a = (1 - t) * (1 - t);
          const b = 2 * t * (1 - t);
          const c = t * t;
          current.push(a * px + b * cx + c * x, a * py + b * cy + c * y);
        }
        [px, py] = [x, y];
        break;
      }
      case 'C': {
        const [c1x, c1y] = map(v[0]!, v[1]!);
        const [c2x, c2y] = map(v[2]!, v[3]!);
        const [x, y] = map(v[4]!, v[5]!);
        pushCubic(current, px, py, c1x, c1y, c2x, c2y, x, y, cubicPieces(px, py, c1x, c1y, c2x, c2y, x, y));
        [px, py] = [x, y];
        break;
      }
      case 'Z':
        close();
        break;
    }
  }
  close();
  return contours;
}

/** The most straight pieces one curve becomes, whatever its size: what bounds a path's flattening. */
export const MAX_CURVE_PIECES = 32;

/** Segments for a curve whose control polygon bends by `deviation` pixels (a quadratic strays a quarter of it). */
const pieces = (deviation: number) => Math.min(MAX_CURVE_PIECES, Math.max(1, Math.ceil(Math.sqrt(deviation / (4 * TOLERANCE)))));

/** Straight pieces for a cubic from (x0, y0) through two control points to (x, y), in pixels (clip paths use it too). */
export const cubicPieces = (x0: number, y0: number, c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number) =>
  pieces(Math.max(Math.hypot(x0 - 2 * c1x + c2x, y0 - 2 * c1y + c2y), Math.hypot(c1x - 2 * c2x + x, c1y - 2 * c2y + y)) * 1.5);

/** A cubic from (x0, y0) through two control points to (x, y) as `n` straight pieces, their ends appended to `out` (clip paths use it too). */
export function pushCubic(out: number[], x0: number, y0: number, c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number, n: number): void {
  for (let i = 1; i <= n; i++) {
    const t = i / n;
    const u = 1 - t;
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    out.push(a * x0 + b * c1x + c * c2x + d * x, a * y0 + b * c1y + c * c2y + d * y);
  }
}

/**
 * textAngle=: clockwise about the layer's origin, onto the box that holds the turned layer (its box
 * and all its ink); the anchor turns with it.
 */
function turn(image: TextImage, degrees: number): TextImage {
  const r = (degrees * Math.PI) / 180;
  const cos = Math.cos(r);
  const sin = Math.sin(r);
  const rot = (x: number, y: number): [number, number] => [x * cos - y * sin, x * sin + y * cos];
  const corners = [rot(0, 0), rot(image.width, 0), rot(0, image.height), rot(image.width, image.height)];
  let x0 = Math.min(...corners.map((c) => c[0]));
  let y0 = Math.min(...corners.map((c) => c[1]));
  let x1 = Math.max(...corners.map((c) => c[0]));
  let y1 = Math.max(...corners.map((c) => c[1]));
  const fills = image.fills.map((f) => ({
    color: f.color,
    contours: f.contours.map((c) => {
      const out = new Array<number>(c.length);
      for (let i = 0; i < c.length; i += 2) {
        const [x, y] = rot(c[i]!, c[i + 1]!);
        out[i] = x;
        out[i + 1] = y;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
      return out;
    }),
  }));
  const dx = -Math.floor(x0);
  const dy = -Math.floor(y0);
  for (const f of fills) for (const c of f.contours) for (let i = 0; i < c.length; i += 2) (c[i] += dx), (c[i + 1]! += dy);
  const anchor = image.anchor ? rot(image.anchor.x, image.anchor.y) : undefined;
  return {
    width: Math.max(1, Math.ceil(x1) + dx),
    height: Math.max(1, Math.ceil(y1) + dy),
    antialias: image.antialias,
    fills,
    ...(anchor ? { anchor: { x: anchor[0] + dx, y: anchor[1] + dy } } : {}),
  };
}

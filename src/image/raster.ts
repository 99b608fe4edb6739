import type { Rgba } from '../protocol/color.ts';
import { createPixels, type Pixels } from './pixels.ts';

/**
 * Filled polygons to pixels: each edge adds its exact signed area to an accumulation buffer, and a
 * running sum along each row gives every pixel's coverage (the method of font-rs and stb_truetype's
 * second rasteriser; no supersampling). Overlapping contours of one direction add up and are
 * clamped, so a fill is their union; contours of the other direction cut holes (non-zero for glyph
 * outlines and their fake-bold copies). Even-odd fills (Photoshop's paths) cover where the winding,
 * taken modulo 2, is near 1. Edges outside the image are clipped. Straight alpha out.
 */

export interface Fill {
  color: Rgba;
  /** Closed contours, flat [x0, y0, x1, y1, ...]. */
  contours: number[][];
  /** Fill where the contours wind an odd number of times, not wherever they wind. */
  evenOdd?: boolean;
}

export function rasterize(width: number, height: number, fills: readonly Fill[], antialias: boolean): Pixels {
  const image = createPixels(width, height);
  const stride = width + 2;
  const area = new Float32Array(stride * height);
  const out = image.data;
  for (const fill of fills) {
    // Only the rows and columns the fill's edges reach: a text of many colours is many small fills,
    // and a whole-layer pass for each would cost the layer's area times the colour changes.
    const box = boundsOf(fill.contours, width, height);
    if (!box) continue;
    for (let y = box.y0; y < box.y1; y++) area.fill(0, y * stride + box.x0, y * stride + box.x1 + 1);
    for (const c of fill.contours) {
      const n = c.length;
      for (let i = 0; i < n; i += 2) {
        const j = (i + 2) % n;
        edge(area, stride, width, height, c[i]!, c[i + 1]!, c[j]!, c[j + 1]!);
      }
    }
    const { r, g, b, a } = fill.color;
    // Right of the box each row's running sum is back to 0 (its contours are closed): nothing is covered.
    const right = Math.min(width, box.x1 + 1);
    for (let y = box.y0; y < box.y1; y++) {
      let acc = 0;
      for (let x = box.x0; x < right; x++) {
        acc += area[y * stride + x]!;
        const winding = Math.abs(acc);
        const odd = winding % 2;
        let cover = fill.evenOdd ? (odd > 1 ? 2 - odd : odd) : Math.min(1, winding);
        if (!antialias) cover = cover >= 0.5 ? 1 : 0;
        if (cover <= 1 / 512) continue;
        const alpha = (cover * a) / 255;
        const o = (y * width + x) * 4;
        // Source over the fills drawn before, in straight alpha.
        const below = out[o + 3]! / 255;
        const total = alpha + below * (1 - alpha);
        const keep = below * (1 - alpha);
        out[o] = (r * alpha + out[o]! * keep) / total;
        out[o + 1] = (g * alpha + out[o + 1]! * keep) / total;
        out[o + 2] = (b * alpha + out[o + 2]! * keep) / total;
        out[o + 3] = total * 255;
      }
    }
  }
  return image;
}

/**
 * The area columns (x0..x1, inclusive) and rows (y0..y1, exclusive) a fill's edges write to, as edge()
 * clamps them; undefined when none lies in the image.
 */
function boundsOf(contours: readonly number[][], width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const c of contours) {
    for (let i = 0; i + 1 < c.length; i += 2) {
      const x = c[i]!;
      const y = c[i + 1]!;
      if (!Number.isFinite(x + y)) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  const y0 = Math.floor(Math.max(0, minY));
  const y1 = Math.min(height, Math.ceil(maxY));
  if (!(y1 > y0)) return undefined;
  // An edge within one pixel also writes the column after it.
  return { x0: Math.floor(Math.min(Math.max(minX, 0), width)), y0, x1: Math.min(width + 1, Math.ceil(Math.min(Math.max(maxX, 0), width)) + 1), y1 };
}

/** One edge's signed area, row by row; x is clamped into the row so the running sum stays in it. */
function edge(area: Float32Array, stride: number, width: number, height: number, ax: number, ay: number, bx: number, by: number): void {
  if (ay === by || !Number.isFinite(ax + ay + bx + by)) return;
  const dir = ay < by ? 1 : -1;
  const [x0, y0, x1, y1] = ay < by ? [ax, ay, bx, by] : [bx, by, ax, ay];
  if (y1 <= 0 || y0 >= height) return;
  const dxdy = (x1 - x0) / (y1 - y0);
  const top = Math.max(0, y0);
  let x = x0 + (top - y0) * dxdy;
  const last = Math.min(height, Math.ceil(y1));
  for (let row = Math.floor(top); row < last; row++) {
    const dy = Math.min(row + 1, y1) - Math.max(row, y0);
    const xnext = x + dxdy * dy;
    const d = dy * dir;
    const line = row * stride;
    const lo = Math.min(Math.max(Math.min(x, xnext), 0), width);
    const hi = Math.min(Math.max(Math.max(x, xnext), 0), width);
    const lof = Math.floor(lo);
    const loi = lof;
    const hii = Math.ceil(hi);
    if (hii <= loi + 1) {
      // Within one pixel: the part of it right of the edge's mean x is covered.
      const mid = (lo + hi) / 2 - lof;
      area[line + loi] += d * (1 - mid);
      area[line + loi + 1] += d * mid;
    } else {
      const s = 1 / (hi - lo);
      const f0 = lo - lof;
      const a0 = 0.5 * s * (1 - f0) * (1 - f0);
      const f1 = hi - hii + 1;
      const am = 0.5 * s * f1 * f1;
      area[line + loi] += d * a0;
      if (hii === loi + 2) area[line + loi + 1] += d * (1 - a0 - am);
      else {
        const a1 = s * (1.5 - f0);
        area[line + loi + 1] += d * (a1 - a0);
        for (let xi = loi + 2; xi < hii - 1; xi++) area[line + xi] += d * s;
        const a2 = a1 + (hii - loi - 3) * s;
        area[line + hii - 1] += d * (1 - a2 - am);
      }
      area[line + hii] += d * am;
    }
    x = xnext;
  }
}

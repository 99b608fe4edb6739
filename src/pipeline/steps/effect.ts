import type { Pixels } from '../../image/pixels.ts';
import type { EffectPlan } from '../../planning/composite-plan.ts';
import { blur } from './sharpen.ts';

/**
 * An effect layer (drop shadow, glow; https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-layer-effects): a mask shaped by
 * maskUse, op_grow and op_blur, filled with the effect's colour. An outer effect's mask is the
 * parent's, moved by pos=; an inner effect's is the parent's inverse moved by pos= (as Photoshop's
 * inner shadow and glow), so it reaches in from the edges and the edges opposite the offset, and is
 * then clipped by the parent. Returned with the offset of its top-left from the parent's, since
 * growing and blurring reach past the parent's edges.
 */
export function shapeEffect(parent: Pixels, effect: EffectPlan, at: { x: number; y: number }): { image: Pixels; x: number; y: number } {
  const pad = Math.abs(effect.grow) + Math.ceil(effect.blur * 3) + 1;
  const width = parent.width + 2 * pad;
  const height = parent.height + 2 * pad;
  const p = parent.data;
  // An inner effect's offset moves its mask within the parent; an outer effect moves as a whole.
  const sx = effect.inner ? effect.x : 0;
  const sy = effect.inner ? effect.y : 0;
  let mask: Uint8Array = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x - pad - sx;
      const py = y - pad - sy;
      let m = 0;
      if (px >= 0 && py >= 0 && px < parent.width && py < parent.height) {
        const a = p[(py * parent.width + px) * 4 + 3]!;
        m = effect.maskUse === 'off' ? 255 : effect.maskUse === 'invert' ? 255 - a : a;
      }
      mask[y * width + x] = effect.inner ? 255 - m : m;
    }
  }
  if (effect.grow !== 0) mask = morph(mask, width, height, Math.abs(effect.grow), effect.grow > 0);
  const { r, g, b } = effect.color;
  let image: Pixels = { data: new Uint8ClampedArray(width * height * 4), width, height };
  const d = image.data;
  for (let i = 0, j = 0; i < mask.length; i++, j += 4) {
    d[j] = r;
    d[j + 1] = g;
    d[j + 2] = b;
    d[j + 3] = mask[i]!;
  }
  if (effect.blur > 0) image = blur(image, effect.blur);
  const out = image.data;
  const dx = effect.x - sx - pad;
  const dy = effect.y - sy - pad;
  // op_noise: uniform noise on the mask where it is not empty, seeded by each pixel's place in the
  // composite (`at` is the parent's top-left there), so replies repeat and tiles of a view join.
  if (effect.noise > 0) {
    const amount = (effect.noise / 100) * 255;
    for (let y = 0, i = 3; y < height; y++) {
      for (let x = 0; x < width; x++, i += 4) {
        if (out[i]! > 0) out[i] = out[i]! + (noiseAt(at.x + dx + x, at.y + dy + y) * 2 - 1) * amount;
      }
    }
  }
  // Clip to the parent (inner) or cut the parent out (outer, with effectMask).
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4 + 3;
      let a = out[i]! * effect.opacity;
      if (effect.inner || effect.masked) {
        const px = x + dx;
        const py = y + dy;
        const under = px >= 0 && py >= 0 && px < parent.width && py < parent.height ? p[(py * parent.width + px) * 4 + 3]! / 255 : 0;
        a *= effect.inner ? under : 1 - under;
      }
      out[i] = a;
      // Colour is constant; a blur may have rounded it near the edges.
      out[i - 3] = r;
      out[i - 2] = g;
      out[i - 1] = b;
    }
  }
  return { image, x: dx, y: dy };
}

/** A value in [0, 1) from a place: a 32-bit integer hash (murmur3's finaliser) of x and y. */
function noiseAt(x: number, y: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77) ^ 0x2545f491;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Dilation (grow) or erosion by a square of radius r, separable: rows, then columns. Each line is
 * van Herk/Gil-Werman's running extreme: blocks of 2r+1 with the extreme so far from each block's
 * start and to its end, so any window is two lookups and the cost does not grow with r (a plain
 * window of 2r+1 was 201 operations a pixel a pass at op_grow=100).
 */
export function morph(src: Uint8Array, width: number, height: number, r: number, grow: boolean): Uint8Array {
  const line = new Line(Math.max(width, height), r, grow);
  const rows = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) line.run(src, rows, y * width, 1, width);
  const out = new Uint8Array(src.length);
  for (let x = 0; x < width; x++) line.run(rows, out, x, width, height);
  return out;
}

/** One line's pass, with its two scratch arrays kept across lines. */
class Line {
  private readonly fromStart: Uint8Array;
  private readonly toEnd: Uint8Array;
  constructor(longest: number, private readonly r: number, private readonly grow: boolean) {
    this.fromStart = new Uint8Array(longest);
    this.toEnd = new Uint8Array(longest);
  }

  /** dst[at + i*stride] = the extreme of src over [i-r, i+r] within the line of n values. */
  run(src: Uint8Array, dst: Uint8Array, at: number, stride: number, n: number): void {
    const { fromStart: g, toEnd: h, r, grow } = this;
    const w = 2 * r + 1;
    for (let start = 0; start < n; start += w) {
      const end = Math.min(n, start + w) - 1;
      let v = src[at + start * stride]!;
      g[start] = v;
      for (let i = start + 1; i <= end; i++) {
        const s = src[at + i * stride]!;
        if (grow ? s > v : s < v) v = s;
        g[i] = v;
      }
      v = src[at + end * stride]!;
      h[end] = v;
      for (let i = end - 1; i >= start; i--) {
        const s = src[at + i * stride]!;
        if (grow ? s > v : s < v) v = s;
        h[i] = v;
      }
    }
    for (let i = 0; i < n; i++) {
      const lo = i > r ? i - r : 0;
      const hi = i + r < n ? i + r : n - 1;
      let v: number;
      // A window crosses at most one block boundary; within one block, it starts the block or ends it (or the line).
      if (Math.floor(lo / w) !== Math.floor(hi / w)) {
        const a = h[lo]!;
        const b = g[hi]!;
        v = grow ? (a > b ? a : b) : a < b ? a : b;
      } else v = lo % w === 0 ? g[hi]! : h[lo]!;
      dst[at + i * stride] = v;
    }
  }
}

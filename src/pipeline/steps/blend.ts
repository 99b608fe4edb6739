import type { Pixels } from '../../image/pixels.ts';
import type { BlendMode } from '../../protocol/request.ts';

/**
 * The compositing canvas: premultiplied RGBA in 32-bit floats, so that stacking many layers rounds
 * once, at the end, instead of once per layer (8-bit in, 8-bit out, max error 1/2 per channel).
 */
export interface Canvas {
  data: Float32Array;
  width: number;
  height: number;
}

export const createCanvas = (width: number, height: number): Canvas => ({ data: new Float32Array(width * height * 4), width, height });

/**
 * The separable blend functions of W3C Compositing and Blending Level 1, which Photoshop's modes
 * follow (Adobe gives no formulas; spec composition §A.7). Straight colours in 0..1.
 */
const BLEND: Record<Exclude<BlendMode, 'normal' | 'dissolve'>, (b: number, s: number) => number> = {
  multiply: (b, s) => b * s,
  screen: (b, s) => b + s - b * s,
  darken: (b, s) => Math.min(b, s),
  lighten: (b, s) => Math.max(b, s),
};

/** A deterministic hash in [0, 1) of a pixel, so dissolve's noise is the same on every render. */
function hash01(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(seed + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae3d);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Draws a straight-alpha image with its top-left at (x, y), its alpha times `opacity`:
 * Co = as(1-ab)Cs + as ab B(Cb,Cs) + (1-as) ab Cb, ao = as + ab(1-as) (premultiplied Co).
 * The part outside the canvas is clipped.
 */
export function draw(canvas: Canvas, image: Pixels, x: number, y: number, opacity: number, mode: BlendMode, seed = 0): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(canvas.width, x + image.width);
  const y1 = Math.min(canvas.height, y + image.height);
  if (x1 <= x0 || y1 <= y0 || opacity <= 0) return;
  const c = canvas.data;
  const s = image.data;
  const blend = mode === 'normal' || mode === 'dissolve' ? undefined : BLEND[mode];
  const k = opacity / 255;
  for (let py = y0; py < y1; py++) {
    let si = ((py - y) * image.width + (x0 - x)) * 4;
    let ci = (py * canvas.width + x0) * 4;
    for (let px = x0; px < x1; px++, si += 4, ci += 4) {
      let as = s[si + 3]! * k;
      if (as <= 0) continue;
      if (mode === 'dissolve') {
        if (hash01(px, py, seed) >= as) continue;
        as = 1;
      }
      const sr = s[si]! / 255;
      const sg = s[si + 1]! / 255;
      const sb = s[si + 2]! / 255;
      const ab = c[ci + 3]!;
      const keep = 1 - as;
      if (!blend || ab === 0) {
        c[ci] = as * sr + keep * c[ci]!;
        c[ci + 1] = as * sg + keep * c[ci + 1]!;
        c[ci + 2] = as * sb + keep * c[ci + 2]!;
      } else {
        const br = c[ci]! / ab;
        const bg = c[ci + 1]! / ab;
        const bb = c[ci + 2]! / ab;
        const fresh = as * (1 - ab);
        const mixed = as * ab;
        c[ci] = fresh * sr + mixed * blend(br, sr) + keep * c[ci]!;
        c[ci + 1] = fresh * sg + mixed * blend(bg, sg) + keep * c[ci + 1]!;
        c[ci + 2] = fresh * sb + mixed * blend(bb, sb) + keep * c[ci + 2]!;
      }
      c[ci + 3] = as + ab * keep;
    }
  }
}

/** The canvas as straight-alpha 8-bit pixels, rounded once. */
export function toPixels(canvas: Canvas): Pixels {
  const c = canvas.data;
  const out = new Uint8ClampedArray(c.length);
  for (let i = 0; i < c.length; i += 4) {
    const a = c[i + 3]!;
    if (a <= 0) continue;
    const inv = 255 / a;
    // A Uint8ClampedArray rounds to the nearest on assignment.
    out[i] = c[i]! * inv;
    out[i + 1] = c[i + 1]! * inv;
    out[i + 2] = c[i + 2]! * inv;
    out[i + 3] = a * 255;
  }
  return { data: out, width: canvas.width, height: canvas.height };
}

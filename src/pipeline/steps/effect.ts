import type { Pixels } from '../../image/pixels.ts';
import type { EffectPlan } from '../../planning/composite-plan.ts';
import { blur } from './sharpen.ts';

/**
 * An effect layer (drop shadow, glow; spec composition §A.11): the parent's mask, shaped by
 * maskUse, op_grow and op_blur, filled with the effect's colour. Returned with the offset of its
 * top-left from the parent's, since growing and blurring reach past the parent's edges.
 */
export function shapeEffect(parent: Pixels, effect: EffectPlan): { image: Pixels; x: number; y: number } {
  const pad = Math.abs(effect.grow) + Math.ceil(effect.blur * 3) + 1;
  const width = parent.width + 2 * pad;
  const height = parent.height + 2 * pad;
  let mask: Uint8Array = new Uint8Array(width * height);
  const p = parent.data;
  for (let y = 0; y < parent.height; y++) {
    for (let x = 0; x < parent.width; x++) {
      const a = p[(y * parent.width + x) * 4 + 3]!;
      mask[(y + pad) * width + x + pad] = effect.maskUse === 'off' ? 255 : effect.maskUse === 'invert' ? 255 - a : a;
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
  // op_noise: uniform noise on the mask where it is not empty, from a fixed seed so replies repeat.
  if (effect.noise > 0) {
    let seed = 0x2545f491;
    const amount = (effect.noise / 100) * 255;
    for (let i = 3; i < out.length; i += 4) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      if (out[i]! > 0) out[i] = out[i]! + (((seed >>> 0) / 4294967296) * 2 - 1) * amount;
    }
  }
  const dx = effect.x - pad;
  const dy = effect.y - pad;
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

/** Dilation (grow) or erosion by a square of radius r, separable: rows, then columns. */
function morph(src: Uint8Array, width: number, height: number, r: number, grow: boolean): Uint8Array {
  const pick = grow ? Math.max : Math.min;
  const rows = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = src[y * width + x]!;
      for (let k = Math.max(0, x - r); k <= Math.min(width - 1, x + r); k++) v = pick(v, src[y * width + k]!);
      rows[y * width + x] = v;
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = rows[y * width + x]!;
      for (let k = Math.max(0, y - r); k <= Math.min(height - 1, y + r); k++) v = pick(v, rows[k * width + x]!);
      out[y * width + x] = v;
    }
  }
  return out;
}

import { resizerArena, resizeKernelInstance, type Arena, type ResizeKernel } from '../../image/kernels.ts';
import type { Pixels } from '../../image/pixels.ts';

/**
 * op_blur= and op_usm= on the resize kernel: a same-size Gaussian is a separable convolution with
 * the weights laid out as the resampler's, so the same SIMD passes run it.
 */
function gaussian(k: ResizeKernel, arena: Arena, src: number, width: number, height: number, sigma: number): number {
  const taps = k.tapsForBlur(sigma);
  const vStarts = arena.take(height * 4);
  const vWeights = arena.take(height * taps * 2);
  k.blurWeights(height, sigma, vStarts, vWeights, taps);
  const vPaired = arena.take(height * ((taps + 1) >> 1) * 16);
  const vUsed = arena.take(height * 4);
  k.pairWeights(vWeights, vStarts, height, taps, vPaired, vUsed);
  const rows = arena.take(width * height * 4 + (taps + 2) * 4);
  k.resizeVertical(src, width, rows, height, vStarts, vPaired, vUsed, taps);
  const hStarts = arena.take(width * 4);
  const hWeights = arena.take(width * taps * 2);
  k.blurWeights(width, sigma, hStarts, hWeights, taps);
  const paired = arena.take(width * ((taps + 1) >> 1) * 16);
  const used = arena.take(width * 4);
  k.pairWeights(hWeights, hStarts, width, taps, paired, used);
  const out = arena.take(width * height * 4);
  k.resizeHorizontal(rows, width, height, out, width, hStarts, paired, used, taps);
  return out;
}

function load(image: Pixels) {
  const k = resizeKernelInstance();
  const arena = resizerArena(image.data);
  const src = arena.place(image.data, 64);
  return { k, arena, src };
}

/**
 * The radius is the Gaussian's sigma, as in Photoshop's filters. An image with transparency is
 * blurred premultiplied, so the colour transparent pixels happen to hold (black, white, whatever
 * the file stored) does not bleed into the visible edge.
 */
export function blur(image: Pixels, radius: number): Pixels {
  if (radius <= 0) return image;
  const { k, arena, src } = load(image);
  const pixels = image.width * image.height;
  const transparent = k.hasTransparency(src, pixels) !== 0;
  if (transparent) k.premultiply(src, pixels);
  const out = gaussian(k, arena, src, image.width, image.height, radius);
  if (transparent) k.unpremultiply(out, pixels);
  return { ...image, data: arena.pixels(out, image.data.length) };
}

/**
 * Each colour pushed away from the Gaussian around it. With transparency, that Gaussian is blur()'s,
 * premultiplied and made straight again: the average of the visible colours around a pixel, so the
 * colour transparent pixels hold neither tints nor haloes the subject's edge.
 */
export function unsharpMask(image: Pixels, amount: number, radius: number, threshold: number, monochrome: boolean): Pixels {
  if (amount <= 0 || radius <= 0) return image;
  const { k, arena, src } = load(image);
  const pixels = image.width * image.height;
  const transparent = k.hasTransparency(src, pixels) !== 0;
  let from = src;
  if (transparent) {
    from = arena.place(image.data, 64);
    k.premultiply(from, pixels);
  }
  const blurred = gaussian(k, arena, from, image.width, image.height, radius);
  if (transparent) k.unpremultiply(blurred, pixels);
  k.unsharp(src, blurred, image.width * image.height, Math.round(amount * 256), threshold, monochrome ? 1 : 0);
  return { ...image, data: arena.pixels(src, image.data.length) };
}

import { Arena, resizeKernelInstance } from '../../image/kernels.ts';
import type { Pixels } from '../../image/pixels.ts';
import type { Rect, Resampling } from '../../protocol/request.ts';
import { boxFactor } from '../../planning/shrink.ts';

/** The kernel's filter numbers (wasm/resize.ts). */
const FILTERS: Record<Resampling, number> = { lanczos3: 0, bicubic: 1, bilinear: 2, bicubicSharper: 3 };

/**
 * Resampling on our own SIMD kernel (wasm/resize.ts): an optional box pre-shrink, then a
 * separable filter (Lanczos3 unless resMode= says otherwise), rows first, with Q14 fixed-point weights. Images with transparency are
 * premultiplied while resampling, so transparent edges get no dark fringes.
 */
export function resize(
  image: Pixels,
  width: number,
  height: number,
  options: { premultiply?: boolean; allowBox?: boolean; filter?: Resampling; region?: Rect; box?: number; view?: boolean } = {},
): Pixels {
  const { premultiply = true, allowBox = true } = options;
  const filter = FILTERS[options.filter ?? 'lanczos3'];
  const k = resizeKernelInstance();
  const arena = new Arena(k.memory, k.heapBase.value as number);
  let { width: sw, height: sh } = image;
  // The part of the image the output spans, in (possibly fractional) pixels: all of it unless
  // shrink-on-load left a partial pixel at an edge or a crop between pixels.
  let region = options.region ?? { x: 0, y: 0, width: sw, height: sh };
  // The horizontal pass reads whole pairs of taps, a little past a row's end at the right edge.
  const slack = (k.tapsFor(region.width, width, filter) + 2) * 4;
  let src = arena.take(sw * sh * 4 + slack);
  arena.bytes(src, image.data.length).set(image.data);
  // Sources that cannot hold alpha (every JPEG) skip the scan and the two alpha passes.
  const transparent = premultiply && k.hasTransparency(src, sw * sh) !== 0;
  if (transparent) k.premultiply(src, sw * sh);
  // A tile takes the whole view's factor, so that its pixels are the view's (planning/plan.ts).
  const factor = options.box ?? (allowBox ? boxFactor(sw, sh, width, height) : 1);
  if (factor > 1) {
    const shrunk = arena.take(Math.floor(sw / factor) * Math.floor(sh / factor) * 4 + slack);
    k.boxShrink(src, sw, sh, factor, shrunk);
    src = shrunk;
    sw = Math.floor(sw / factor);
    sh = Math.floor(sh / factor);
    region = { x: region.x / factor, y: region.y / factor, width: region.width / factor, height: region.height / factor };
  }

  /** One axis's weights, laid out in the arena. */
  const weightsFor = (from: number, to: number, offset: number, extent: number) => {
    const taps = k.tapsFor(extent, to, filter);
    const starts = arena.take(to * 4);
    const weights = arena.take(to * taps * 2);
    k.computeWeights(from, to, starts, weights, taps, filter, offset, extent);
    return { taps, starts, weights };
  };
  /** Those weights in pairs, one vector a pair, as both passes read them. */
  const pairsFor = (from: number, to: number, offset: number, extent: number) => {
    const { taps, starts, weights } = weightsFor(from, to, offset, extent);
    const paired = arena.take(to * ((taps + 1) >> 1) * 16);
    const used = arena.take(to * 4);
    k.pairWeights(weights, starts, to, taps, paired, used);
    return { taps, starts, paired, used };
  };
  let rows = src;
  if (height !== sh || region.y !== 0 || region.height !== sh) {
    const { taps, starts, paired, used } = pairsFor(sh, height, region.y, region.height);
    rows = arena.take(sw * height * 4 + slack);
    k.resizeVertical(src, sw, rows, height, starts, paired, used, taps);
  }
  let out = rows;
  if (width !== sw || region.x !== 0 || region.width !== sw) {
    const { taps, starts, paired, used } = pairsFor(sw, width, region.x, region.width);
    out = arena.take(width * height * 4);
    k.resizeHorizontal(rows, sw, height, out, width, starts, paired, used, taps);
  }
  if (transparent) k.unpremultiply(out, width * height);
  // `view`: the pixels left in the kernel's memory, valid until its next call, as the JPEG decoder's
  // are (image/jpeg.ts). For a result that only the encode reads: copying it out costs a fresh
  // buffer of the output's size, 13 MB and about a twentieth of the large2000 job with its GC.
  if (options.view) return { data: new Uint8ClampedArray(k.memory.buffer, out, width * height * 4), width, height };
  return { data: arena.pixels(out, width * height * 4), width, height };
}

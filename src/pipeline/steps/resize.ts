import { isShared, keepView, resizerArena, resizeKernelInstance, type Arena, type ResizeKernel } from '../../image/kernels.ts';
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
  // A JPEG decode's pixels lie in the memory this kernel shares with the decoder: they are resized
  // where they lie (at this offset), and the arena starts past them.
  const inPlace = isShared(image.data) ? image.data.byteOffset : -1;
  const arena = resizerArena(image.data);
  let { width: sw, height: sh } = image;
  // The part of the image the output spans, in (possibly fractional) pixels: all of it unless
  // shrink-on-load left a partial pixel at an edge or a crop between pixels.
  let region = options.region ?? { x: 0, y: 0, width: sw, height: sh };
  // The horizontal pass reads whole pairs of taps, a little past a row's end at the right edge.
  const slack = (k.tapsFor(region.width, width, filter) + 2) * 4;
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
  let rows: number;
  let transparent = false;
  // A tile takes the whole view's factor, so that its pixels are the view's (planning/plan.ts).
  const factor = options.box ?? (allowBox ? boxFactor(sw, sh, width, height) : 1);
  // Whether the rows need resampling (asked again after a box pre-shrink).
  const rowsPass = () => height !== sh || region.y !== 0 || region.height !== sh;
  // Opaque grey takes the rows pass on one byte a pixel: a quarter of the work, and the same result,
  // since that pass treats every byte alike.
  const stride = (sw + 3) & ~3;
  const grey = factor === 1 && rowsPass() ? greyPlane(k, arena, image, stride) : undefined;
  if (grey !== undefined) {
    const { taps, starts, paired, used } = pairsFor(sh, height, region.y, region.height);
    const greyRows = arena.take(stride * height);
    k.resizeVertical(grey, stride / 4, greyRows, height, starts, paired, used, taps);
    rows = arena.take(sw * height * 4 + slack);
    k.expandGrey(greyRows, stride, sw, height, rows);
  } else {
    // Whatever a grey plane that was given up took is laid out again (nothing is taken before it).
    arena.reset();
    const bytes = sw * sh * 4;
    let src = inPlace;
    // The horizontal pass may read `slack` bytes past the source, which the arena then holds.
    if (inPlace >= 0) arena.take(slack);
    else src = arena.place(image.data, slack);
    // Sources that cannot hold alpha (every JPEG) skip the scan and the two alpha passes.
    transparent = premultiply && k.hasTransparency(src, sw * sh) !== 0;
    if (transparent && inPlace >= 0) {
      // Premultiplied in a copy: the caller's pixels stay as they were.
      src = arena.place(arena.bytes(inPlace, bytes), slack);
    }
    if (transparent) k.premultiply(src, sw * sh);
    if (factor > 1) {
      const shrunk = arena.take(Math.floor(sw / factor) * Math.floor(sh / factor) * 4 + slack);
      k.boxShrink(src, sw, sh, factor, shrunk);
      src = shrunk;
      sw = Math.floor(sw / factor);
      sh = Math.floor(sh / factor);
      region = { x: region.x / factor, y: region.y / factor, width: region.width / factor, height: region.height / factor };
    }
    rows = src;
    if (rowsPass()) {
      const { taps, starts, paired, used } = pairsFor(sh, height, region.y, region.height);
      rows = arena.take(sw * height * 4 + slack);
      k.resizeVertical(src, sw, rows, height, starts, paired, used, taps);
    }
  }
  let out = rows;
  if (width !== sw || region.x !== 0 || region.width !== sw) {
    const { taps, starts, paired, used } = pairsFor(sw, width, region.x, region.width);
    out = arena.take(width * height * 4);
    k.resizeHorizontal(rows, sw, height, out, width, starts, paired, used, taps);
  }
  if (transparent) k.unpremultiply(out, width * height);
  // `view`: the pixels left in the kernel's memory, valid until its next call or the next JPEG
  // decode (image/kernels.ts). For a result that only the encode reads: copying it out costs a fresh
  // buffer of the output's size, 13 MB and about a twentieth of the large2000 job with its GC.
  if (options.view) {
    keepView(out + width * height * 4);
    return { data: new Uint8ClampedArray(k.memory.buffer, out, width * height * 4), width, height };
  }
  return { data: arena.pixels(out, width * height * 4), width, height };
}

/** Bytes of RGBA copied into the kernel at a time while looking for grey: a band still in cache when packed. */
const BAND_BYTES = 256 << 10;

/**
 * The image as one byte a pixel in the kernel's memory, rows `stride` apart, if it is opaque grey
 * (line art, scans, grey JPEGs and PNGs); undefined otherwise. It is copied in and packed a band at
 * a time, each band while it is still in cache, so a grey image's RGBA is never written whole into
 * the kernel. Its first row is packed alone, where it lies, so that a colour image, found out by
 * its first pixels, costs the copy of a row and takes no plane. An image grey only at the top (a
 * white margin above a product) is found out later, its packing so far wasted (at most one more
 * read of the image). Pixels already in the kernel's memory (a decode's) are copied in bands all
 * the same: packed where they lie, the pngToJpeg800 job's 23 MB took 6.7 ms, against 4.9 for the
 * copies and the packing of bands still in cache.
 */
export function greyPlane(k: ResizeKernel, arena: Arena, image: Pixels, stride: number): number | undefined {
  const { width, height, data } = image;
  const bandRows = Math.min(height, Math.max(1, Math.floor(BAND_BYTES / (width * 4))));
  const band = arena.take(bandRows * width * 4 + 8);
  // Each band where it and its source agree modulo 8 (Arena.place): a copy into the kernel's memory is then word by word.
  const copy = (y: number, rows: number) => {
    const from = y * width * 4;
    const at = band + ((data.byteOffset + from) & 7);
    arena.bytes(at, rows * width * 4).set(data.subarray(from, from + rows * width * 4));
    return at;
  };
  // The first row is packed to the band's start: behind where it is read, as packGrey allows.
  if (k.packGrey(copy(0, 1), width, 1, band, stride) === 0) return undefined;
  const plane = arena.take(stride * height);
  arena.bytes(plane, width).set(arena.bytes(band, width));
  for (let y = 1; y < height; y += bandRows) {
    const rows = Math.min(bandRows, height - y);
    if (k.packGrey(copy(y, rows), width, rows, plane + y * stride, stride) === 0) return undefined;
  }
  return plane;
}

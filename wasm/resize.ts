// Separable resampling (Lanczos3, bicubic, bilinear) of RGBA8 images, with fixed-point weights and WASM SIMD.
// Compiled by `npm run compile:wasm` (part of `npm ci`) to wasm/build/resize.wasm.
//
// Every buffer lives in linear memory laid out by the caller: these functions allocate nothing.
// Weights are Q14 integers (16384 = 1.0); each output pixel reads the source pixels of a window
// clipped to the image and renormalised, as Pillow does at the edges.

import { ONE, SHIFT } from './resize/weights.ts';
export { BICUBIC, BICUBIC_SHARPER, BILINEAR, computeWeights, LANCZOS3, pairWeights, tapsFor } from './resize/weights';

const HALF: i32 = 1 << (SHIFT - 1);

@inline function finish(acc: v128): v128 {
  return i32x4.shr_s(i32x4.add(acc, i32x4.splat(HALF)), SHIFT);
}

/**
 * Rows: dst (width x dstH) from src (width x srcH); 16 bytes (4 pixels) per SIMD step. Taps go in
 * pairs: the bytes of two source rows interleaved, widened to i16 and dotted with [w0 w1 w0 w1 ...],
 * two products per lane per instruction. `paired` and `used` come from pairWeights, as for
 * resizeHorizontal: each pair's weights one vector, loaded rather than rebuilt for every 16 bytes,
 * and the source rows walked by one pointer.
 */
export function resizeVertical(src: usize, width: i32, dst: usize, dstH: i32, starts: usize, paired: usize, used: usize, taps: i32): void {
  const stride = (taps + 1) >> 1;
  const rowBytes = <usize>width * 4;
  const vectorBytes = rowBytes & ~(<usize>15);
  for (let y = 0; y < dstH; y++) {
    const first = src + <usize>load<i32>(starts + <usize>y * 4) * rowBytes;
    const w = paired + <usize>(y * stride) * 16;
    let pairs = load<i32>(used + <usize>y * 4);
    // An odd window's last pair has a zero second weight and no second row to read (it may lie
    // past the image): that tap is taken alone.
    const single = i16x8.extract_lane_s(v128.load(w + <usize>(pairs - 1) * 16), 1) == 0;
    if (single) pairs--;
    const lone = w + <usize>pairs * 16;
    const out = dst + <usize>y * rowBytes;
    for (let x: usize = 0; x < vectorBytes; x += 16) {
      let a0 = i32x4.splat(0);
      let a1 = i32x4.splat(0);
      let a2 = i32x4.splat(0);
      let a3 = i32x4.splat(0);
      let at = first + x;
      for (let p = 0; p < pairs; p++) {
        const pair = v128.load(w + <usize>p * 16);
        const r0 = v128.load(at);
        const r1 = v128.load(at + rowBytes);
        at += rowBytes * 2;
        const lo = i8x16.shuffle(r0, r1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const hi = i8x16.shuffle(r0, r1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(lo), pair));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(lo), pair));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(hi), pair));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(hi), pair));
      }
      if (single) {
        const wv = i16x8.splat(i16x8.extract_lane_s(v128.load(lone), 0));
        const v = v128.load(at);
        const lo = i16x8.extend_low_i8x16_u(v);
        const hi = i16x8.extend_high_i8x16_u(v);
        a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(lo, wv));
        a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(lo, wv));
        a2 = i32x4.add(a2, i32x4.extmul_low_i16x8_s(hi, wv));
        a3 = i32x4.add(a3, i32x4.extmul_high_i16x8_s(hi, wv));
      }
      const lo16 = i16x8.narrow_i32x4_s(finish(a0), finish(a1));
      const hi16 = i16x8.narrow_i32x4_s(finish(a2), finish(a3));
      v128.store(out + x, i8x16.narrow_i16x8_u(lo16, hi16));
    }
    for (let x = vectorBytes; x < rowBytes; x++) {
      let acc: i32 = 0;
      let at = first + x;
      for (let p = 0; p < pairs; p++) {
        const pair = w + <usize>p * 16;
        acc += <i32>load<i16>(pair) * <i32>load<u8>(at) + <i32>load<i16>(pair, 2) * <i32>load<u8>(at + rowBytes);
        at += rowBytes * 2;
      }
      if (single) acc += <i32>load<i16>(lone) * <i32>load<u8>(at);
      acc = (acc + HALF) >> SHIFT;
      store<u8>(out + x, <u8>(acc < 0 ? 0 : acc > 255 ? 255 : acc));
    }
  }
}

/** Pixels p and p + 1 of four RGBA pixels as i16 lanes [r r g g b b a a] (`high`: pixels 2 and 3). */
@inline function pixelPair(four: v128, high: bool): v128 {
  return high
    ? i8x16.shuffle(four, i32x4.splat(0), 8, 16, 12, 16, 9, 16, 13, 16, 10, 16, 14, 16, 11, 16, 15, 16)
    : i8x16.shuffle(four, i32x4.splat(0), 0, 16, 4, 16, 1, 16, 5, 16, 2, 16, 6, 16, 3, 16, 7, 16);
}

@inline function storePixel(at: usize, acc: v128): void {
  const n16 = i16x8.narrow_i32x4_s(finish(acc), finish(acc));
  v128.store32_lane(at, i8x16.narrow_i16x8_u(n16, n16), 0);
}

/**
 * Columns: dst (dstW x height) from src (srcW x height), two source pixels per dot product, four
 * per load, and four rows at once so that each output's weights are loaded once for all four (as
 * Pillow-SIMD does). `paired` and `used` come from pairWeights; the source row needs 8 readable
 * bytes past its end.
 */
export function resizeHorizontal(src: usize, srcW: i32, height: i32, dst: usize, dstW: i32, starts: usize, paired: usize, used: usize, taps: i32): void {
  const stride = (taps + 1) >> 1;
  const rowBytes = <usize>srcW * 4;
  let y = 0;
  for (; y + 4 <= height; y += 4) {
    const inRow = src + <usize>y * rowBytes;
    const outRow = dst + <usize>(y * dstW) * 4;
    const outBytes = <usize>dstW * 4;
    for (let x = 0; x < dstW; x++) {
      const first = inRow + <usize>load<i32>(starts + <usize>x * 4) * 4;
      const w = paired + <usize>(x * stride) * 16;
      const pairs = load<i32>(used + <usize>x * 4);
      let a0 = i32x4.splat(0);
      let a1 = i32x4.splat(0);
      let a2 = i32x4.splat(0);
      let a3 = i32x4.splat(0);
      let p = 0;
      for (; p + 1 < pairs; p += 2) {
        const at = first + <usize>p * 8;
        const wl = v128.load(w + <usize>p * 16);
        const wh = v128.load(w + <usize>p * 16 + 16);
        const f0 = v128.load(at);
        const f1 = v128.load(at + rowBytes);
        const f2 = v128.load(at + rowBytes * 2);
        const f3 = v128.load(at + rowBytes * 3);
        a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(pixelPair(f0, false), wl), i32x4.dot_i16x8_s(pixelPair(f0, true), wh)));
        a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(pixelPair(f1, false), wl), i32x4.dot_i16x8_s(pixelPair(f1, true), wh)));
        a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(pixelPair(f2, false), wl), i32x4.dot_i16x8_s(pixelPair(f2, true), wh)));
        a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(pixelPair(f3, false), wl), i32x4.dot_i16x8_s(pixelPair(f3, true), wh)));
      }
      if (p < pairs) {
        const at = first + <usize>p * 8;
        const wl = v128.load(w + <usize>p * 16);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(pixelPair(v128.load64_zero(at), false), wl));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(pixelPair(v128.load64_zero(at + rowBytes), false), wl));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(pixelPair(v128.load64_zero(at + rowBytes * 2), false), wl));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(pixelPair(v128.load64_zero(at + rowBytes * 3), false), wl));
      }
      const out = outRow + <usize>x * 4;
      storePixel(out, a0);
      storePixel(out + outBytes, a1);
      storePixel(out + outBytes * 2, a2);
      storePixel(out + outBytes * 3, a3);
    }
  }
  for (; y < height; y++) {
    const inRow = src + <usize>y * rowBytes;
    const outRow = dst + <usize>(y * dstW) * 4;
    for (let x = 0; x < dstW; x++) {
      const first = inRow + <usize>load<i32>(starts + <usize>x * 4) * 4;
      const w = paired + <usize>(x * stride) * 16;
      const pairs = load<i32>(used + <usize>x * 4);
      let acc = i32x4.splat(0);
      let p = 0;
      for (; p + 1 < pairs; p += 2) {
        const four = v128.load(first + <usize>p * 8);
        acc = i32x4.add(acc, i32x4.dot_i16x8_s(pixelPair(four, false), v128.load(w + <usize>p * 16)));
        acc = i32x4.add(acc, i32x4.dot_i16x8_s(pixelPair(four, true), v128.load(w + <usize>p * 16 + 16)));
      }
      if (p < pairs) acc = i32x4.add(acc, i32x4.dot_i16x8_s(pixelPair(v128.load64_zero(first + <usize>p * 8), false), v128.load(w + <usize>p * 16)));
      storePixel(outRow + <usize>x * 4, acc);
    }
  }
}

/**
 * Box pre-shrink by an integer factor, as libvips does before a large reduction: dst is
 * floor(srcW / f) x floor(srcH / f), each pixel the rounded mean of an f x f block.
 */
export function boxShrink(src: usize, srcW: i32, srcH: i32, factor: i32, dst: usize): void {
  if (factor == 2) {
    boxShrink2(src, srcW, srcH, dst);
    return;
  }
  const dstW = srcW / factor;
  const dstH = srcH / factor;
  // Division by the block area as a Q16 reciprocal multiply.
  const area = factor * factor;
  const recip = i32x4.splat((65536 + area - 1) / area);
  const half = i32x4.splat(32768);
  const rowBytes = <usize>srcW * 4;
  for (let y = 0; y < dstH; y++) {
    const top = src + <usize>(y * factor) * rowBytes;
    const outRow = dst + <usize>(y * dstW) * 4;
    for (let x = 0; x < dstW; x++) {
      let acc = i32x4.splat(0);
      const left = top + <usize>(x * factor) * 4;
      for (let j = 0; j < factor; j++) {
        const row = left + <usize>j * rowBytes;
        for (let i = 0; i < factor; i++) {
          acc = i32x4.add(acc, i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(row + <usize>i * 4))));
        }
      }
      const mean = i32x4.shr_u(i32x4.add(i32x4.mul(acc, recip), half), 16);
      const n16 = i16x8.narrow_i32x4_s(mean, mean);
      v128.store32_lane(outRow + <usize>x * 4, i8x16.narrow_i16x8_u(n16, n16), 0);
    }
  }
}

/** The common factor 2, two output pixels per step. */
function boxShrink2(src: usize, srcW: i32, srcH: i32, dst: usize): void {
  const dstW = srcW >> 1;
  const dstH = srcH >> 1;
  const rowBytes = <usize>srcW * 4;
  const pairs = dstW >> 1;
  for (let y = 0; y < dstH; y++) {
    const a = src + <usize>(y * 2) * rowBytes;
    const b = a + rowBytes;
    const out = dst + <usize>(y * dstW) * 4;
    for (let p = 0; p < pairs; p++) {
      const offset = <usize>p * 16;
      const va = v128.load(a + offset);
      const vb = v128.load(b + offset);
      const lo = i16x8.add(i16x8.extend_low_i8x16_u(va), i16x8.extend_low_i8x16_u(vb));
      const hi = i16x8.add(i16x8.extend_high_i8x16_u(va), i16x8.extend_high_i8x16_u(vb));
      const left = i16x8.shuffle(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11);
      const right = i16x8.shuffle(lo, hi, 4, 5, 6, 7, 12, 13, 14, 15);
      const mean = i16x8.shr_u(i16x8.add(i16x8.add(left, right), i16x8.splat(2)), 2);
      v128.store64_lane(out + <usize>p * 8, i8x16.narrow_i16x8_u(mean, mean), 0);
    }
    if (dstW & 1) {
      const x = dstW - 1;
      const l = a + <usize>x * 8;
      for (let c: usize = 0; c < 4; c++) {
        const sum = <u32>load<u8>(l + c) + <u32>load<u8>(l + 4 + c) + <u32>load<u8>(l + rowBytes + c) + <u32>load<u8>(l + rowBytes + 4 + c);
        store<u8>(out + <usize>x * 4 + c, <u8>((sum + 2) >> 2));
      }
    }
  }
}

/**
 * Straight to premultiplied alpha, in place: c = round(c * a / 255), exactly, as (v + (v >> 8)) >> 8
 * with v = c * a + 128; four pixels a step, the opaque ones skipped.
 */
export function premultiply(ptr: usize, pixels: i32): void {
  const bulk = pixels & ~3;
  const alphaBytes = i32x4.splat(0xff000000);
  for (let i = 0; i < bulk; i += 4) {
    const p = ptr + <usize>i * 4;
    const v = v128.load(p);
    if (i32x4.all_true(i32x4.eq(v128.and(v, alphaBytes), alphaBytes))) continue;
    // Each pixel's alpha in all four of its bytes, then in 16-bit lanes.
    const alpha = i8x16.shuffle(v, v, 3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11, 15, 15, 15, 15);
    const lo = i16x8.add(i16x8.extmul_low_i8x16_u(v, alpha), i16x8.splat(128));
    const hi = i16x8.add(i16x8.extmul_high_i8x16_u(v, alpha), i16x8.splat(128));
    const loScaled = i16x8.shr_u(i16x8.add(lo, i16x8.shr_u(lo, 8)), 8);
    const hiScaled = i16x8.shr_u(i16x8.add(hi, i16x8.shr_u(hi, 8)), 8);
    // The colours scaled, the alpha bytes as they were.
    v128.store(p, v128.bitselect(v, i8x16.narrow_i16x8_u(loScaled, hiScaled), alphaBytes));
  }
  for (let i = bulk; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    const a = <u32>load<u8>(p, 3);
    if (a == 255) continue;
    for (let c: usize = 0; c < 3; c++) {
      const v = <u32>load<u8>(p + c) * a + 128;
      store<u8>(p + c, <u8>((v + (v >> 8)) >> 8));
    }
  }
}

/** Premultiplied back to straight alpha, in place. */
export function unpremultiply(ptr: usize, pixels: i32): void {
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    const a = <u32>load<u8>(p, 3);
    if (a == 255 || a == 0) continue;
    for (let c: usize = 0; c < 3; c++) {
      const v = (<u32>load<u8>(p + c) * 255 + (a >> 1)) / a;
      store<u8>(p + c, <u8>(v > 255 ? 255 : v));
    }
  }
}

/** True if any pixel is not fully opaque: the alpha bytes ANDed together, sixteen pixels a step. */
export function hasTransparency(ptr: usize, pixels: i32): bool {
  const bulk = pixels & ~15;
  let all = i32x4.splat(-1);
  for (let i = 0; i < bulk; i += 16) {
    const p = ptr + <usize>i * 4;
    all = v128.and(all, v128.and(v128.and(v128.load(p), v128.load(p, 16)), v128.and(v128.load(p, 32), v128.load(p, 48))));
  }
  if (!i32x4.all_true(i32x4.eq(v128.and(all, i32x4.splat(0xff000000)), i32x4.splat(0xff000000)))) return true;
  for (let i = bulk; i < pixels; i++) if (load<u8>(ptr + <usize>i * 4, 3) != 255) return true;
  return false;
}

/**
 * Opaque grey RGBA rows (r = g = b, a = 255) as rows of one byte a pixel, `stride` bytes apart (a
 * multiple of 4, so that resizeVertical takes them as RGBA rows of stride / 4 pixels), sixteen
 * pixels a step; `dst` may be `src` (each row's bytes are written behind where they are read).
 * Returns false at the first pixel that is not opaque grey: a colour image stops at once.
 */
export function packGrey(src: usize, width: i32, height: i32, dst: usize, stride: i32): bool {
  const bulk = width & ~15;
  const opaque = i8x16.splat(-1);
  for (let y = 0; y < height; y++) {
    const from = src + <usize>(y * width) * 4;
    const to = dst + <usize>(y * stride);
    for (let x = 0; x < bulk; x += 16) {
      const at = from + <usize>x * 4;
      const v0 = v128.load(at);
      const v1 = v128.load(at, 16);
      const v2 = v128.load(at, 32);
      const v3 = v128.load(at, 48);
      if (!i8x16.all_true(v128.and(v128.and(sameAsGrey(v0, opaque), sameAsGrey(v1, opaque)), v128.and(sameAsGrey(v2, opaque), sameAsGrey(v3, opaque))))) return false;
      const a = i8x16.shuffle(v0, v1, 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
      const b = i8x16.shuffle(v2, v3, 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
      v128.store(to + <usize>x, i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
    }
    for (let x = bulk; x < width; x++) {
      const p = from + <usize>x * 4;
      const r = load<u8>(p);
      if (load<u8>(p, 1) != r || load<u8>(p, 2) != r || load<u8>(p, 3) != 255) return false;
      store<u8>(to + <usize>x, r);
    }
  }
  return true;
}

/** Each byte of four RGBA pixels against the pixel made opaque grey from its red: all ones where equal. */
@inline function sameAsGrey(v: v128, opaque: v128): v128 {
  return i8x16.eq(v, i8x16.shuffle(v, opaque, 0, 0, 0, 16, 4, 4, 4, 16, 8, 8, 8, 16, 12, 12, 12, 16));
}

/** Rows of one byte a pixel, `stride` apart, back to opaque RGBA: sixteen pixels a step. */
export function expandGrey(src: usize, stride: i32, width: i32, height: i32, dst: usize): void {
  const bulk = width & ~15;
  const opaque = i8x16.splat(-1);
  for (let y = 0; y < height; y++) {
    const from = src + <usize>(y * stride);
    const to = dst + <usize>(y * width) * 4;
    for (let x = 0; x < bulk; x += 16) {
      const g = v128.load(from + <usize>x);
      const at = to + <usize>x * 4;
      v128.store(at, i8x16.shuffle(g, opaque, 0, 0, 0, 16, 1, 1, 1, 16, 2, 2, 2, 16, 3, 3, 3, 16));
      v128.store(at, i8x16.shuffle(g, opaque, 4, 4, 4, 16, 5, 5, 5, 16, 6, 6, 6, 16, 7, 7, 7, 16), 16);
      v128.store(at, i8x16.shuffle(g, opaque, 8, 8, 8, 16, 9, 9, 9, 16, 10, 10, 10, 16, 11, 11, 11, 16), 32);
      v128.store(at, i8x16.shuffle(g, opaque, 12, 12, 12, 16, 13, 13, 13, 16, 14, 14, 14, 16, 15, 15, 15, 16), 48);
    }
    for (let x = bulk; x < width; x++) store<u32>(to + <usize>x * 4, 0xff000000 | <u32>load<u8>(from + <usize>x) * 0x010101);
  }
}

/** Where the caller may start laying out buffers. */
export const heapBase: usize = __heap_base;

/** Taps of a Gaussian of this sigma, cut at 3 sigma. */
export function tapsForBlur(sigma: f64): i32 {
  return (<i32>Math.ceil(sigma * 3)) * 2 + 2;
}

/** erf(x), Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
function erf(x: f64): f64 {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x < 0 ? -y : y;
}

/**
 * The Gaussian's weight for the pixel at offset d: its integral over the pixel's area, d - 0.5 to
 * d + 0.5, rather than its value at the pixel's centre. The two agree for wide kernels; below a pixel
 * the centre samples put almost nothing on the neighbours (at sigma 0.3, 0.4% each), so op_usm's
 * small radii did nothing, where the area gives them 4.8% each, as Photoshop's filters behave.
 */
@inline function areaWeight(d: f64, sigma: f64): f64 {
  const s = sigma * Math.SQRT2;
  return erf((d + 0.5) / s) - erf((d - 0.5) / s);
}

/** Same-size Gaussian convolution weights, in the layout computeWeights writes (clipped, renormalised). */
export function blurWeights(len: i32, sigma: f64, starts: usize, weights: usize, taps: i32): void {
  const reach = <i32>Math.ceil(sigma * 3);
  for (let i = 0; i < len; i++) {
    let left = i - reach;
    let right = i + reach + 1;
    if (left < 0) left = 0;
    if (right > len) right = len;
    const count = right - left;
    let total: f64 = 0;
    for (let k = 0; k < count; k++) total += areaWeight(<f64>(left + k - i), sigma);
    const row = weights + <usize>(i * taps) * 2;
    let sum: i32 = 0;
    for (let k = 0; k < taps; k++) {
      let w: i32 = 0;
      if (k < count) w = <i32>Math.round((areaWeight(<f64>(left + k - i), sigma) / total) * <f64>ONE);
      store<i16>(row + <usize>k * 2, <i16>w);
      sum += w;
    }
    const centre = row + <usize>(i - left) * 2;
    store<i16>(centre, <i16>(<i32>load<i16>(centre) + ONE - sum));
    store<i32>(starts + <usize>i * 4, left);
  }
}

/**
 * Unsharp mask, in place on `image`: v + amount * (v - blurred) where |v - blurred| passes the
 * threshold. `amount` is Q8 (256 = 1.0). Monochrome applies the brightness difference to all three
 * channels. Alpha is left alone.
 */
export function unsharp(image: usize, blurred: usize, pixels: i32, amount: i32, threshold: i32, monochrome: bool): void {
  for (let i = 0; i < pixels; i++) {
    const p = image + <usize>i * 4;
    const q = blurred + <usize>i * 4;
    if (monochrome) {
      const lo = (<i32>load<u8>(p) * 77 + <i32>load<u8>(p, 1) * 150 + <i32>load<u8>(p, 2) * 29) >> 8;
      const lb = (<i32>load<u8>(q) * 77 + <i32>load<u8>(q, 1) * 150 + <i32>load<u8>(q, 2) * 29) >> 8;
      const d = lo - lb;
      if (d >= threshold || -d >= threshold) {
        const delta = (d * amount + 128) >> 8;
        for (let c: usize = 0; c < 3; c++) {
          const v = <i32>load<u8>(p + c) + delta;
          store<u8>(p + c, <u8>(v < 0 ? 0 : v > 255 ? 255 : v));
        }
      }
      continue;
    }
    for (let c: usize = 0; c < 3; c++) {
      const o = <i32>load<u8>(p + c);
      const d = o - <i32>load<u8>(q + c);
      if (d < threshold && -d < threshold) continue;
      const v = o + ((d * amount + 128) >> 8);
      store<u8>(p + c, <u8>(v < 0 ? 0 : v > 255 ? 255 : v));
    }
  }
}

@inline function texel(src: usize, sw: i32, sh: i32, x: i32, y: i32): v128 {
  if (x < 0 || y < 0 || x >= sw || y >= sh) return i32x4.splat(0);
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(src + <usize>(y * sw + x) * 4)));
}

/**
 * Rotation by any angle (clockwise for positive `sin`), bilinear, about the centres of both
 * images; dst (dw x dh) is large enough to hold the whole turned source and is transparent
 * outside it. The source must be premultiplied, so that edges blend with transparency cleanly.
 */
export function rotateBilinear(src: usize, sw: i32, sh: i32, dst: usize, dw: i32, dh: i32, cos: f64, sin: f64): void {
  const cx = <f64>sw / 2;
  const cy = <f64>sh / 2;
  const dcx = <f64>dw / 2;
  const dcy = <f64>dh / 2;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const dx = <f64>x + 0.5 - dcx;
      const dy = <f64>y + 0.5 - dcy;
      const sx = dx * cos + dy * sin + cx - 0.5;
      const sy = -dx * sin + dy * cos + cy - 0.5;
      const x0 = <i32>Math.floor(sx);
      const y0 = <i32>Math.floor(sy);
      const out = dst + <usize>(y * dw + x) * 4;
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) {
        store<u32>(out, 0);
        continue;
      }
      const fx = <i32>((sx - <f64>x0) * 256);
      const fy = <i32>((sy - <f64>y0) * 256);
      const top = i32x4.add(i32x4.mul(texel(src, sw, sh, x0, y0), i32x4.splat(256 - fx)), i32x4.mul(texel(src, sw, sh, x0 + 1, y0), i32x4.splat(fx)));
      const bottom = i32x4.add(i32x4.mul(texel(src, sw, sh, x0, y0 + 1), i32x4.splat(256 - fx)), i32x4.mul(texel(src, sw, sh, x0 + 1, y0 + 1), i32x4.splat(fx)));
      const sum = i32x4.add(i32x4.mul(top, i32x4.splat(256 - fy)), i32x4.mul(bottom, i32x4.splat(fy)));
      const v = i32x4.shr_u(i32x4.add(sum, i32x4.splat(32768)), 16);
      const n16 = i16x8.narrow_i32x4_s(v, v);
      v128.store32_lane(out, i8x16.narrow_i16x8_u(n16, n16), 0);
    }
  }
}

// The forward DCT and quantisation of the JPEG encoder (jpegenc.ts): a float DCT on SIMD vectors
// (AAN's factorisation, as libjpeg's float DCT), and the standard's quantisation tables scaled by
// quality, each coefficient rounded to the nearest step, as libjpeg quantises.

import { transpose8 } from './transpose.ts';

export const ZIGZAG: usize = memory.data<u8>([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

// The base tables of the JPEG standard (ITU T.81 Annex K, tables K.1 and K.2: luma, chroma), natural
// order, scaled by quality as libjpeg scales them: libjpeg's default, and so sharp's and libvips'.
const BASE_TABLES: usize = memory.data<u16>([
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87,
  80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92,
  95, 98, 112, 100, 103, 99,
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99,
]);

/** The two tables' values as written (u16 each, natural order): luma at QUANT, chroma at QUANT + 128. */
export const QUANT: usize = memory.data(2 * 64 * 2, 16);
// f32 1 / (q * AAN_SCALE[row] * AAN_SCALE[column] * 8), in transform()'s transposed order, per table.
const RECIPROCAL: usize = memory.data(2 * 64 * 4, 16);
// cos(k pi / 16) * sqrt(2), 1 for k = 0: the scale of AAN's outputs.
const AAN_SCALE: usize = memory.data<f64>([1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.5411961, 0.275899379]);
const TEMP: usize = memory.data(64 * 4, 16);
const OUT: usize = memory.data(64 * 4, 16);

/** The quantiser of `quality` (1 to 100). */
export function setQuantiser(quality: i32): void {
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  for (let i = 0; i < 128; i++) {
    let q = (<i32>load<u16>(BASE_TABLES + <usize>i * 2) * scale + 50) / 100;
    q = q < 1 ? 1 : q > 255 ? 255 : q;
    store<u16>(QUANT + <usize>i * 2, <u16>q);
    const row = (i >> 3) & 7;
    const column = i & 7;
    const divisor = <f64>q * load<f64>(AAN_SCALE + <usize>row * 8) * load<f64>(AAN_SCALE + <usize>column * 8) * 8;
    store<f32>(RECIPROCAL + <usize>((i >> 6) * 64 + column * 8 + row) * 4, <f32>(1.0 / divisor));
  }
}

/**
 * One 8-point DCT down the lanes of eight vectors (AAN's factorisation, as libjpeg's float DCT):
 * outputs scaled by AAN_SCALE[k] * 8, the scale folded into the quantiser's reciprocals.
 */
@inline function dct8(at: usize, stride: usize): void {
  const d0 = v128.load(at);
  const d1 = v128.load(at + stride);
  const d2 = v128.load(at + stride * 2);
  const d3 = v128.load(at + stride * 3);
  const d4 = v128.load(at + stride * 4);
  const d5 = v128.load(at + stride * 5);
  const d6 = v128.load(at + stride * 6);
  const d7 = v128.load(at + stride * 7);
  const t0 = f32x4.add(d0, d7);
  const t7 = f32x4.sub(d0, d7);
  const t1 = f32x4.add(d1, d6);
  const t6 = f32x4.sub(d1, d6);
  const t2 = f32x4.add(d2, d5);
  const t5 = f32x4.sub(d2, d5);
  const t3 = f32x4.add(d3, d4);
  const t4 = f32x4.sub(d3, d4);
  // Even part.
  const t10 = f32x4.add(t0, t3);
  const t13 = f32x4.sub(t0, t3);
  const t11 = f32x4.add(t1, t2);
  const t12 = f32x4.sub(t1, t2);
  v128.store(at, f32x4.add(t10, t11));
  v128.store(at + stride * 4, f32x4.sub(t10, t11));
  const z1 = f32x4.mul(f32x4.add(t12, t13), f32x4.splat(0.707106781));
  v128.store(at + stride * 2, f32x4.add(t13, z1));
  v128.store(at + stride * 6, f32x4.sub(t13, z1));
  // Odd part.
  const o10 = f32x4.add(t4, t5);
  const o11 = f32x4.add(t5, t6);
  const o12 = f32x4.add(t6, t7);
  const z5 = f32x4.mul(f32x4.sub(o10, o12), f32x4.splat(0.382683433));
  const z2 = f32x4.add(f32x4.mul(o10, f32x4.splat(0.5411961)), z5);
  const z4 = f32x4.add(f32x4.mul(o12, f32x4.splat(1.306562965)), z5);
  const z3 = f32x4.mul(o11, f32x4.splat(0.707106781));
  const z11 = f32x4.add(t7, z3);
  const z13 = f32x4.sub(t7, z3);
  v128.store(at + stride * 5, f32x4.add(z13, z2));
  v128.store(at + stride * 3, f32x4.sub(z13, z2));
  v128.store(at + stride, f32x4.add(z11, z4));
  v128.store(at + stride * 7, f32x4.sub(z11, z4));
}

/**
 * The forward DCT of the samples at `source` (modified), quantised, into the block at `dest`: down
 * the columns on vectors, a transpose, down again. The result is transposed (vector u holds the
 * vertical frequencies of horizontal frequency u); the reciprocals (RECIPROCAL) and zigzag() are
 * laid out to match.
 */
export function transform(source: usize, dest: usize, table: i32): void {
  const reciprocal = RECIPROCAL + <usize>table * 256;
  dct8(source, 32);
  dct8(source + 16, 32);
  transpose8(source, TEMP);
  dct8(TEMP, 32);
  dct8(TEMP + 16, 32);
  const sign = i32x4.splat(0x80000000);
  const half = f32x4.splat(0.5);
  for (let u = 0; u < 8; u++) {
    const lo = f32x4.mul(v128.load(TEMP + <usize>u * 32), v128.load(reciprocal + <usize>u * 32));
    const hi = f32x4.mul(v128.load(TEMP + <usize>u * 32 + 16), v128.load(reciprocal + <usize>u * 32 + 16));
    // Rounded half away from zero, as libjpeg's quantiser: a half with the value's sign added, then
    // truncated (x - 0.5 for negative x is -(|x| + 0.5) exactly, so this is the rounding of |x|).
    const roundedLo = f32x4.add(lo, v128.or(v128.and(lo, sign), half));
    const roundedHi = f32x4.add(hi, v128.or(v128.and(hi, sign), half));
    v128.store(OUT + <usize>u * 16, i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(roundedLo), i32x4.trunc_sat_f32x4_s(roundedHi)));
  }
  zigzag(dest);
}

/**
 * The quantised block (OUT, transposed order) into `dest` in zigzag order, and at dest + 128 the
 * mask of its non-zero coefficients (bit k: zigzag position k). Each vector of eight zigzag
 * positions is gathered from the vectors that hold them, one shuffle a source vector: zigzag
 * position k is lane n & 7 of vector n >> 3, n = ZIGZAG[k] transposed ((n & 7) * 8 + (n >> 3)).
 * Shuffles in place of a loop of 64 loads and stores: 15% fewer instructions for a whole encode.
 */
@inline function zigzag(dest: usize): void {
  const v0 = v128.load(OUT);
  const v1 = v128.load(OUT, 16);
  const v2 = v128.load(OUT, 32);
  const v3 = v128.load(OUT, 48);
  const v4 = v128.load(OUT, 64);
  const v5 = v128.load(OUT, 80);
  const v6 = v128.load(OUT, 96);
  const v7 = v128.load(OUT, 112);
  let z0 = i8x16.shuffle(v0, v1, 0, 1, 16, 17, 2, 3, 4, 5, 18, 19, 10, 11, 12, 13, 14, 15);
  z0 = i8x16.shuffle(z0, v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 12, 13, 18, 19);
  z0 = i8x16.shuffle(z0, v3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 14, 15);
  let z1 = i8x16.shuffle(v1, v0, 4, 5, 22, 23, 24, 25, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  z1 = i8x16.shuffle(z1, v2, 0, 1, 2, 3, 4, 5, 6, 7, 20, 21, 10, 11, 12, 13, 14, 15);
  z1 = i8x16.shuffle(z1, v3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 18, 19, 12, 13, 14, 15);
  z1 = i8x16.shuffle(z1, v4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 14, 15);
  z1 = i8x16.shuffle(z1, v5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17);
  let z2 = i8x16.shuffle(v4, v3, 2, 3, 20, 21, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  z2 = i8x16.shuffle(z2, v2, 0, 1, 2, 3, 22, 23, 6, 7, 8, 9, 10, 11, 12, 13, 24, 25);
  z2 = i8x16.shuffle(z2, v1, 0, 1, 2, 3, 4, 5, 24, 25, 8, 9, 10, 11, 26, 27, 14, 15);
  z2 = i8x16.shuffle(z2, v0, 0, 1, 2, 3, 4, 5, 6, 7, 26, 27, 28, 29, 12, 13, 14, 15);
  let z3 = i8x16.shuffle(v3, v4, 6, 7, 20, 21, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 22, 23);
  z3 = i8x16.shuffle(z3, v5, 0, 1, 2, 3, 18, 19, 6, 7, 8, 9, 10, 11, 20, 21, 14, 15);
  z3 = i8x16.shuffle(z3, v6, 0, 1, 2, 3, 4, 5, 16, 17, 8, 9, 18, 19, 12, 13, 14, 15);
  z3 = i8x16.shuffle(z3, v7, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 10, 11, 12, 13, 14, 15);
  let z4 = i8x16.shuffle(v3, v2, 8, 9, 26, 27, 4, 5, 6, 7, 8, 9, 28, 29, 10, 11, 14, 15);
  z4 = i8x16.shuffle(z4, v1, 0, 1, 2, 3, 28, 29, 6, 7, 30, 31, 10, 11, 12, 13, 14, 15);
  z4 = i8x16.shuffle(z4, v0, 0, 1, 2, 3, 4, 5, 30, 31, 8, 9, 10, 11, 12, 13, 14, 15);
  z4 = i8x16.shuffle(z4, v4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 24, 25);
  let z5 = i8x16.shuffle(v5, v6, 6, 7, 20, 21, 4, 5, 6, 7, 22, 23, 8, 9, 12, 13, 14, 15);
  z5 = i8x16.shuffle(z5, v7, 0, 1, 2, 3, 18, 19, 20, 21, 8, 9, 10, 11, 12, 13, 14, 15);
  z5 = i8x16.shuffle(z5, v4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 26, 27, 14, 15);
  z5 = i8x16.shuffle(z5, v3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 28, 29);
  let z6 = i8x16.shuffle(v2, v3, 14, 15, 30, 31, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  z6 = i8x16.shuffle(z6, v4, 0, 1, 2, 3, 28, 29, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  z6 = i8x16.shuffle(z6, v5, 0, 1, 2, 3, 4, 5, 26, 27, 8, 9, 10, 11, 12, 13, 14, 15);
  z6 = i8x16.shuffle(z6, v6, 0, 1, 2, 3, 4, 5, 6, 7, 24, 25, 10, 11, 12, 13, 26, 27);
  z6 = i8x16.shuffle(z6, v7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 22, 23, 24, 25, 14, 15);
  let z7 = i8x16.shuffle(v5, v4, 12, 13, 30, 31, 14, 15, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  z7 = i8x16.shuffle(z7, v6, 0, 1, 2, 3, 4, 5, 28, 29, 8, 9, 10, 11, 30, 31, 14, 15);
  z7 = i8x16.shuffle(z7, v7, 0, 1, 2, 3, 4, 5, 6, 7, 26, 27, 28, 29, 12, 13, 30, 31);
  const zero = i16x8.splat(0);
  v128.store(dest, z0);
  v128.store(dest, z1, 16);
  v128.store(dest, z2, 32);
  v128.store(dest, z3, 48);
  v128.store(dest, z4, 64);
  v128.store(dest, z5, 80);
  v128.store(dest, z6, 96);
  v128.store(dest, z7, 112);
  const low = <u32>i16x8.bitmask(i16x8.ne(z0, zero)) | (<u32>i16x8.bitmask(i16x8.ne(z1, zero)) << 8) | (<u32>i16x8.bitmask(i16x8.ne(z2, zero)) << 16) | (<u32>i16x8.bitmask(i16x8.ne(z3, zero)) << 24);
  const high = <u32>i16x8.bitmask(i16x8.ne(z4, zero)) | (<u32>i16x8.bitmask(i16x8.ne(z5, zero)) << 8) | (<u32>i16x8.bitmask(i16x8.ne(z6, zero)) << 16) | (<u32>i16x8.bitmask(i16x8.ne(z7, zero)) << 24);
  store<u64>(dest + 128, <u64>low | (<u64>high << 32));
}

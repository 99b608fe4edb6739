// The forward DCT and quantisation of the JPEG encoder (jpegenc.ts): a float DCT on SIMD vectors
// (AAN's factorisation, as libjpeg's float DCT), MozJPEG's default quantisation table scaled by
// quality, and a dead-zone quantiser whose AC rounding offset the caller chooses.

import { transpose8 } from './transpose.ts';

export const ZIGZAG: usize = memory.data<u8>([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

// MozJPEG's default base table (quant_tbl_master_idx 3), natural order, scaled by quality as libjpeg does.
const BASE_TABLE: usize = memory.data<u16>([
  16, 16, 16, 18, 25, 37, 56, 85, 16, 17, 20, 27, 34, 40, 53, 75, 16, 20, 24, 31, 43, 62, 91, 135, 18, 27, 31, 40, 53, 74,
  106, 156, 25, 34, 43, 53, 69, 94, 131, 189, 37, 40, 62, 74, 94, 124, 169, 238, 56, 53, 91, 106, 131, 169, 226, 311, 85,
  75, 135, 156, 189, 238, 311, 418,
]);

export const QUANT: usize = memory.data(64 * 2, 16); // u8 values as written, natural order
// f32 1 / (q * AAN_SCALE[row] * AAN_SCALE[column] * 8), in transform()'s transposed order.
const RECIPROCAL: usize = memory.data(64 * 4, 16);
// Where zigzag position k lies in transform()'s transposed order.
const SCAN: usize = memory.data(64, 16);
// cos(k pi / 16) * sqrt(2), 1 for k = 0: the scale of AAN's outputs.
const AAN_SCALE: usize = memory.data<f64>([1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.5411961, 0.275899379]);
const TEMP: usize = memory.data(64 * 4, 16);
const OUT: usize = memory.data(64 * 4, 16);

// Rounding offset of AC coefficients: below one half widens the dead zone around zero.
let acRounding: f32 = 0.5;

function init(): void {
  for (let k = 0; k < 64; k++) {
    const n = <i32>load<u8>(ZIGZAG + <usize>k);
    store<u8>(SCAN + <usize>k, <u8>((n & 7) * 8 + (n >> 3)));
  }
}
init();

/** The quantiser of `quality` (1 to 100) with AC coefficients rounded by `rounding`. */
export function setQuantiser(quality: i32, rounding: f32): void {
  acRounding = rounding;
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  for (let i = 0; i < 64; i++) {
    let q = (<i32>load<u16>(BASE_TABLE + <usize>i * 2) * scale + 50) / 100;
    q = q < 1 ? 1 : q > 255 ? 255 : q;
    store<u16>(QUANT + <usize>i * 2, <u16>q);
    const row = i >> 3;
    const column = i & 7;
    const divisor = <f64>q * load<f64>(AAN_SCALE + <usize>row * 8) * load<f64>(AAN_SCALE + <usize>column * 8) * 8;
    store<f32>(RECIPROCAL + <usize>(column * 8 + row) * 4, <f32>(1.0 / divisor));
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
 * vertical frequencies of horizontal frequency u); the reciprocals and the zigzag table (RECIPROCAL,
 * SCAN) are laid out to match.
 */
export function transform(source: usize, dest: usize): void {
  dct8(source, 32);
  dct8(source + 16, 32);
  transpose8(source, TEMP);
  dct8(TEMP, 32);
  dct8(TEMP + 16, 32);
  const sign = i32x4.splat(0x80000000);
  const ac = f32x4.splat(acRounding);
  for (let u = 0; u < 8; u++) {
    const lo = f32x4.mul(v128.load(TEMP + <usize>u * 32), v128.load(RECIPROCAL + <usize>u * 32));
    const hi = f32x4.mul(v128.load(TEMP + <usize>u * 32 + 16), v128.load(RECIPROCAL + <usize>u * 32 + 16));
    // Magnitudes rounded with the offset (DC with a half), signs put back.
    const offsetLo = u == 0 ? f32x4.replace_lane(ac, 0, 0.5) : ac;
    const roundedLo = v128.or(f32x4.trunc(f32x4.add(f32x4.abs(lo), offsetLo)), v128.and(lo, sign));
    const roundedHi = v128.or(f32x4.trunc(f32x4.add(f32x4.abs(hi), ac)), v128.and(hi, sign));
    v128.store(OUT + <usize>u * 16, i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(roundedLo), i32x4.trunc_sat_f32x4_s(roundedHi)));
  }
  let mask: u64 = 0;
  for (let k = 0; k < 64; k++) {
    const c = load<i16>(OUT + <usize>load<u8>(SCAN + <usize>k) * 2);
    store<i16>(dest + <usize>k * 2, c);
    mask |= <u64>(c != 0) << <u64>k;
  }
  store<u64>(dest + 128, mask);
}

// The inverse DCT at reduced sizes: a block's coefficients (COEF) to N x M pixels, N, M in 1, 2, 4, 8,
// each the mean of the pixels the full 8 x 8 transform would give (libjpeg's jidctred.c), and the
// replication of blocks sampled below the output resolution. Part of the JPEG decoder (jpegdec.ts).

import { transpose4, transpose8 } from './transpose.ts';

// One block of coefficients (f32, natural order) and the inverse DCT's row pass.
export const COEF: usize = memory.data(64 * 4, 16);
const TEMP: usize = memory.data(64 * 4, 16);
// Basis functions for N = 1, 2, 4, 8: BASIS + offset(N) holds, for each output x < N, the 8 values
// over u of the 8-point basis c(u) cos((2i + 1) u pi / 16) / 2 averaged over the 8/N pixels i of
// cell x; rows past N are zero.
const BASIS: usize = memory.data(4 * 8 * 8 * 4, 16);
// An 8x8 block before replication, for components sampled below the output resolution.
const SMALL: usize = memory.data(64, 16);

function basisOffset(n: i32): usize {
  return <usize>(n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : 3) * 256;
}

function initBasis(): void {
  for (let level = 0; level < 4; level++) {
    const n = 1 << level;
    const cell = 8 / n;
    const base = BASIS + <usize>level * 256;
    for (let x = 0; x < 8; x++) {
      for (let u = 0; u < 8; u++) {
        let value: f64 = 0;
        for (let i = x * cell; x < n && i < (x + 1) * cell; i++) {
          const c = u == 0 ? Math.SQRT1_2 : 1.0;
          value += (c * Math.cos(((2 * i + 1) * u * Math.PI) / 16)) / 2 / <f64>cell;
        }
        store<f32>(base + <usize>(x * 8 + u) * 4, <f32>value);
      }
    }
  }
}

// Blocks whose last row with AC is this one or later take fullInverseDct at full size: a few
// hundred vector operations (fewer when rows 4-7 are zero), where the basis products take about 110
// per row of coefficients (by count, when this was chosen; the machine is too noisy to time it).
const FULL_FROM_ROW: i32 = 2;

// The full-size transform's scratch, and its scale: AAN_SCALE[u] * AAN_SCALE[v] / 8, natural order,
// with AAN_SCALE[k] = cos(k pi / 16) * sqrt(2), 1 for k = 0 (libjpeg's jidctflt.c).
const SCRATCH: usize = memory.data(64 * 4, 16);
const AAN: usize = memory.data(64 * 4, 16);

function initAan(): void {
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      const su = u == 0 ? 1.0 : Math.cos((<f64>u * Math.PI) / 16) * Math.SQRT2;
      const sv = v == 0 ? 1.0 : Math.cos((<f64>v * Math.PI) / 16) * Math.SQRT2;
      store<f32>(AAN + <usize>(v * 8 + u) * 4, <f32>((su * sv) / 8));
    }
  }
}

/** One 8-point inverse DCT down the lanes of eight vectors `stride` apart, in place (AAN's factorisation, as jidctflt.c). */
@inline function idct8(at: usize, stride: usize): void {
  const i0 = v128.load(at);
  const i1 = v128.load(at + stride);
  const i2 = v128.load(at + stride * 2);
  const i3 = v128.load(at + stride * 3);
  const i4 = v128.load(at + stride * 4);
  const i5 = v128.load(at + stride * 5);
  const i6 = v128.load(at + stride * 6);
  const i7 = v128.load(at + stride * 7);
  points8(i0, i1, i2, i3, i4, i5, i6, i7, at, stride);
}

/**
 * idct8 down four lanes of COEF's columns into SCRATCH, each coefficient scaled by AAN as it is
 * loaded; without `lower`, rows 4-7 are zero and not read.
 */
@inline function idct8Columns(lane: usize, lower: bool): void {
  const at = COEF + lane;
  const scale = AAN + lane;
  const i0 = f32x4.mul(v128.load(at), v128.load(scale));
  const i1 = f32x4.mul(v128.load(at, 32), v128.load(scale, 32));
  const i2 = f32x4.mul(v128.load(at, 64), v128.load(scale, 64));
  const i3 = f32x4.mul(v128.load(at, 96), v128.load(scale, 96));
  const zero = f32x4.splat(0);
  const i4 = lower ? f32x4.mul(v128.load(at, 128), v128.load(scale, 128)) : zero;
  const i5 = lower ? f32x4.mul(v128.load(at, 160), v128.load(scale, 160)) : zero;
  const i6 = lower ? f32x4.mul(v128.load(at, 192), v128.load(scale, 192)) : zero;
  const i7 = lower ? f32x4.mul(v128.load(at, 224), v128.load(scale, 224)) : zero;
  points8(i0, i1, i2, i3, i4, i5, i6, i7, SCRATCH + lane, 32);
}

/** AAN's 8-point inverse DCT of i0-i7 (one vector of four lanes each) to eight vectors `stride` apart at `at`. */
@inline function points8(i0: v128, i1: v128, i2: v128, i3: v128, i4: v128, i5: v128, i6: v128, i7: v128, at: usize, stride: usize): void {
  // Even part.
  const e10 = f32x4.add(i0, i4);
  const e11 = f32x4.sub(i0, i4);
  const e13 = f32x4.add(i2, i6);
  const e12 = f32x4.sub(f32x4.mul(f32x4.sub(i2, i6), f32x4.splat(1.414213562)), e13);
  const t0 = f32x4.add(e10, e13);
  const t3 = f32x4.sub(e10, e13);
  const t1 = f32x4.add(e11, e12);
  const t2 = f32x4.sub(e11, e12);
  // Odd part.
  const z13 = f32x4.add(i5, i3);
  const z10 = f32x4.sub(i5, i3);
  const z11 = f32x4.add(i1, i7);
  const z12 = f32x4.sub(i1, i7);
  const t7 = f32x4.add(z11, z13);
  const o11 = f32x4.mul(f32x4.sub(z11, z13), f32x4.splat(1.414213562));
  const z5 = f32x4.mul(f32x4.add(z10, z12), f32x4.splat(1.847759065));
  const o10 = f32x4.sub(z5, f32x4.mul(z12, f32x4.splat(1.0823922)));
  const o12 = f32x4.sub(z5, f32x4.mul(z10, f32x4.splat(2.61312593)));
  const t6 = f32x4.sub(o12, t7);
  const t5 = f32x4.sub(o11, t6);
  const t4 = f32x4.sub(o10, t5);
  v128.store(at, f32x4.add(t0, t7));
  v128.store(at + stride * 7, f32x4.sub(t0, t7));
  v128.store(at + stride, f32x4.add(t1, t6));
  v128.store(at + stride * 6, f32x4.sub(t1, t6));
  v128.store(at + stride * 2, f32x4.add(t2, t5));
  v128.store(at + stride * 5, f32x4.sub(t2, t5));
  v128.store(at + stride * 3, f32x4.add(t3, t4));
  v128.store(at + stride * 4, f32x4.sub(t3, t4));
}

/**
 * COEF to 8 x 8 pixels at out on AAN's factorisation: down the columns (rows past lastRow not read),
 * a transpose, down again, and the columns as bytes put in row order by shuffles; a cost nearly
 * fixed, which beats the basis products once a block has rows enough.
 */
function fullInverseDct(out: usize, stride: i32, lastRow: i32): void {
  if (lastRow > 3) {
    idct8Columns(0, true);
    idct8Columns(16, true);
  } else {
    idct8Columns(0, false);
    idct8Columns(16, false);
  }
  transpose8(SCRATCH, TEMP);
  idct8(TEMP, 32);
  idct8(TEMP + 16, 32);
  // TEMP holds columns (x) of rows y 0-7: as bytes, two columns a vector, then transposed by shuffles.
  const v0 = i8x16.narrow_i16x8_u(columnOf(0), columnOf(1));
  const v1 = i8x16.narrow_i16x8_u(columnOf(2), columnOf(3));
  const v2 = i8x16.narrow_i16x8_u(columnOf(4), columnOf(5));
  const v3 = i8x16.narrow_i16x8_u(columnOf(6), columnOf(7));
  // Rows 0-3 and 4-7 of columns 0-3 (left) and 4-7 (right), four bytes a row.
  const upperLeft = i8x16.shuffle(v0, v1, 0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
  const lowerLeft = i8x16.shuffle(v0, v1, 4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
  const upperRight = i8x16.shuffle(v2, v3, 0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
  const lowerRight = i8x16.shuffle(v2, v3, 4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
  const step = <usize>stride;
  rowPair(i8x16.shuffle(upperLeft, upperRight, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23), out, step);
  rowPair(i8x16.shuffle(upperLeft, upperRight, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), out + step * 2, step);
  rowPair(i8x16.shuffle(lowerLeft, lowerRight, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23), out + step * 4, step);
  rowPair(i8x16.shuffle(lowerLeft, lowerRight, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), out + step * 6, step);
}

/** Column x of TEMP (rows 0-7) level-shifted, rounded and clamped to 16 bits. */
@inline function columnOf(x: usize): v128 {
  const level = f32x4.splat(128);
  const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(v128.load(TEMP + x * 32), level)));
  const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(v128.load(TEMP + x * 32 + 16), level)));
  return i16x8.narrow_i32x4_s(a, b);
}

/** Two rows of eight pixels, `step` apart. */
@inline function rowPair(bytes: v128, at: usize, step: usize): void {
  v128.store64_lane(at, bytes, 0);
  v128.store64_lane(at + step, bytes, 1);
}

// The 4 x 4 transform's scale, k(u) k(v) with k(u) = c(u) cos(u pi / 16) / 2, natural order.
const HALF_SCALE: usize = memory.data(64 * 4, 16);

function initHalfScale(): void {
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) store<f32>(HALF_SCALE + <usize>(v * 8 + u) * 4, <f32>(halfFactor(u) * halfFactor(v)));
  }
}

function halfFactor(u: i32): f64 {
  return ((u == 0 ? Math.SQRT1_2 : 1.0) * Math.cos((<f64>u * Math.PI) / 16)) / 2;
}

/**
 * One pass of the 4 x 4 transform down the lanes of eight vectors `stride` apart, into four. The
 * mean of pixels 2x and 2x + 1 of the 8-point inverse DCT is sum over u of k(u) c(u) cos((2x + 1) u
 * pi / 8): coefficient 4 drops out and 8 - w folds onto w with its sign turned, which leaves a
 * 4-point inverse DCT of c0, c1 - c7, c2 - c6, c3 - c5 (scaled by HALF_SCALE beforehand).
 */
@inline function halfPass(at: usize, stride: usize, to: usize): void {
  const d1 = f32x4.sub(v128.load(at + stride), v128.load(at + stride * 7));
  const d2 = f32x4.sub(v128.load(at + stride * 2), v128.load(at + stride * 6));
  const d3 = f32x4.sub(v128.load(at + stride * 3), v128.load(at + stride * 5));
  halfPoints(v128.load(at), d1, d2, d3, to);
}

/**
 * halfPass down four lanes of COEF's columns, each coefficient scaled by HALF_SCALE as it is loaded.
 * Without `lower` rows 5-7 are zero (row 4 drops out anyway), and the differences are the upper
 * rows alone: the same values in fewer operations, for the many blocks whose AC ends by row 4.
 */
@inline function halfColumns(at: usize, to: usize, lower: bool): void {
  const scale = HALF_SCALE + (at - COEF);
  let d1 = f32x4.mul(v128.load(at, 32), v128.load(scale, 32));
  let d2 = f32x4.mul(v128.load(at, 64), v128.load(scale, 64));
  let d3 = f32x4.mul(v128.load(at, 96), v128.load(scale, 96));
  if (lower) {
    d1 = f32x4.sub(d1, f32x4.mul(v128.load(at, 224), v128.load(scale, 224)));
    d2 = f32x4.sub(d2, f32x4.mul(v128.load(at, 192), v128.load(scale, 192)));
    d3 = f32x4.sub(d3, f32x4.mul(v128.load(at, 160), v128.load(scale, 160)));
  }
  halfPoints(f32x4.mul(v128.load(at), v128.load(scale)), d1, d2, d3, to);
}

/** The 4-point inverse DCT of c0, c1 - c7, c2 - c6, c3 - c5, to four vectors at `to`. */
@inline function halfPoints(d0: v128, d1: v128, c2: v128, d3: v128, to: usize): void {
  const d2 = f32x4.mul(c2, f32x4.splat(0.70710678));
  const e0 = f32x4.add(d0, d2);
  const e1 = f32x4.sub(d0, d2);
  const o0 = f32x4.add(f32x4.mul(d1, f32x4.splat(0.92387953)), f32x4.mul(d3, f32x4.splat(0.38268343)));
  const o1 = f32x4.sub(f32x4.mul(d1, f32x4.splat(0.38268343)), f32x4.mul(d3, f32x4.splat(0.92387953)));
  v128.store(to, f32x4.add(e0, o0));
  v128.store(to + 16, f32x4.add(e1, o1));
  v128.store(to + 32, f32x4.sub(e1, o1));
  v128.store(to + 48, f32x4.sub(e0, o0));
}

/**
 * COEF to 4 x 4 pixels, each the mean of the 2 x 2 the full transform would give, as the basis
 * products compute it but in about a third of the operations: down the columns (each half of the
 * rows' lanes), across the rows after a transpose, with the result in columns put back in order
 * by one byte shuffle.
 */
function halfInverseDct(out: usize, stride: i32, lastRow: i32): void {
  // Columns: TEMP holds rows y of u 0-3, then rows y of u 4-7.
  if (lastRow > 4) {
    halfColumns(COEF, TEMP, true);
    halfColumns(COEF + 16, TEMP + 64, true);
  } else {
    halfColumns(COEF, TEMP, false);
    halfColumns(COEF + 16, TEMP + 64, false);
  }
  // Each half transposed is four vectors of one u over the rows y.
  transpose4(TEMP, TEMP, 16);
  transpose4(TEMP + 64, TEMP + 64, 16);
  halfPass(TEMP, 16, SCRATCH);
  const level = f32x4.splat(128);
  const c0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(v128.load(SCRATCH), level)));
  const c1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(v128.load(SCRATCH + 16), level)));
  const c2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(v128.load(SCRATCH + 32), level)));
  const c3 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(v128.load(SCRATCH + 48), level)));
  // Columns x of rows 0-3 as bytes, then rows of columns.
  const columns = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(c0, c1), i16x8.narrow_i32x4_s(c2, c3));
  const rows = i8x16.shuffle(columns, columns, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const step = <usize>stride;
  store<i32>(out, i32x4.extract_lane(rows, 0));
  store<i32>(out + step, i32x4.extract_lane(rows, 1));
  store<i32>(out + step * 2, i32x4.extract_lane(rows, 2));
  store<i32>(out + step * 3, i32x4.extract_lane(rows, 3));
}

// The 2 x 2 transform's scale, h(u) h(v), natural order: h(0) = c(0) / 2, h(u) for odd u =
// sign(u) cos(pi / 4) c(u) sin(u pi / 4) / (8 sin(u pi / 16)) with sign(u) the sign of
// cos(u pi / 4), and 0 for even u > 0.
const QUARTER_SCALE: usize = memory.data(64 * 4, 16);

function initQuarterScale(): void {
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) store<f32>(QUARTER_SCALE + <usize>(v * 8 + u) * 4, <f32>(quarterFactor(u) * quarterFactor(v)));
  }
}

function quarterFactor(u: i32): f64 {
  if (u == 0) return Math.SQRT1_2 / 2;
  if ((u & 1) == 0) return 0;
  const sign: f64 = u == 1 || u == 7 ? 1 : -1;
  return (sign * Math.SQRT1_2 * Math.sin((<f64>u * Math.PI) / 4)) / (8 * Math.sin((<f64>u * Math.PI) / 16));
}

/**
 * COEF to 2 x 2 pixels, each the mean of the 4 x 4 the full transform would give. Summed over its
 * four pixels, basis function u is sin(u pi / 4) / sin(u pi / 16) cos((2x + 1) u pi / 4): 0 for
 * u = 4, and for even u the cosine is 0 at both x, so each pass is E = c0, O = the odd terms
 * (scaled and signed by QUARTER_SCALE), giving E + O and E - O. Even rows of COEF drop out too.
 */
function quarterInverseDct(out: usize, stride: i32): void {
  const r0l = f32x4.mul(v128.load(COEF), v128.load(QUARTER_SCALE));
  const r0h = f32x4.mul(v128.load(COEF + 16), v128.load(QUARTER_SCALE + 16));
  let ol = f32x4.splat(0);
  let oh = f32x4.splat(0);
  for (let v: usize = 1; v < 8; v += 2) {
    ol = f32x4.add(ol, f32x4.mul(v128.load(COEF + v * 32), v128.load(QUARTER_SCALE + v * 32)));
    oh = f32x4.add(oh, f32x4.mul(v128.load(COEF + v * 32 + 16), v128.load(QUARTER_SCALE + v * 32 + 16)));
  }
  // Rows y = 0, 1 over u, lanes 0-3 plus lanes 4-7: u = 2, 4 and 6 are 0, so the sum keeps every term apart.
  const s0 = f32x4.add(f32x4.add(r0l, ol), f32x4.add(r0h, oh));
  const s1 = f32x4.add(f32x4.sub(r0l, ol), f32x4.sub(r0h, oh));
  // e: [E0 E1 . .] with E = u 0; o: [O0 O1 . .] with O = u 1 + u 3 (5 and 7 already added in).
  const e = i32x4.shuffle(s0, s1, 0, 4, 1, 5);
  const o = f32x4.add(i32x4.shuffle(e, e, 2, 3, 2, 3), i32x4.shuffle(s0, s1, 3, 7, 3, 7));
  const level = f32x4.splat(128);
  const plus = f32x4.add(f32x4.add(e, o), level);
  const minus = f32x4.add(f32x4.sub(e, o), level);
  // [y0x0 y0x1 y1x0 y1x1]
  const pixels = i32x4.trunc_sat_f32x4_s(f32x4.nearest(i32x4.shuffle(plus, minus, 0, 4, 1, 5)));
  const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(pixels, pixels), i16x8.splat(0));
  store<u16>(out, <u16>i16x8.extract_lane_u(bytes, 0));
  store<u16>(out + <usize>stride, <u16>i16x8.extract_lane_u(bytes, 1));
}

/**
 * COEF to n x m pixels (n columns, m rows) at out (stride bytes per row), level-shifted and
 * clamped. Rows of COEF past lastRow are zero and skipped.
 */
function inverseDct(n: i32, m: i32, lastRow: i32, out: usize, stride: i32): void {
  if (n == 8 && m == 8 && lastRow >= FULL_FROM_ROW) {
    fullInverseDct(out, stride, lastRow);
    return;
  }
  if (n == 4 && m == 4 && lastRow >= FULL_FROM_ROW) {
    halfInverseDct(out, stride, lastRow);
    return;
  }
  if (n == 2 && m == 2 && lastRow >= 1) {
    quarterInverseDct(out, stride);
    return;
  }
  const bt = BASIS_T + basisOffset(n);
  const by = BASIS + basisOffset(m);
  const rows = lastRow + 1;
  if (n <= 4) {
    // Four lanes hold a whole row.
    for (let v = 0; v < rows; v++) {
      const coef = COEF + <usize>v * 32;
      let acc = f32x4.mul(f32x4.splat(load<f32>(coef)), v128.load(bt));
      for (let u = 1; u < 8; u++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(coef + <usize>u * 4)), v128.load(bt + <usize>u * 32)));
      v128.store(TEMP + <usize>v * 32, acc);
    }
    for (let y = 0; y < m; y++) {
      let acc = f32x4.splat(128);
      const weights = by + <usize>y * 32;
      for (let v = 0; v < rows; v++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(weights + <usize>v * 4)), v128.load(TEMP + <usize>v * 32)));
      const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(acc));
      const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a, a), i16x8.splat(0));
      const row = out + <usize>(y * stride);
      if (n == 4) store<u32>(row, <u32>i32x4.extract_lane(bytes, 0));
      else if (n == 2) store<u16>(row, <u16>i16x8.extract_lane_u(bytes, 0));
      else store<u8>(row, <u8>i8x16.extract_lane_u(bytes, 0));
    }
    return;
  }
  // Rows: TEMP[v][x] = sum over u of COEF[v][u] * basis[x][u], for x in 0..7 (two vectors).
  for (let v = 0; v < rows; v++) {
    const coef = COEF + <usize>v * 32;
    let lo = f32x4.splat(0);
    let hi = f32x4.splat(0);
    for (let u = 0; u < 8; u++) {
      const c = f32x4.splat(load<f32>(coef + <usize>u * 4));
      lo = f32x4.add(lo, f32x4.mul(c, v128.load(bt + <usize>u * 32)));
      hi = f32x4.add(hi, f32x4.mul(c, v128.load(bt + <usize>u * 32 + 16)));
    }
    v128.store(TEMP + <usize>v * 32, lo);
    v128.store(TEMP + <usize>v * 32 + 16, hi);
  }
  // Columns: out[y][x] = 128 + sum over v of basis_m[y][v] * TEMP[v][x].
  for (let y = 0; y < m; y++) {
    let lo = f32x4.splat(128);
    let hi = f32x4.splat(128);
    const weights = by + <usize>y * 32;
    for (let v = 0; v < rows; v++) {
      const w = f32x4.splat(load<f32>(weights + <usize>v * 4));
      lo = f32x4.add(lo, f32x4.mul(w, v128.load(TEMP + <usize>v * 32)));
      hi = f32x4.add(hi, f32x4.mul(w, v128.load(TEMP + <usize>v * 32 + 16)));
    }
    const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(lo));
    const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(hi));
    const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a, b), i16x8.splat(0));
    store<u64>(out + <usize>(y * stride), <u64>i64x2.extract_lane(bytes, 0));
  }
}

/** Zeroes the rows of COEF a block wrote (rows up to lastRow, row 0 always), ready for the next. */
@inline export function clearCoefficients(lastRow: i32): void {
  const zero = i32x4.splat(0);
  for (let v = 0; v <= lastRow || v == 0; v++) {
    v128.store(COEF + <usize>v * 32, zero);
    v128.store(COEF + <usize>v * 32 + 16, zero);
  }
}


// The basis with u and x swapped, for the row pass.
const BASIS_T: usize = memory.data(4 * 8 * 8 * 4, 16);

initBasis();
initTransposed();
initAan();
initHalfScale();
initQuarterScale();

function initTransposed(): void {
  for (let level = 0; level < 4; level++) {
    const base = <usize>level * 256;
    for (let x = 0; x < 8; x++) {
      for (let u = 0; u < 8; u++) store<f32>(BASIS_T + base + <usize>(u * 8 + x) * 4, load<f32>(BASIS + base + <usize>(x * 8 + u) * 4));
    }
  }
}

/**
 * A block of one value: DC alone. Plain stores: memory.fill is a call out of the module in V8, which
 * at 1/8 (a byte a block) cost more than the rest of the block outside its entropy decoding.
 */
@inline function fillBlock(value: f32, n: i32, m: i32, out: usize, stride: i32): void {
  let v = <i32>Mathf.round(value) + 128;
  v = v < 0 ? 0 : v > 255 ? 255 : v;
  const bytes = <u64>v * 0x0101010101010101;
  for (let y = 0; y < m; y++) {
    const row = out + <usize>(y * stride);
    if (n == 8) store<u64>(row, bytes);
    else if (n == 4) store<u32>(row, <u32>bytes);
    else if (n == 2) store<u16>(row, <u16>bytes);
    else store<u8>(row, <u8>bytes);
  }
}

/** COEF (lastRow as decodeBlock gives it) to the block's pixels at target. */
@inline export function emit(lastRow: i32, n: i32, m: i32, bw: i32, bh: i32, target: usize, planeWidth: i32): void {
  if (bw == n && bh == m) {
    // At 1/8 a block is its mean, the DC term alone.
    if (lastRow < 0 || (n == 1 && m == 1)) fillBlock(load<f32>(COEF) / 8, n, m, target, planeWidth);
    else inverseDct(n, m, lastRow, target, planeWidth);
  } else {
    inverseDct(n, m, lastRow < 0 ? 0 : lastRow, SMALL, 8);
    replicate(n, m, bw / n, bh / m, target, planeWidth);
  }
}


function replicate(n: i32, m: i32, fx: i32, fy: i32, target: usize, stride: i32): void {
  for (let y = 0; y < m * fy; y++) {
    const from = SMALL + <usize>((y / fy) * 8);
    const row = target + <usize>(y * stride);
    for (let x = 0; x < n * fx; x++) store<u8>(row + <usize>x, load<u8>(from + <usize>(x / fx)));
  }
}


// The resizer's weights (resize.ts): the filters resMode= chooses from, each output pixel's window
// of source pixels, its Q14 weights renormalised at the edges, and those weights laid out in pairs
// for the SIMD passes.

export const SHIFT: i32 = 14;
export const ONE: i32 = 1 << SHIFT;

// The filters resMode= chooses from: 0 Lanczos3 (sharp2), 1 Catmull-Rom bicubic (bicub),
// 2 triangle (bilin), 3 bicubic with a = -0.75, sharper (bisharp).
export const LANCZOS3: i32 = 0;
export const BICUBIC: i32 = 1;
export const BILINEAR: i32 = 2;
export const BICUBIC_SHARPER: i32 = 3;

@inline function lanczos3(x: f64): f64 {
  if (x == 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** Keys' cubic convolution kernel with parameter a. */
@inline function cubic(x: f64, a: f64): f64 {
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

function kernel(filter: i32, x: f64): f64 {
  if (filter == BICUBIC) return cubic(x, -0.5);
  if (filter == BICUBIC_SHARPER) return cubic(x, -0.75);
  if (filter == BILINEAR) return Math.max(0, 1 - Math.abs(x));
  return lanczos3(x);
}

function radius(filter: i32): f64 {
  return filter == BILINEAR ? 1 : filter == LANCZOS3 ? 3 : 2;
}

/** How wide a window one output pixel reads, for sizing the weight buffer. */
export function tapsFor(extent: f64, dstLen: i32, filter: i32): i32 {
  const scale = <f64>dstLen / extent;
  const support = radius(filter) / Math.min(scale, 1.0);
  return <i32>Math.ceil(support * 2) + 2;
}

const MAX_KEPT_TAPS: i32 = 1024;
const TAP_VALUES: usize = memory.data(MAX_KEPT_TAPS * 8, 8);

/** The filter's value at source pixel `index` for an output centred on `center`. */
@inline function tapValue(filter: i32, index: i32, center: f64, filterScale: f64): f64 {
  return kernel(filter, (<f64>index + 0.5 - center) * filterScale);
}

/** The taps' filter values (kept in TAP_VALUES when `kept`); returns their sum. */
function tapValues(filter: i32, left: i32, count: i32, center: f64, filterScale: f64, kept: bool): f64 {
  let total: f64 = 0;
  for (let k = 0; k < count; k++) {
    const v = tapValue(filter, left + k, center, filterScale);
    if (kept) store<f64>(TAP_VALUES + <usize>k * 8, v);
    total += v;
  }
  return total;
}

/**
 * lanczos3 of each tap into TAP_VALUES, one sine and one cosine for the window rather than two sines
 * a tap: the taps' angles a = pi x / 3 step by a constant, so each sine follows from the one before
 * by a rotation, and sin(3a) = sin(a) (3 - 4 sin(a)^2). Half the time of lanczos3 a tap; over the
 * sizes test/unit/resize.test.ts sweeps, the Q14 weights are exactly lanczos3's.
 */
function lanczosTaps(left: i32, count: i32, center: f64, filterScale: f64): f64 {
  const step = (Math.PI / 3) * filterScale;
  const stepSin = Math.sin(step);
  const stepCos = Math.cos(step);
  const first = (Math.PI / 3) * ((<f64>left + 0.5 - center) * filterScale);
  let s = Math.sin(first);
  let c = Math.cos(first);
  let total: f64 = 0;
  for (let k = 0; k < count; k++) {
    const x = (<f64>(left + k) + 0.5 - center) * filterScale;
    // Near x = 0 the rotated sine's rounding is large beside the sine itself: computed there.
    const px = Math.PI * x;
    const v = Math.abs(x) < 1e-3 ? lanczos3(x) : x > -3 && x < 3 ? (3 * (s * (3 - 4 * s * s)) * s) / (px * px) : 0;
    store<f64>(TAP_VALUES + <usize>k * 8, v);
    total += v;
    const next = s * stepCos + c * stepSin;
    c = c * stepCos - s * stepSin;
    s = next;
  }
  return total;
}

/**
 * For each output index: starts[i] (i32) the first source index, and `taps` Q14 weights (i16) at
 * weights + i * taps * 2, zero past the window. The output spans the source from `offset` over
 * `extent` pixels, fractions allowed (an image decoded at 1/8 may end in a partial pixel).
 */
export function computeWeights(srcLen: i32, dstLen: i32, starts: usize, weights: usize, taps: i32, filter: i32, offset: f64, extent: f64): void {
  const scale = <f64>dstLen / extent;
  const filterScale = Math.min(scale, 1.0);
  const support = radius(filter) / filterScale;
  for (let i = 0; i < dstLen; i++) {
    const center = offset + (<f64>i + 0.5) / scale;
    let left = <i32>Math.floor(center - support + 0.5);
    let right = <i32>Math.floor(center + support + 0.5);
    if (left < 0) left = 0;
    if (right > srcLen) right = srcLen;
    let count = right - left;
    if (count > taps) count = taps;
    // Each tap's filter value computed once (Lanczos3 takes two sines), kept for normalising.
    const kept = count <= MAX_KEPT_TAPS;
    const total = kept && filter == LANCZOS3 ? lanczosTaps(left, count, center, filterScale) : tapValues(filter, left, count, center, filterScale, kept);
    const row = weights + <usize>(i * taps) * 2;
    let sum: i32 = 0;
    let biggest: i32 = 0;
    for (let k = 0; k < taps; k++) {
      let w: i32 = 0;
      if (k < count) {
        const v = kept ? load<f64>(TAP_VALUES + <usize>k * 8) : tapValue(filter, left + k, center, filterScale);
        w = <i32>Math.round((v / total) * <f64>ONE);
      }
      store<i16>(row + <usize>k * 2, <i16>w);
      sum += w;
      if (w > load<i16>(row + <usize>biggest * 2)) biggest = k;
    }
    // Rounding must not brighten or darken: the weights sum to exactly 1.0.
    store<i16>(row + <usize>biggest * 2, <i16>(<i32>load<i16>(row + <usize>biggest * 2) + ONE - sum));
    store<i32>(starts + <usize>i * 4, left);
  }
}

/**
 * Rewrites the weights of computeWeights for resizeVertical and resizeHorizontal: each output's window trimmed of its
 * zero weights at both ends (`starts` moved to match; `used` gets each window's pair count), its taps
 * in pairs (w0, w1), each pair one vector [w0 w1 w0 w1 w0 w1 w0 w1], so one dot product takes two
 * pixels. Each output's pairs lie (taps + 1) / 2 vectors apart in `out`.
 */
export function pairWeights(weights: usize, starts: usize, count: i32, taps: i32, out: usize, used: usize): void {
  const stride = (taps + 1) >> 1;
  for (let i = 0; i < count; i++) {
    const w = weights + <usize>(i * taps) * 2;
    let low = 0;
    while (low < taps - 1 && load<i16>(w + <usize>low * 2) == 0) low++;
    let high = taps;
    while (high > low + 1 && load<i16>(w + <usize>(high - 1) * 2) == 0) high--;
    const pairs = (high - low + 1) >> 1;
    store<i32>(starts + <usize>i * 4, load<i32>(starts + <usize>i * 4) + low);
    store<i32>(used + <usize>i * 4, pairs);
    const o = out + <usize>(i * stride) * 16;
    for (let p = 0; p < pairs; p++) {
      const k = low + p * 2;
      const w0 = load<i16>(w + <usize>k * 2);
      const w1 = k + 1 < high ? load<i16>(w + <usize>(k + 1) * 2) : <i16>0;
      v128.store(o + <usize>p * 16, i16x8(w0, w1, w0, w1, w0, w1, w0, w1));
    }
  }
}

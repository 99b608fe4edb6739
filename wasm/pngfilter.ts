// PNG row filtering for our PNG writer (the deflate itself is node:zlib's). Every row gets the filter
// of the five with the smallest sum of absolute (signed) bytes, libpng's heuristic, all five computed
// on SIMD vectors: each filter predicts from the raw, unfiltered neighbours, so lanes are independent.
//
// Every buffer is laid out by the caller; nothing here allocates.

export const heapBase: usize = __heap_base;

// The five filters' costs for the row at hand.
const COSTS: usize = memory.data(20, 16);

/** RGBA pixels to `channels` (3 or 4) bytes per pixel at dst. */
export function pack(src: usize, pixels: i32, channels: i32, dst: usize): void {
  if (channels == 4) {
    memory.copy(dst, src, <usize>pixels * 4);
    return;
  }
  let i = 0;
  // Four pixels per vector; the 4 bytes written past each 12 are overwritten by the next step.
  for (; i + 5 <= pixels; i += 4) {
    const v = v128.load(src + <usize>i * 4);
    v128.store(dst + <usize>i * 3, i8x16.shuffle(v, v, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0));
  }
  for (; i < pixels; i++) {
    store<u8>(dst + <usize>i * 3, load<u8>(src + <usize>i * 4));
    store<u8>(dst + <usize>i * 3 + 1, load<u8>(src + <usize>i * 4 + 1));
    store<u8>(dst + <usize>i * 3 + 2, load<u8>(src + <usize>i * 4 + 2));
  }
}

@inline function paeth(a: i32, b: i32, c: i32): i32 {
  const pa = abs(b - c);
  const pb = abs(a - c);
  const pc = abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The Paeth predictor of eight lanes (i16). */
@inline function paethVector(a: v128, b: v128, c: v128): v128 {
  const pa = i16x8.abs(i16x8.sub(b, c));
  const pb = i16x8.abs(i16x8.sub(a, c));
  const pc = i16x8.abs(i16x8.sub(i16x8.add(a, b), i16x8.add(c, c)));
  const useA = v128.and(i16x8.le_s(pa, pb), i16x8.le_s(pa, pc));
  const useB = i16x8.le_s(pb, pc);
  return v128.bitselect(a, v128.bitselect(b, c, useB), useA);
}

@inline function cost(v: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(i8x16.abs(v)));
}

/**
 * Filters `height` rows of `stride` bytes at raw (bpp bytes per pixel) into out, each row its
 * filter type byte then its bytes. `scratch` holds 5 * stride bytes.
 */
export function filterRows(raw: usize, stride: i32, height: i32, bpp: i32, scratch: usize, out: usize): void {
  const zeroRow = scratch + <usize>stride * 4; // the row above the first
  memory.fill(zeroRow, 0, stride);
  const sub = scratch;
  const up = scratch + <usize>stride;
  const average = up + <usize>stride;
  const paethRow = average + <usize>stride;
  const n = <usize>stride;
  for (let y = 0; y < height; y++) {
    const row = raw + <usize>y * n;
    const prev = y == 0 ? zeroRow : row - n;
    let costs0 = i32x4.splat(0);
    let costs1 = i32x4.splat(0);
    let costs2 = i32x4.splat(0);
    let costs3 = i32x4.splat(0);
    let costs4 = i32x4.splat(0);
    let x: usize = 0;
    // The first pixel has no left neighbour, nor does anything before 16 bytes in: scalar.
    const head: usize = n < 16 ? n : 16;
    for (; x < head; x++) {
      const r = <i32>load<u8>(row + x);
      const a = x >= <usize>bpp ? <i32>load<u8>(row + x - bpp) : 0;
      const b = <i32>load<u8>(prev + x);
      const c = x >= <usize>bpp ? <i32>load<u8>(prev + x - bpp) : 0;
      store<u8>(sub + x, <u8>(r - a));
      store<u8>(up + x, <u8>(r - b));
      store<u8>(average + x, <u8>(r - ((a + b) >> 1)));
      store<u8>(paethRow + x, <u8>(r - paeth(a, b, c)));
    }
    const vectorEnd = n & ~(<usize>15);
    for (; x < vectorEnd; x += 16) {
      const r = v128.load(row + x);
      const a = v128.load(row + x - bpp);
      const b = v128.load(prev + x);
      const c = v128.load(prev + x - bpp);
      const fSub = i8x16.sub(r, a);
      const fUp = i8x16.sub(r, b);
      // The rounded-down mean: avgr_u rounds up, so take back one where a + b is odd.
      const mean = i8x16.sub(i8x16.avgr_u(a, b), v128.and(v128.xor(a, b), i8x16.splat(1)));
      const fAverage = i8x16.sub(r, mean);
      const low = paethVector(i16x8.extend_low_i8x16_u(a), i16x8.extend_low_i8x16_u(b), i16x8.extend_low_i8x16_u(c));
      const high = paethVector(i16x8.extend_high_i8x16_u(a), i16x8.extend_high_i8x16_u(b), i16x8.extend_high_i8x16_u(c));
      const fPaeth = i8x16.sub(r, i8x16.narrow_i16x8_u(low, high));
      v128.store(sub + x, fSub);
      v128.store(up + x, fUp);
      v128.store(average + x, fAverage);
      v128.store(paethRow + x, fPaeth);
      costs0 = i32x4.add(costs0, cost(r));
      costs1 = i32x4.add(costs1, cost(fSub));
      costs2 = i32x4.add(costs2, cost(fUp));
      costs3 = i32x4.add(costs3, cost(fAverage));
      costs4 = i32x4.add(costs4, cost(fPaeth));
    }
    for (; x < n; x++) {
      const r = <i32>load<u8>(row + x);
      const a = <i32>load<u8>(row + x - bpp);
      const b = <i32>load<u8>(prev + x);
      const c = <i32>load<u8>(prev + x - bpp);
      store<u8>(sub + x, <u8>(r - a));
      store<u8>(up + x, <u8>(r - b));
      store<u8>(average + x, <u8>(r - ((a + b) >> 1)));
      store<u8>(paethRow + x, <u8>(r - paeth(a, b, c)));
    }
    // The filtered rows lie one after another in scratch (filter f at f - 1); the scalar head and
    // tail are left out of the vector sums, so they are added here.
    store<i32>(COSTS, total(costs0));
    store<i32>(COSTS + 4, total(costs1));
    store<i32>(COSTS + 8, total(costs2));
    store<i32>(COSTS + 12, total(costs3));
    store<i32>(COSTS + 16, total(costs4));
    let best = 0;
    let bestCost = load<i32>(COSTS) + scalarCost(row, head, vectorEnd, n);
    for (let f = 1; f <= 4; f++) {
      const c = load<i32>(COSTS + <usize>f * 4) + scalarCost(scratch + <usize>(f - 1) * n, head, vectorEnd, n);
      if (c < bestCost) {
        bestCost = c;
        best = f;
      }
    }
    const target = out + <usize>y * (n + 1);
    store<u8>(target, <u8>best);
    memory.copy(target + 1, best == 0 ? row : scratch + <usize>(best - 1) * n, n);
  }
}

@inline function total(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

function scalarCost(bytes: usize, head: usize, vectorEnd: usize, n: usize): i32 {
  let sum = 0;
  for (let x: usize = 0; x < head; x++) sum += abs(<i32>load<i8>(bytes + x));
  for (let x = vectorEnd > head ? vectorEnd : head; x < n; x++) sum += abs(<i32>load<i8>(bytes + x));
  return sum;
}

// Decoding: the filters undone, then samples of any PNG colour type and bit depth expanded to RGBA8.

// Grey below 8 bits, not interlaced: each input byte's pixels looked up whole (up to 8 RGBA pixels).
const BYTE_PIXELS: usize = memory.data(256 * 32, 16);

/**
 * Undoes the filters of `height` rows, in place: each row is its filter type byte then `stride`
 * bytes, rows one after another. Returns 0, or -1 at a filter type above 4 (a damaged file).
 */
export function unfilterRows(data: usize, stride: i32, height: i32, bpp: i32): i32 {
  const row = <usize>stride + 1;
  for (let y = 0; y < height; y++) {
    const line = data + <usize>y * row;
    const type = load<u8>(line);
    const cur = line + 1;
    const prev = cur - row; // valid only for y > 0
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) store<u8>(cur + i, load<u8>(cur + i) + load<u8>(cur + i - bpp));
        break;
      case 2:
        if (y == 0) break;
        {
          let i = 0;
          for (; i + 16 <= stride; i += 16) v128.store(cur + i, i8x16.add(v128.load(cur + i), v128.load(prev + i)));
          for (; i < stride; i++) store<u8>(cur + i, load<u8>(cur + i) + load<u8>(prev + i));
        }
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const left: i32 = i >= bpp ? load<u8>(cur + i - bpp) : 0;
          const up: i32 = y > 0 ? load<u8>(prev + i) : 0;
          store<u8>(cur + i, load<u8>(cur + i) + <u8>((left + up) >> 1));
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const left: i32 = i >= bpp ? load<u8>(cur + i - bpp) : 0;
          const up: i32 = y > 0 ? load<u8>(prev + i) : 0;
          const corner: i32 = i >= bpp && y > 0 ? load<u8>(prev + i - bpp) : 0;
          store<u8>(cur + i, load<u8>(cur + i) + <u8>paeth(left, up, corner));
        }
        break;
      default:
        return -1;
    }
  }
  return 0;
}

/**
 * Unfiltered rows (each after its filter byte) of one image or Adam7 pass, `width` x `height`, to
 * RGBA8 at out, pixel (x, y) of the pass going to out's (x0 + x * dx, y0 + y * dy) of `outWidth`.
 * colorType 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA; 16-bit samples keep their high byte,
 * or with `low` their colours' low byte (a second pass gives the rest of 16-bit colour, for the
 * colour conversion); grey below 8 bits is scaled up exactly. `palette` holds 256 RGBA entries;
 * `key` the tRNS colour of grey or RGB images at full depth (-1 for none) as r, g, b (grey in r).
 */
export function expandRows(
  data: usize, stride: i32, width: i32, height: i32, colorType: i32, depth: i32, palette: usize,
  keyR: i32, keyG: i32, keyB: i32, out: usize, outWidth: i32, x0: i32, y0: i32, dx: i32, dy: i32, low: i32,
): void {
  const row = <usize>stride + 1;
  const channels = colorType == 0 || colorType == 3 ? 1 : colorType == 2 ? 3 : colorType == 4 ? 2 : 4;
  const scale: i32 = depth == 1 ? 255 : depth == 2 ? 85 : depth == 4 ? 17 : 1;
  const mask: i32 = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const src = data + <usize>y * row + 1;
    let dst = out + (<usize>(y0 + y * dy) * <usize>outWidth + <usize>x0) * 4;
    const step = <usize>dx * 4;
    if (depth < 8 && colorType == 0 && dx == 1) {
      if (y == 0) buildBytePixels(depth, scale, mask, keyR);
      const perByte = 8 / depth;
      const whole = width / perByte;
      const span = <usize>perByte * 4;
      for (let b = 0; b < whole; b++) {
        const entry = BYTE_PIXELS + <usize>load<u8>(src + b) * 32;
        if (span >= 16) v128.store(dst, v128.load(entry));
        else store<u64>(dst, load<u64>(entry));
        if (span == 32) v128.store(dst + 16, v128.load(entry + 16));
        dst += span;
      }
      const last: i32 = whole < (width + perByte - 1) / perByte ? load<u8>(src + whole) : 0;
      for (let x = whole * perByte, k = 0; x < width; x++, k++) {
        store<u32>(dst, load<u32>(BYTE_PIXELS + <usize>last * 32 + <usize>k * 4));
        dst += 4;
      }
      continue;
    }
    if (depth < 8) {
      // A byte at a time, its 8 / depth samples from the high bits down.
      const perByte = 8 / depth;
      let x = 0;
      for (let b = 0; x < width; b++) {
        const byte: i32 = load<u8>(src + b);
        for (let k = 0; k < perByte && x < width; k++, x++) {
          const v = (byte >> (8 - depth * (k + 1))) & mask;
          let pixel: u32;
          if (colorType == 3) pixel = load<u32>(palette + <usize>v * 4);
          else {
            const g = <u32>(v * scale);
            pixel = g | (g << 8) | (g << 16) | (v == keyR ? 0 : 0xff000000);
          }
          store<u32>(dst, pixel);
          dst += step;
        }
      }
      continue;
    }
    if (depth == 8 && dx == 1 && expandBytes(src, width, colorType, keyR, dst)) continue;
    const bytes = depth >> 3; // 1 or 2 bytes a sample
    // The colour samples' byte: the high one, or with `low` (16-bit only) the low one.
    const c = <usize>(bytes == 2 ? low : 0);
    for (let x = 0; x < width; x++) {
      const p = src + <usize>x * channels * bytes;
      const s0: i32 = bytes == 1 ? load<u8>(p) : (<i32>load<u8>(p) << 8) | load<u8>(p + 1);
      if (colorType == 3) {
        store<u32>(dst, load<u32>(palette + <usize>s0 * 4));
      } else if (colorType == 0) {
        const g: u32 = load<u8>(p + c);
        store<u32>(dst, g | (g << 8) | (g << 16) | (s0 == keyR ? 0 : 0xff000000));
      } else if (colorType == 4) {
        const g: u32 = load<u8>(p + c);
        store<u32>(dst, g | (g << 8) | (g << 16) | (<u32>load<u8>(p + bytes) << 24));
      } else if (colorType == 2) {
        const s1: i32 = bytes == 1 ? load<u8>(p + 1) : (<i32>load<u8>(p + 2) << 8) | load<u8>(p + 3);
        const s2: i32 = bytes == 1 ? load<u8>(p + 2) : (<i32>load<u8>(p + 4) << 8) | load<u8>(p + 5);
        const keyed = s0 == keyR && s1 == keyG && s2 == keyB;
        store<u32>(dst, <u32>load<u8>(p + c) | (<u32>load<u8>(p + bytes + c) << 8) | (<u32>load<u8>(p + 2 * bytes + c) << 16) | (keyed ? 0 : 0xff000000));
      } else {
        store<u32>(dst, <u32>load<u8>(p + c) | (<u32>load<u8>(p + bytes + c) << 8) | (<u32>load<u8>(p + 2 * bytes + c) << 16) | (<u32>load<u8>(p + 3 * bytes) << 24));
      }
      dst += step;
    }
  }
}

/**
 * One row of 8-bit RGBA, RGB or grey without a tRNS key, four pixels a step on vectors (the last
 * few one at a time, so that no load passes the row's end). False for the other cases.
 */
function expandBytes(src: usize, width: i32, colorType: i32, key: i32, dst: usize): bool {
  if (colorType == 6) {
    memory.copy(dst, src, <usize>width * 4);
    return true;
  }
  if (key >= 0 || (colorType != 2 && colorType != 0)) return false;
  const opaque = i32x4.splat(0xff000000);
  let x = 0;
  if (colorType == 2) {
    for (; x + 6 <= width; x += 4) {
      const v = v128.load(src + <usize>x * 3);
      v128.store(dst + <usize>x * 4, v128.or(i8x16.shuffle(v, opaque, 0, 1, 2, 16, 3, 4, 5, 16, 6, 7, 8, 16, 9, 10, 11, 16), opaque));
    }
    for (; x < width; x++) {
      const p = src + <usize>x * 3;
      store<u32>(dst + <usize>x * 4, <u32>load<u8>(p) | (<u32>load<u8>(p + 1) << 8) | (<u32>load<u8>(p + 2) << 16) | 0xff000000);
    }
    return true;
  }
  for (; x + 4 <= width; x += 4) {
    const v = v128.load32_zero(src + <usize>x);
    v128.store(dst + <usize>x * 4, v128.or(i8x16.shuffle(v, v, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), opaque));
  }
  for (; x < width; x++) {
    const g = <u32>load<u8>(src + <usize>x);
    store<u32>(dst + <usize>x * 4, g | (g << 8) | (g << 16) | 0xff000000);
  }
  return true;
}

/** The RGBA pixels of every byte value of grey at `depth` bits, left pixel first. */
function buildBytePixels(depth: i32, scale: i32, mask: i32, key: i32): void {
  const perByte = 8 / depth;
  for (let byte = 0; byte < 256; byte++) {
    for (let k = 0; k < perByte; k++) {
      const v = (byte >> (8 - depth * (k + 1))) & mask;
      const g = <u32>(v * scale);
      store<u32>(BYTE_PIXELS + <usize>byte * 32 + <usize>k * 4, g | (g << 8) | (g << 16) | (v == key ? 0 : 0xff000000));
    }
  }
}

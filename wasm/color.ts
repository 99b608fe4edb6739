// Per-pixel colour filters of RGBA8 images (op_brightness, op_contrast, op_saturation, op_hue,
// op_invert, op_colorbalance, op_colorize, op_noise). In place; alpha is left alone.
// Compiled by `npm run compile` to wasm/build/color.wasm. Buffers are laid out by the caller.

@inline function clamp(v: f32): u8 {
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
}

/** out = in * m[0..8] (3x3, row-major) + offset[0..2]: brightness, contrast, saturation, hue, balance. */
export function matrix(ptr: usize, pixels: i32, m: usize): void {
  const m0 = load<f32>(m), m1 = load<f32>(m, 4), m2 = load<f32>(m, 8);
  const m3 = load<f32>(m, 12), m4 = load<f32>(m, 16), m5 = load<f32>(m, 20);
  const m6 = load<f32>(m, 24), m7 = load<f32>(m, 28), m8 = load<f32>(m, 32);
  const o0 = load<f32>(m, 36), o1 = load<f32>(m, 40), o2 = load<f32>(m, 44);
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    const r = <f32>load<u8>(p), g = <f32>load<u8>(p, 1), b = <f32>load<u8>(p, 2);
    store<u8>(p, clamp(r * m0 + g * m1 + b * m2 + o0));
    store<u8>(p, clamp(r * m3 + g * m4 + b * m5 + o1), 1);
    store<u8>(p, clamp(r * m6 + g * m7 + b * m8 + o2), 2);
  }
}

/**
 * A matrix/TRC colour conversion, in place (src/image/icc-transforms.ts builds its tables): each
 * channel through its curve (`curves`: three f32 tables of 256 linear values), the 3x3 matrix `m`
 * (row-major, f32, scaled to `steps`), then the target's curve (`encode`: steps + 1 bytes), its
 * index rounded from the clamped product. Alpha is left alone.
 */
export function shaper(ptr: usize, pixels: i32, curves: usize, m: usize, encode: usize, steps: i32): void {
  // The matrix's columns as vectors: one multiply-add per channel gives the three outputs at once.
  const red = f32x4(load<f32>(m), load<f32>(m, 12), load<f32>(m, 24), 0);
  const green = f32x4(load<f32>(m, 4), load<f32>(m, 16), load<f32>(m, 28), 0);
  const blue = f32x4(load<f32>(m, 8), load<f32>(m, 20), load<f32>(m, 32), 0);
  const top = f32x4.splat(<f32>steps);
  const half = f32x4.splat(0.5);
  const zero = f32x4.splat(0);
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    const v = load<u32>(p);
    const r = v128.load32_splat(curves + <usize>(v & 255) * 4);
    const g = v128.load32_splat(curves + 1024 + <usize>((v >> 8) & 255) * 4);
    const b = v128.load32_splat(curves + 2048 + <usize>((v >> 16) & 255) * 4);
    const sum = f32x4.add(f32x4.add(f32x4.mul(r, red), f32x4.mul(g, green)), f32x4.mul(b, blue));
    // Clamped to the table, rounded by truncation of x + 0.5 (x is not negative).
    const index = i32x4.trunc_sat_f32x4_s(f32x4.min(f32x4.add(f32x4.max(sum, zero), half), top));
    const x = <u32>load<u8>(encode + <usize>i32x4.extract_lane(index, 0));
    const y = <u32>load<u8>(encode + <usize>i32x4.extract_lane(index, 1));
    const z = <u32>load<u8>(encode + <usize>i32x4.extract_lane(index, 2));
    store<u32>(p, (v & 0xff000000) | x | (y << 8) | (z << 16));
  }
}

/** op_invert=1 */
export function invert(ptr: usize, pixels: i32): void {
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    store<u8>(p, 255 - load<u8>(p));
    store<u8>(p, 255 - load<u8>(p, 1), 1);
    store<u8>(p, 255 - load<u8>(p, 2), 2);
  }
}

@inline function luma(p: usize): i32 {
  // op_colorize's grey is "simple and not color-managed" (its reference page): Rec. 601 weights.
  return (<i32>load<u8>(p) * 77 + <i32>load<u8>(p, 1) * 150 + <i32>load<u8>(p, 2) * 29 + 128) >> 8;
}

/** op_colorize's statistics: a 256-bin histogram (u32) of the luma of pixels that are not transparent. */
export function lumaHistogram(ptr: usize, pixels: i32, hist: usize): void {
  memory.fill(hist, 0, 256 * 4);
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    if (load<u8>(p, 3) == 0) continue;
    const bin = hist + <usize>luma(p) * 4;
    store<u32>(bin, load<u32>(bin) + 1);
  }
}

/** op_colorize: each pixel becomes the RGB entry of `table` (256 x 3 bytes) at its luma. */
export function tint(ptr: usize, pixels: i32, table: usize): void {
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    const t = table + <usize>luma(p) * 3;
    store<u8>(p, load<u8>(t));
    store<u8>(p, load<u8>(t, 1), 1);
    store<u8>(p, load<u8>(t, 2), 2);
  }
}

let state: u32 = 1;

/** xorshift32: uniform in [-0.5, 0.5]; four summed approximate a Gaussian. */
function draw(gaussian: bool): f32 {
  let u: f32 = 0;
  const draws = gaussian ? 4 : 1;
  for (let d = 0; d < draws; d++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    u += <f32>(state & 0xffff) / 65535.0 - 0.5;
  }
  return gaussian ? u * 0.866 : u * 2;
}

/** A pixel's seed from its place in the whole view (a 32-bit integer hash), never 0 for xorshift. */
@inline function seedAt(x: i32, y: i32): u32 {
  let h = <u32>x * 0x9e3779b1 ^ <u32>y * 0x85ebca77 ^ 0x27d4eb2f;
  h ^= h >> 16;
  h *= 0x7feb352d;
  h ^= h >> 15;
  h *= 0x846ca68b;
  h ^= h >> 16;
  return h | 1;
}

/**
 * op_noise: adds noise of up to `amount` (0..255), seeded by each pixel's place in the whole view
 * (the image's top-left is at x0, y0 there), so the same request always gives the same bytes and a
 * tile (rect=) the same noise as the whole view at that pixel.
 */
export function noise(ptr: usize, width: i32, height: i32, x0: i32, y0: i32, amount: f32, gaussian: bool, monochrome: bool): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = ptr + (<usize>y * <usize>width + <usize>x) * 4;
      state = seedAt(x0 + x, y0 + y);
      // The first draws of xorshift from nearby seeds are correlated: two discarded mix them.
      draw(false);
      draw(false);
      const shared = draw(gaussian) * amount;
      for (let c: usize = 0; c < 3; c++) {
        const delta = monochrome || c == 0 ? shared : draw(gaussian) * amount;
        store<u8>(p + c, clamp(<f32>load<u8>(p + c) + delta));
      }
    }
  }
}

/** Where the caller may start laying out buffers. */
export const heapBase: usize = __heap_base;

// Palette quantization for png8 and gif: the per-pixel loops. The palette itself (median cut over
// the histogram) and the nearest-colour table are built in TypeScript on the small histogram.

/** 5-bit-per-channel histogram (32768 u32 bins) of the pixels with alpha >= minAlpha. */
export function histogram5(ptr: usize, pixels: i32, hist: usize, minAlpha: i32): void {
  memory.fill(hist, 0, 32768 * 4);
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    if (<i32>load<u8>(p, 3) < minAlpha) continue;
    const key = ((<u32>load<u8>(p) >> 3) << 10) | ((<u32>load<u8>(p, 1) >> 3) << 5) | (<u32>load<u8>(p, 2) >> 3);
    const bin = hist + <usize>key * 4;
    store<u32>(bin, load<u32>(bin) + 1);
  }
}

@inline function clamp255(v: i32): i32 {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Maps each pixel to a palette index through `lut` (nearest entry per 5-bit colour), with
 * Floyd-Steinberg error diffusion when `dither`. Pixels with alpha below 128 take
 * `transparentIndex` when it is >= 0. `errors` holds 2 * (width + 2) * 3 i32s.
 */
export function mapToPalette(ptr: usize, width: i32, height: i32, lut: usize, palette: usize, out: usize, dither: bool, transparentIndex: i32, errors: usize): void {
  const rowLen = (width + 2) * 3;
  memory.fill(errors, 0, <usize>rowLen * 2 * 4);
  for (let y = 0; y < height; y++) {
    const cur = errors + <usize>((y & 1) * rowLen) * 4;
    const next = errors + <usize>(((y + 1) & 1) * rowLen) * 4;
    memory.fill(next, 0, <usize>rowLen * 4);
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const p = ptr + <usize>i * 4;
      if (transparentIndex >= 0 && load<u8>(p, 3) < 128) {
        store<u8>(out + <usize>i, <u8>transparentIndex);
        continue;
      }
      const e = cur + <usize>((x + 1) * 3) * 4;
      const r = clamp255(<i32>load<u8>(p) + (dither ? load<i32>(e) >> 4 : 0));
      const g = clamp255(<i32>load<u8>(p, 1) + (dither ? load<i32>(e, 4) >> 4 : 0));
      const b = clamp255(<i32>load<u8>(p, 2) + (dither ? load<i32>(e, 8) >> 4 : 0));
      const index = <i32>load<u8>(lut + <usize>(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)));
      store<u8>(out + <usize>i, <u8>index);
      if (!dither) continue;
      const q = palette + <usize>index * 3;
      const er = r - <i32>load<u8>(q);
      const eg = g - <i32>load<u8>(q, 1);
      const eb = b - <i32>load<u8>(q, 2);
      // Errors are kept x16: 7/16 right, 3/16 down-left, 5/16 down, 1/16 down-right.
      const right = cur + <usize>((x + 2) * 3) * 4;
      store<i32>(right, load<i32>(right) + er * 7);
      store<i32>(right, load<i32>(right, 4) + eg * 7, 4);
      store<i32>(right, load<i32>(right, 8) + eb * 7, 8);
      const below = next + <usize>(x * 3) * 4;
      store<i32>(below, load<i32>(below) + er * 3);
      store<i32>(below, load<i32>(below, 4) + eg * 3, 4);
      store<i32>(below, load<i32>(below, 8) + eb * 3, 8);
      store<i32>(below, load<i32>(below, 12) + er * 5, 12);
      store<i32>(below, load<i32>(below, 16) + eg * 5, 16);
      store<i32>(below, load<i32>(below, 20) + eb * 5, 20);
      store<i32>(below, load<i32>(below, 24) + er, 24);
      store<i32>(below, load<i32>(below, 28) + eg, 28);
      store<i32>(below, load<i32>(below, 32) + eb, 32);
    }
  }
}

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

/** op_invert=1 */
export function invert(ptr: usize, pixels: i32): void {
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    store<u8>(p, 255 - load<u8>(p));
    store<u8>(p, 255 - load<u8>(p, 1), 1);
    store<u8>(p, 255 - load<u8>(p, 2), 2);
  }
}

/**
 * op_colorize: the pixel's luminance tints the colour (r, g, b). With `normalize`, the tint is
 * scaled so that the colour's own luminance maps to mid-grey's, keeping overall brightness.
 */
export function colorize(ptr: usize, pixels: i32, r: f32, g: f32, b: f32, normalize: bool): void {
  let scale: f32 = 1.0 / 255.0;
  const own: f32 = <f32>0.299 * r + <f32>0.587 * g + <f32>0.114 * b;
  if (normalize && own > 0) scale = <f32>1.0 / own;
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    const l: f32 = <f32>0.299 * <f32>load<u8>(p) + <f32>0.587 * <f32>load<u8>(p, 1) + <f32>0.114 * <f32>load<u8>(p, 2);
    store<u8>(p, clamp(l * r * scale));
    store<u8>(p, clamp(l * g * scale), 1);
    store<u8>(p, clamp(l * b * scale), 2);
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

/**
 * op_noise: adds noise of up to `amount` (0..255) from a seeded generator, so the same request
 * always gives the same bytes (and the same ETag).
 */
export function noise(ptr: usize, pixels: i32, amount: f32, gaussian: bool, monochrome: bool, seed: u32): void {
  state = seed | 1;
  for (let i = 0; i < pixels; i++) {
    const p = ptr + <usize>i * 4;
    const shared = draw(gaussian) * amount;
    for (let c: usize = 0; c < 3; c++) {
      const delta = monochrome || c == 0 ? shared : draw(gaussian) * amount;
      store<u8>(p + c, clamp(<f32>load<u8>(p + c) + delta));
    }
  }
}

/** Where the caller may start laying out buffers. */
export const heapBase: usize = __heap_base;

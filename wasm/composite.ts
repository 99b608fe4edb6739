// Compositing on a canvas of premultiplied f32 RGBA (src/pipeline/steps/blend.ts lays it out):
// drawing a straight-alpha RGBA8 image with an opacity and a blend mode, and reading the canvas
// back as straight RGBA8. The formulas are W3C Compositing and Blending Level 1's:
//   Co = as(1-ab)Cs + as ab B(Cb,Cs) + (1-as) ab Cb,  ao = as + ab(1-as)   (Co premultiplied)

export const heapBase: usize = __heap_base;

const INV255: f32 = 1.0 / 255.0;

const MODE_NORMAL = 0;
const MODE_DISSOLVE = 1;
const MODE_MULTIPLY = 2;
const MODE_SCREEN = 3;
const MODE_DARKEN = 4;
const MODE_LIGHTEN = 5;

@inline function blendChannel(mode: i32, b: f32, s: f32): f32 {
  if (mode == MODE_MULTIPLY) return b * s;
  if (mode == MODE_SCREEN) return b + s - b * s;
  if (mode == MODE_DARKEN) return min(b, s);
  return max(b, s);
}

/** A hash of a pixel in [0, 1), the same on every render, for dissolve. */
@inline function hash01(x: i32, y: i32, seed: i32): f32 {
  let h: u32 = <u32>(x * 0x27d4eb2d) ^ <u32>(y * 0x165667b1) ^ <u32>((seed + 1) * <i32>0x9e3779b1);
  h = (h ^ (h >> 15)) * 0x85ebca77;
  h = (h ^ (h >> 13)) * 0xc2b2ae3d;
  return <f32>(<f64>(h ^ (h >> 16)) / 4294967296.0);
}

/**
 * Draws the rows [y0, y1) x columns [x0, x1) of the canvas from the image placed at (x, y).
 * The caller clips; `src` is the image, `sw` its width.
 */
export function draw(canvas: usize, cw: i32, src: usize, sw: i32, x: i32, y: i32, x0: i32, y0: i32, x1: i32, y1: i32, opacity: f32, mode: i32, seed: i32): void {
  const unit = f32x4.splat(INV255);
  for (let py = y0; py < y1; py++) {
    let s = src + (<usize>(py - y) * <usize>sw + <usize>(x0 - x)) * 4;
    let c = canvas + (<usize>py * <usize>cw + <usize>x0) * 16;
    for (let px = x0; px < x1; px++, s += 4, c += 16) {
      const sa = load<u8>(s, 3);
      if (sa == 0) continue;
      let as: f32 = <f32>sa * opacity * INV255;
      if (mode == MODE_DISSOLVE) {
        if (hash01(px, py, seed) >= as) continue;
        as = 1;
      }
      // The source as a vector (r, g, b, 1) in 0..1.
      const raw = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(s))));
      const colour = f32x4.replace_lane(f32x4.mul(raw, unit), 3, 1.0);
      const under = v128.load(c);
      const keep = f32x4.splat(1 - as);
      if (mode <= MODE_DISSOLVE) {
        v128.store(c, f32x4.add(f32x4.mul(colour, f32x4.splat(as)), f32x4.mul(under, keep)));
        continue;
      }
      const ab = f32x4.extract_lane(under, 3);
      if (ab <= 0) {
        v128.store(c, f32x4.add(f32x4.mul(colour, f32x4.splat(as)), f32x4.mul(under, keep)));
        continue;
      }
      const fresh = as * (1 - ab);
      const mixed = as * ab;
      for (let ch = 0; ch < 3; ch++) {
        const cb = load<f32>(c + <usize>ch * 4);
        const cs = <f32>load<u8>(s + <usize>ch) * INV255;
        store<f32>(c + <usize>ch * 4, fresh * cs + mixed * blendChannel(mode, cb / ab, cs) + (1 - as) * cb);
      }
      store<f32>(c, as + ab * (1 - as), 12);
    }
  }
}

/** The canvas as straight RGBA8, rounded to the nearest, into `out`. */
export function read(canvas: usize, pixels: i32, out: usize): void {
  for (let i = 0; i < pixels; i++) {
    const c = canvas + <usize>i * 16;
    const o = out + <usize>i * 4;
    const a = load<f32>(c, 12);
    if (a <= 0) {
      store<u32>(o, 0);
      continue;
    }
    const inv: f32 = a >= 1 ? 255 : 255 / a;
    const v = f32x4.mul(v128.load(c), f32x4.replace_lane(f32x4.splat(inv), 3, 255));
    const rounded = i32x4.trunc_sat_f32x4_u(f32x4.add(f32x4.min(v, f32x4.splat(255)), f32x4.splat(0.5)));
    const packed = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(rounded, rounded), i16x8.splat(0));
    store<u32>(o, i32x4.extract_lane(packed, 0));
  }
}

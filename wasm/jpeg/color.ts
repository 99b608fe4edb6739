// Decoded planes to RGBA: JFIF's YCbCr to RGB in 16.16 fixed point, or grey; or, for four
// components, the ink amounts C, M, Y, K in the four bytes (YCCK's YCC turned to CMY first), for
// the colour engine to convert (src/image/icc.ts). Part of the JPEG decoder (jpegdec.ts).

/** Four bytes as four i32 lanes. */
@inline function widen(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

/**
 * Four components: ink amounts (0 none, 255 full). Adobe's files (an APP14 marker) store them
 * inverted, as Photoshop writes them, and with transform 2 as YCCK, whose YCC gives 255 - stored
 * CMY; without the marker they are taken as written (libjpeg's and LittleCMS's jpgicc's reading).
 */
function toInk(w: i32, h: i32, planes: usize, planeWidth: i32, planeSize: usize, out: usize, adobe: i32): void {
  for (let y = 0; y < h; y++) {
    const c0 = planes + <usize>(y * planeWidth);
    const row = out + <usize>(y * w) * 4;
    for (let x = 0; x < w; x++) {
      let c = <i32>load<u8>(c0 + <usize>x);
      let m = <i32>load<u8>(c0 + planeSize + <usize>x);
      let yy = <i32>load<u8>(c0 + planeSize * 2 + <usize>x);
      let k = <i32>load<u8>(c0 + planeSize * 3 + <usize>x);
      if (adobe == 2) {
        const luma = (c << 16) + 32768;
        const cb = m - 128;
        const cr = yy - 128;
        // YCC to RGB, which is 255 - the stored CMY: so the RGB values are the inks themselves.
        c = (luma + 91881 * cr) >> 16;
        m = (luma - 22554 * cb - 46802 * cr) >> 16;
        yy = (luma + 116130 * cb) >> 16;
        c = c < 0 ? 0 : c > 255 ? 255 : c;
        m = m < 0 ? 0 : m > 255 ? 255 : m;
        yy = yy < 0 ? 0 : yy > 255 ? 255 : yy;
        k = 255 - k;
      } else if (adobe >= 0) {
        c = 255 - c;
        m = 255 - m;
        yy = 255 - yy;
        k = 255 - k;
      }
      store<u32>(row + <usize>x * 4, <u32>c | (<u32>m << 8) | (<u32>yy << 16) | (<u32>k << 24));
    }
  }
}

/** Planes (one per component, `planeSize` apart) of w x h pixels to RGBA at `out`. */
export function toRgba(w: i32, h: i32, components: i32, planes: usize, planeWidth: i32, planeSize: usize, out: usize, adobe: i32): void {
  if (components == 4) {
    toInk(w, h, planes, planeWidth, planeSize, out, adobe);
    return;
  }
  for (let y = 0; y < h; y++) {
    const luma = planes + <usize>(y * planeWidth);
    const row = out + <usize>(y * w) * 4;
    if (components == 1) {
      for (let x = 0; x < w; x++) {
        const g = <u32>load<u8>(luma + <usize>x);
        store<u32>(row + <usize>x * 4, g | (g << 8) | (g << 16) | 0xff000000);
      }
      continue;
    }
    const cb = luma + planeSize;
    const cr = cb + planeSize;
    let x = 0;
    const zero = i32x4.splat(0);
    const top = i32x4.splat(255);
    for (; x + 4 <= w; x += 4) {
      const yy = i32x4.add(i32x4.shl(widen(luma + <usize>x), 16), i32x4.splat(32768));
      const b = i32x4.sub(widen(cb + <usize>x), i32x4.splat(128));
      const r = i32x4.sub(widen(cr + <usize>x), i32x4.splat(128));
      const red = i32x4.shr_s(i32x4.add(yy, i32x4.mul(r, i32x4.splat(91881))), 16);
      const green = i32x4.shr_s(i32x4.sub(yy, i32x4.add(i32x4.mul(b, i32x4.splat(22554)), i32x4.mul(r, i32x4.splat(46802)))), 16);
      const blue = i32x4.shr_s(i32x4.add(yy, i32x4.mul(b, i32x4.splat(116130))), 16);
      const rr = i32x4.min_s(i32x4.max_s(red, zero), top);
      const gg = i32x4.shl(i32x4.min_s(i32x4.max_s(green, zero), top), 8);
      const bb = i32x4.shl(i32x4.min_s(i32x4.max_s(blue, zero), top), 16);
      v128.store(row + <usize>x * 4, v128.or(v128.or(rr, gg), v128.or(bb, i32x4.splat(0xff000000))));
    }
    for (; x < w; x++) {
      const yy = (<i32>load<u8>(luma + <usize>x) << 16) + 32768;
      const b = <i32>load<u8>(cb + <usize>x) - 128;
      const r = <i32>load<u8>(cr + <usize>x) - 128;
      let red = (yy + 91881 * r) >> 16;
      let green = (yy - 22554 * b - 46802 * r) >> 16;
      let blue = (yy + 116130 * b) >> 16;
      red = red < 0 ? 0 : red > 255 ? 255 : red;
      green = green < 0 ? 0 : green > 255 ? 255 : green;
      blue = blue < 0 ? 0 : blue > 255 ? 255 : blue;
      store<u32>(row + <usize>x * 4, <u32>red | (<u32>green << 8) | (<u32>blue << 16) | 0xff000000);
    }
  }
}


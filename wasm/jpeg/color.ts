// Decoded planes to RGBA: JFIF's YCbCr to RGB in 16.16 fixed point, or grey; or, for four
// components, the ink amounts C, M, Y, K in the four bytes (YCCK's YCC turned to CMY first), for
// the colour engine to convert (src/image/icc.ts). Part of the JPEG decoder (jpegdec.ts).

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

/** (p w0 + q w1 + half) >> 16 for eight pairs (p, q), the weights packed as w0 | w1 << 16: eight i16 lanes. */
@inline function term(p: v128, q: v128, weights: v128, half: v128): v128 {
  const lo = i32x4.dot_i16x8_s(i8x16.shuffle(p, q, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), weights);
  const hi = i32x4.dot_i16x8_s(i8x16.shuffle(p, q, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), weights);
  return i16x8.narrow_i32x4_s(i32x4.shr_s(i32x4.add(lo, half), 16), i32x4.shr_s(i32x4.add(hi, half), 16));
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
    // Eight pixels a step in 16-bit lanes. (Y << 16 + 32768 + t) >> 16 is Y + ((t + 32768) >> 16),
    // and each product t comes whole from one dot product of a pair whose weights fit in 16 bits:
    // 91881 r = 31881 r + 30000 (2r), 22554 b + 46802 r = 22554 b + 23401 (2r), 116130 b = 2 b +
    // 29032 (4b). The same integers as the one-pixel formula below, without 32-bit multiplies;
    // narrowing to bytes clamps to 0..255.
    const half = i32x4.splat(32768);
    const opaque = i16x8.splat(255);
    for (; x + 8 <= w; x += 8) {
      const yy = i16x8.extend_low_i8x16_u(v128.load64_zero(luma + <usize>x));
      const b = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(cb + <usize>x)), i16x8.splat(128));
      const r = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(cr + <usize>x)), i16x8.splat(128));
      const r2 = i16x8.shl(r, 1);
      const red = term(r, r2, i32x4.splat(31881 | (30000 << 16)), half);
      const green = term(b, r2, i32x4.splat((-22554 & 0xffff) | (-23401 << 16)), half);
      const blue = term(b, i16x8.shl(b, 2), i32x4.splat(2 | (29032 << 16)), half);
      const rb = i8x16.narrow_i16x8_u(i16x8.add(yy, red), i16x8.add(yy, blue));
      const ga = i8x16.narrow_i16x8_u(i16x8.add(yy, green), opaque);
      const rg = i8x16.shuffle(rb, ga, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const ba = i8x16.shuffle(rb, ga, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      v128.store(row + <usize>x * 4, i8x16.shuffle(rg, ba, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
      v128.store(row + <usize>x * 4 + 16, i8x16.shuffle(rg, ba, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
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


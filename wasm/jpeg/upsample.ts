// Chroma upsampling at full size, as libjpeg's "fancy" upsampling (jdsample.c, on by default in
// libjpeg-turbo and MozJPEG): each output sample a triangle-weighted mix of its nearest input
// samples (3/4 and 1/4 across, 9/16, 3/16, 3/16, 1/16 for 2x2), with libjpeg's rounding and its
// edge cases, the first and last rows and columns repeated. Part of the JPEG decoder (jpegdec.ts).

/** Which component sampling this handles: twice across (h2v1), down (h1v2), or both (h2v2). 4:1:1 is replicated, as libjpeg does. */
export function fancyCase(fx: i32, fy: i32): bool {
  return (fx == 2 && (fy == 1 || fy == 2)) || (fx == 1 && fy == 2);
}

/**
 * Rows [from, to) of a component's decoded plane (`rows` real samples down, `cols` across, `stride`
 * apart; row `from` at src, and the rows either side of the range there too unless at the edge) to
 * twice its width (and with fy 2 twice its height) at dst, `dstStride` apart, from the first row of `from`'s.
 */
export function fancyUpsample(src: usize, stride: i32, cols: i32, from: i32, to: i32, rows: i32, fx: i32, fy: i32, dst: usize, dstStride: i32): void {
  for (let y = from; y < to; y++) {
    const here = src + <usize>((y - from) * stride);
    const out = dst + <usize>((y - from) * fy * dstStride);
    if (fy == 1) {
      h2v1(here, cols, out);
      continue;
    }
    // The rows above and below, the first and last repeated at the edges.
    const above = y > 0 ? here - <usize>stride : here;
    const below = y < rows - 1 ? here + <usize>stride : here;
    if (fx == 1) {
      h1v2(here, above, cols, out, 1);
      h1v2(here, below, cols, out + <usize>dstStride, 2);
    } else {
      h2v2(here, above, cols, out);
      h2v2(here, below, cols, out + <usize>dstStride);
    }
  }
}

@inline function at(row: usize, x: i32): i32 {
  return <i32>load<u8>(row + <usize>x);
}

/** libjpeg-turbo's h1v2_fancy_upsample, one output row: 3/4 of the sample, 1/4 of the one above or below. */
function h1v2(here: usize, other: usize, cols: i32, out: usize, bias: i32): void {
  for (let x = 0; x < cols; x++) store<u8>(out + <usize>x, <u8>((at(here, x) * 3 + at(other, x) + bias) >> 2));
}

/** Eight samples from `p` widened to i16 lanes. */
@inline function eight(p: usize): v128 {
  return i16x8.extend_low_i8x16_u(v128.load64_zero(p));
}

/** Sixteen output bytes from the even and odd outputs of eight samples (i16 lanes), interleaved. */
@inline function interleave(even: v128, odd: v128, out: usize): void {
  const packed = i8x16.narrow_i16x8_u(even, odd);
  v128.store(out, i8x16.shuffle(packed, packed, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
}

/** jdsample.c's h2v1_fancy_upsample: 3/4 of the sample, 1/4 of its neighbour; eight samples a step inside the row. */
function h2v1(row: usize, cols: i32, out: usize): void {
  if (cols == 1) {
    store<u8>(out, load<u8>(row));
    store<u8>(out + 1, load<u8>(row));
    return;
  }
  store<u8>(out, load<u8>(row));
  store<u8>(out + 1, <u8>((at(row, 0) * 3 + at(row, 1) + 2) >> 2));
  let x = 1;
  for (; x + 8 < cols; x += 8) {
    const p = row + <usize>x;
    const v = i16x8.mul(eight(p), i16x8.splat(3));
    const even = i16x8.shr_u(i16x8.add(i16x8.add(v, eight(p - 1)), i16x8.splat(1)), 2);
    const odd = i16x8.shr_u(i16x8.add(i16x8.add(v, eight(p + 1)), i16x8.splat(2)), 2);
    interleave(even, odd, out + <usize>(2 * x));
  }
  for (; x < cols - 1; x++) {
    const v = at(row, x) * 3;
    store<u8>(out + <usize>(2 * x), <u8>((v + at(row, x - 1) + 1) >> 2));
    store<u8>(out + <usize>(2 * x + 1), <u8>((v + at(row, x + 1) + 2) >> 2));
  }
  store<u8>(out + <usize>(2 * cols - 2), <u8>((at(row, cols - 1) * 3 + at(row, cols - 2) + 1) >> 2));
  store<u8>(out + <usize>(2 * cols - 1), load<u8>(row + <usize>(cols - 1)));
}

/** Column sums 3 * here + other of eight samples from x. */
@inline function columnSums(here: usize, other: usize, x: i32): v128 {
  return i16x8.add(i16x8.mul(eight(here + <usize>x), i16x8.splat(3)), eight(other + <usize>x));
}

/**
 * jdsample.c's h2v2_fancy_upsample, one output row: column sums 3 * here + other, then 3:1 across,
 * over 16; eight samples a step inside the row.
 */
function h2v2(here: usize, other: usize, cols: i32, out: usize): void {
  let self = at(here, 0) * 3 + at(other, 0);
  if (cols == 1) {
    store<u8>(out, <u8>((self * 4 + 8) >> 4));
    store<u8>(out + 1, <u8>((self * 4 + 7) >> 4));
    return;
  }
  let next = at(here, 1) * 3 + at(other, 1);
  store<u8>(out, <u8>((self * 4 + 8) >> 4));
  store<u8>(out + 1, <u8>((self * 3 + next + 7) >> 4));
  let x = 1;
  for (; x + 8 < cols; x += 8) {
    const centre = i16x8.mul(columnSums(here, other, x), i16x8.splat(3));
    const even = i16x8.shr_u(i16x8.add(i16x8.add(centre, columnSums(here, other, x - 1)), i16x8.splat(8)), 4);
    const odd = i16x8.shr_u(i16x8.add(i16x8.add(centre, columnSums(here, other, x + 1)), i16x8.splat(7)), 4);
    interleave(even, odd, out + <usize>(2 * x));
  }
  self = at(here, x - 1) * 3 + at(other, x - 1);
  next = at(here, x) * 3 + at(other, x);
  let last = self;
  for (; x < cols - 1; x++) {
    last = self;
    self = next;
    next = at(here, x + 1) * 3 + at(other, x + 1);
    store<u8>(out + <usize>(2 * x), <u8>((self * 3 + last + 8) >> 4));
    store<u8>(out + <usize>(2 * x + 1), <u8>((self * 3 + next + 7) >> 4));
  }
  last = self;
  self = next;
  store<u8>(out + <usize>(2 * cols - 2), <u8>((self * 3 + last + 8) >> 4));
  store<u8>(out + <usize>(2 * cols - 1), <u8>((self * 4 + 7) >> 4));
}

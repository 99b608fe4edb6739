// The transpose of an 8x8 block of f32 (rows 32 bytes apart), shared by the JPEG decoder's inverse
// DCT (jpeg/idct.ts) and the encoder's forward DCT (jpegenc.ts): both run a 1-D transform down the
// lanes of eight vectors, transpose, and run it again.

/** The block at `from` transposed to `to` (which must not overlap it), as four 4x4 blocks. */
export function transpose8(from: usize, to: usize): void {
  transpose4(from, to);
  transpose4(from + 16, to + 128);
  transpose4(from + 128, to + 16);
  transpose4(from + 144, to + 144);
}

@inline function transpose4(from: usize, to: usize): void {
  const a = v128.load(from);
  const b = v128.load(from + 32);
  const c = v128.load(from + 64);
  const d = v128.load(from + 96);
  const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(to, i32x4.shuffle(ab0, cd0, 0, 1, 4, 5));
  v128.store(to + 32, i32x4.shuffle(ab0, cd0, 2, 3, 6, 7));
  v128.store(to + 64, i32x4.shuffle(ab1, cd1, 0, 1, 4, 5));
  v128.store(to + 96, i32x4.shuffle(ab1, cd1, 2, 3, 6, 7));
}

// Transposes of f32 blocks, shared by the JPEG decoder's inverse DCTs (jpeg/idct.ts) and the
// encoder's forward DCT (jpegenc.ts): each runs a 1-D transform down the lanes of a block's vectors,
// transposes, and runs it again.

/** The block at `from` transposed to `to` (which must not overlap it), as four 4x4 blocks. */
export function transpose8(from: usize, to: usize): void {
  transpose4(from, to, 32);
  transpose4(from + 16, to + 128, 32);
  transpose4(from + 128, to + 16, 32);
  transpose4(from + 144, to + 144, 32);
}

/** A 4x4 block of f32 whose rows lie `stride` bytes apart; `to` may be `from` (all is read first). */
@inline export function transpose4(from: usize, to: usize, stride: usize): void {
  const a = v128.load(from);
  const b = v128.load(from + stride);
  const c = v128.load(from + stride * 2);
  const d = v128.load(from + stride * 3);
  const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(to, i32x4.shuffle(ab0, cd0, 0, 1, 4, 5));
  v128.store(to + stride, i32x4.shuffle(ab0, cd0, 2, 3, 6, 7));
  v128.store(to + stride * 2, i32x4.shuffle(ab1, cd1, 0, 1, 4, 5));
  v128.store(to + stride * 3, i32x4.shuffle(ab1, cd1, 2, 3, 6, 7));
}

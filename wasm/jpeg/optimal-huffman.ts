// Optimal Huffman tables for the JPEG encoder (jpegenc.ts): symbol counts, then codes limited to
// 16 bits (ITU T.81 K.2, as libjpeg's jpeg_gen_optimal_table) and the DHT segments' counts and values.

// Symbol counts and code tables: index 0 luma DC, 1 luma AC, 2 chroma DC, 3 chroma AC.
export const FREQ: usize = memory.data(4 * 257 * 4, 16);
export const CODE: usize = memory.data(4 * 256 * 4, 16); // code << 8 | length
export const BITS: usize = memory.data(4 * 17, 16); // counts per length 1..16, as DHT writes them
export const VALUES: usize = memory.data(4 * 256, 16);
const SIZES: usize = memory.data(257 * 4, 16);
const OTHERS: usize = memory.data(257 * 4, 16);
const LENGTHS: usize = memory.data(33 * 4, 16);
const MERGED: usize = memory.data(257 * 4, 16); // frequencies as the tree merges them
const USED: usize = memory.data(257 * 4, 16); // the symbols that occur

@inline export function count(table: i32, symbol: i32): void {
  const at = FREQ + <usize>(table * 257 + symbol) * 4;
  store<i32>(at, load<i32>(at) + 1);
}

/**
 * An optimal table limited to 16-bit codes (ITU T.81 K.2, as libjpeg's jpeg_gen_optimal_table);
 * returns the bits its symbols will take, extra bits included.
 */
export function buildTable(table: i32): f64 {
  const freq = FREQ + <usize>(table * 257) * 4;
  let coded: f64 = 0;
  for (let s = 0; s < 256; s++) coded += <f64>load<i32>(freq + <usize>s * 4) * <f64>(table & 1 ? s & 15 : s);
  // One reserved code point, so no real code is all ones.
  store<i32>(freq + 256 * 4, 1);
  memory.fill(SIZES, 0, 257 * 4);
  for (let i = 0; i < 257; i++) store<i32>(OTHERS + <usize>i * 4, -1);
  const work = MERGED;
  memory.copy(work, freq, 257 * 4);
  // The searches below only visit the symbols that occur, in increasing order as K.2 has it.
  let used = 0;
  for (let i = 0; i <= 256; i++) if (load<i32>(work + <usize>i * 4) != 0) store<i32>(USED + <usize>(used++) * 4, i);
  while (true) {
    let c1 = -1;
    let v: i32 = i32.MAX_VALUE;
    for (let j = 0; j < used; j++) {
      const i = load<i32>(USED + <usize>j * 4);
      const f = load<i32>(work + <usize>i * 4);
      if (f != 0 && f <= v) {
        v = f;
        c1 = i;
      }
    }
    let c2 = -1;
    v = i32.MAX_VALUE;
    for (let j = 0; j < used; j++) {
      const i = load<i32>(USED + <usize>j * 4);
      const f = load<i32>(work + <usize>i * 4);
      if (f != 0 && f <= v && i != c1) {
        v = f;
        c2 = i;
      }
    }
    if (c2 < 0) break;
    store<i32>(work + <usize>c1 * 4, load<i32>(work + <usize>c1 * 4) + load<i32>(work + <usize>c2 * 4));
    store<i32>(work + <usize>c2 * 4, 0);
    bump(c1);
    while (load<i32>(OTHERS + <usize>c1 * 4) >= 0) {
      c1 = load<i32>(OTHERS + <usize>c1 * 4);
      bump(c1);
    }
    store<i32>(OTHERS + <usize>c1 * 4, c2);
    bump(c2);
    while (load<i32>(OTHERS + <usize>c2 * 4) >= 0) {
      c2 = load<i32>(OTHERS + <usize>c2 * 4);
      bump(c2);
    }
  }
  memory.fill(LENGTHS, 0, 33 * 4);
  for (let i = 0; i <= 256; i++) {
    const size = load<i32>(SIZES + <usize>i * 4);
    if (size > 0) store<i32>(LENGTHS + <usize>size * 4, load<i32>(LENGTHS + <usize>size * 4) + 1);
  }
  for (let i = 32; i > 16; i--) {
    while (load<i32>(LENGTHS + <usize>i * 4) > 0) {
      let j = i - 2;
      while (load<i32>(LENGTHS + <usize>j * 4) == 0) j--;
      addLength(i, -2);
      addLength(i - 1, 1);
      addLength(j + 1, 2);
      addLength(j, -1);
    }
  }
  let longest = 16;
  while (load<i32>(LENGTHS + <usize>longest * 4) == 0) longest--;
  addLength(longest, -1); // the reserved code point goes
  const bits = BITS + <usize>table * 17;
  for (let l = 1; l <= 16; l++) store<u8>(bits + <usize>l, <u8>load<i32>(LENGTHS + <usize>l * 4));
  // Symbols by code length, then canonical codes.
  const values = VALUES + <usize>table * 256;
  let p = 0;
  for (let l = 1; l <= 32; l++) {
    for (let s = 0; s < 256; s++) {
      if (load<i32>(SIZES + <usize>s * 4) == l) store<u8>(values + <usize>(p++), <u8>s);
    }
  }
  const codes = CODE + <usize>(table * 256) * 4;
  memory.fill(codes, 0, 256 * 4);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = <i32>load<u8>(bits + <usize>l);
    for (let i = 0; i < n; i++) {
      const s = <i32>load<u8>(values + <usize>(k++));
      store<i32>(codes + <usize>s * 4, (code << 8) | l);
      coded += <f64>load<i32>(freq + <usize>s * 4) * <f64>l;
      code++;
    }
    code <<= 1;
  }
  return coded;
}

@inline function bump(symbol: i32): void {
  store<i32>(SIZES + <usize>symbol * 4, load<i32>(SIZES + <usize>symbol * 4) + 1);
}

@inline function addLength(length: i32, delta: i32): void {
  store<i32>(LENGTHS + <usize>length * 4, load<i32>(LENGTHS + <usize>length * 4) + delta);
}

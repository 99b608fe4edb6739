// Huffman tables (DHT) as the entropy decoder reads them: a 9-bit lookahead, maxcode and value
// offsets for longer codes, and a lookahead that decodes a whole small coefficient or DC difference
// at once, as stb_image does for AC. Part of the JPEG decoder (jpegdec.ts).

// Huffman tables 0-3 DC, 4-7 AC. Each: a 9-bit lookahead (u16: length << 8 | symbol, 0 = longer
// code), maxcode[17] and valueOffset[17] (i32), the 256 symbols, then a FAST_BITS lookahead that
// decodes a whole small value at once (i16: value << 8 | run << 4 | code and value bits; 0 = use
// the first; in AC tables value 0 = end of block or sixteen zeros).
export const LOOKAHEAD: i32 = 9;
// Wider for whole coefficients: a code and its value bits often pass 9 bits together. 12 rather
// than 11, in alternated runs: the standard photo's 1/2 decode 15.5 to 15.2 ms, its 1/8 8.3 to
// 8.05 ms (its q90 coefficients are large); 13 gained nothing more, and needs another page.
export const FAST_BITS: i32 = 12;
export const FAST: usize = 1024 + 68 + 68 + 256;
// After FAST, for AC tables: SKIP (u16 per SKIP_BITS pattern), the whole symbols that pattern
// holds, for a decode that keeps no AC coefficient (decodeBlock's dcOnly in entropy.ts), then a
// flag saying whether SKIP is built (on first use: a tile's decode never needs it).
export const SKIP_BITS: i32 = 13;
export const SKIP: usize = FAST + (2 << FAST_BITS);
const SKIP_BUILT: usize = SKIP + (2 << SKIP_BITS);
export const TABLE_BYTES: usize = SKIP_BUILT + 16;
export const HUFF: usize = memory.data(8 * <i32>TABLE_BYTES, 16);

@inline export function extend(value: i32, size: i32): i32 {
  return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
}


export function defineHuffman(p: usize, end: usize): usize {
  const tc = <i32>load<u8>(p) >> 4;
  const th = <i32>load<u8>(p) & 15;
  if (tc > 1 || th > 3 || p + 17 > end) return 0;
  const table = HUFF + <usize>(tc * 4 + th) * TABLE_BYTES;
  const lookahead = table;
  const maxcode = table + 1024;
  const offsets = maxcode + 68;
  const symbols = offsets + 68;
  memory.fill(lookahead, 0, 1024);
  memory.fill(table + FAST, 0, 2 << FAST_BITS);
  store<u8>(table + SKIP_BUILT, 0);
  let total: i32 = 0;
  for (let l = 1; l <= 16; l++) total += load<u8>(p + <usize>l);
  if (total > 256 || p + 17 + <usize>total > end) return 0;
  memory.copy(symbols, p + 17, total);
  let code: i32 = 0;
  let k: i32 = 0;
  for (let l = 1; l <= 16; l++) {
    const count = <i32>load<u8>(p + <usize>l);
    store<i32>(offsets + <usize>l * 4, k - code);
    for (let i = 0; i < count; i++) {
      // A code space overflow means a malformed table (and would write past the lookahead).
      if (code >= 1 << l) return 0;
      if (l <= LOOKAHEAD) {
        // Every LOOKAHEAD-bit pattern that starts with this code.
        const shift = LOOKAHEAD - l;
        const first = code << shift;
        const entry = <u16>((l << 8) | <i32>load<u8>(symbols + <usize>k));
        for (let j = 0; j < 1 << shift; j++) store<u16>(lookahead + <usize>(first + j) * 2, entry);
      }
      if (l <= FAST_BITS) {
        if (tc == 1) fastAc(table + FAST, code, l, <i32>load<u8>(symbols + <usize>k));
        else fastDc(table + FAST, code, l, <i32>load<u8>(symbols + <usize>k));
      }
      code++;
      k++;
    }
    store<i32>(maxcode + <usize>l * 4, count > 0 ? code - 1 : -1);
    code <<= 1;
  }
  return p + 17 + <usize>total;
}

/** The same for a DC difference (the symbol is its size): value << 8 | code and value bits. */
function fastDc(fast: usize, code: i32, length: i32, size: i32): void {
  if (length + size > FAST_BITS) return;
  const shift = FAST_BITS - length;
  for (let j = 0; j < 1 << shift; j++) {
    const value = size == 0 ? 0 : extend((j >> (shift - size)) & ((1 << size) - 1), size);
    if (value < -128 || value > 127) continue;
    store<i16>(fast + <usize>((code << shift) | j) * 2, <i16>((value << 8) | (length + size)));
  }
}

/**
 * Fast entries for every lookahead pattern starting with this code, when its value fits too. End of
 * block (0x00) and sixteen zeros (0xf0) get entries of value 0, which no coefficient has: every
 * block ends with one, and the sequential decoder's AC loop (decodeBlock) takes them here, as
 * skipTable does.
 */
function fastAc(fast: usize, code: i32, length: i32, symbol: i32): void {
  const run = symbol >> 4;
  const size = symbol & 15;
  if (size == 0) {
    if (run != 0 && run != 15) return;
    const shift = FAST_BITS - length;
    for (let j = 0; j < 1 << shift; j++) store<i16>(fast + <usize>((code << shift) | j) * 2, <i16>((run << 4) | length));
    return;
  }
  if (length + size > FAST_BITS) return;
  const shift = FAST_BITS - length;
  for (let j = 0; j < 1 << shift; j++) {
    const value = extend((j >> (shift - size)) & ((1 << size) - 1), size);
    if (value < -128 || value > 127) continue;
    store<i16>(fast + <usize>((code << shift) | j) * 2, <i16>((value << 8) | (run << 4) | (length + size)));
  }
}

/**
 * The AC table's SKIP entries, once: for each SKIP_BITS pattern, as many whole symbols (code and
 * value bits) as it holds, read as fastAc's entries would read them one by one, stopping after an
 * end of block and before sixteen zeros or a symbol that does not fit. Each entry: the bits they
 * take (bits 0-3), the coefficients they move past (their runs plus one each, bits 4-10), and
 * bit 11 when the last is the end of block; 0 when not even the first symbol fits.
 */
export function skipTable(table: usize): usize {
  const skip = table + SKIP;
  if (load<u8>(table + SKIP_BUILT) != 0) return skip;
  const fast = table + FAST;
  const mask = (1 << SKIP_BITS) - 1;
  for (let pattern = 0; pattern <= mask; pattern++) {
    let used = 0;
    let advance = 0;
    let end = 0;
    while (used < SKIP_BITS) {
      const entry = <i32>load<i16>(fast + <usize>(((pattern << used) & mask) >> (SKIP_BITS - FAST_BITS)) * 2);
      const length = entry & 15;
      // The bits past `used` that the pattern does not hold are zeros here: a symbol counts only
      // when all of its bits are the pattern's.
      if (entry == 0 || length > SKIP_BITS - used) break;
      if (entry >> 8 == 0) {
        if ((entry & 0xf0) == 0) {
          used += length;
          end = 1;
        }
        break;
      }
      used += length;
      advance += ((entry >> 4) & 15) + 1;
    }
    store<u16>(skip + <usize>pattern * 2, <u16>(used == 0 ? 0 : used | (advance << 4) | (end << 11)));
  }
  store<u8>(table + SKIP_BUILT, 1);
  return skip;
}

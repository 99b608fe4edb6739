/**
 * The decompressors a TIFF strip or tile needs that node:zlib does not give: LZW (TIFF 6.0 section
 * 13, MSB-first codes with the early change) and PackBits (section 9). Each writes at most `limit`
 * bytes, what the strip's header promises, so a hostile stream costs no more than a valid one.
 */
export class DamagedTiff extends Error {}

const CLEAR = 256;
const END = 257;

export function lzwDecode(input: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  // Every entry is some earlier output plus one byte, and so lies in the output already: an entry
  // is where it starts there and its length, and emitting it a copy (no string table to build).
  const starts = new Int32Array(4096);
  const lengths = new Int32Array(4096);
  let next = 258;
  let width = 9;
  let previous = -1;
  let previousLength = 0;
  let o = 0;
  let bit = 0;
  const bits = input.length * 8;
  while (bit + width <= bits && o < limit) {
    const at = bit >> 3;
    const window = (input[at]! << 16) | ((input[at + 1] ?? 0) << 8) | (input[at + 2] ?? 0);
    const code = (window >> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === END) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      previous = -1;
      continue;
    }
    const start = o;
    let length: number;
    if (code < 256) {
      out[o++] = code;
      length = 1;
    } else if (code < next) {
      length = lengths[code]!;
      const from = starts[code]!;
      const n = Math.min(length, limit - o);
      for (let k = 0; k < n; k++) out[o + k] = out[from + k]!;
      o += n;
    } else if (code === next && previous >= 0) {
      // The entry being defined: the previous output and its own first byte.
      length = previousLength + 1;
      const n = Math.min(length, limit - o);
      for (let k = 0; k < n; k++) out[o + k] = out[previous + (k < previousLength ? k : 0)]!;
      o += n;
    } else {
      throw new DamagedTiff('The source image is corrupt: a bad LZW code in a TIFF strip');
    }
    if (previous >= 0 && next < 4096) {
      starts[next] = previous;
      lengths[next] = previousLength + 1;
      next++;
    }
    previous = start;
    previousLength = length;
    // The early change: the code width grows one code before the dictionary needs it.
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return o === limit ? out : out.subarray(0, o);
}

export function packBitsDecode(input: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let o = 0;
  for (let i = 0; i < input.length && o < limit; ) {
    const n = (input[i++]! << 24) >> 24;
    if (n >= 0) {
      const run = Math.min(n + 1, limit - o, input.length - i);
      out.set(input.subarray(i, i + run), o);
      o += run;
      i += n + 1;
    } else if (n !== -128) {
      const run = Math.min(1 - n, limit - o);
      out.fill(input[i++] ?? 0, o, o + run);
      o += run;
    }
  }
  return o === limit ? out : out.subarray(0, o);
}

const REVERSED = Uint8Array.from({ length: 256 }, (_, v) => {
  let r = 0;
  for (let b = 0; b < 8; b++) r |= ((v >> b) & 1) << (7 - b);
  return r;
});

/** FillOrder 2's bytes with their bits in the usual order. */
export const reverseBits = (input: Uint8Array) => input.map((v) => REVERSED[v]!);

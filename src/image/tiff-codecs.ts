/**
 * The TIFF compressions node:zlib does not give: LZW (TIFF 6.0 section 13, MSB-first codes with
 * the early change) and PackBits (section 9), both ways. Each decoder writes at most `limit` bytes,
 * what the strip's header promises, so a hostile stream costs no more than a valid one.
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

/**
 * LZW as the decoder above reads it (and libtiff writes it): a Clear code first, codes widening one
 * code early, a Clear when the table is full (4094 entries, as libtiff), an End code last. The table
 * is a hash of (prefix code, byte), so no string is ever built.
 */
export function lzwEncode(input: Uint8Array): Uint8Array {
  // Worst case: a 12-bit code a byte, plus the Clear codes and the End code.
  const out = new Uint8Array(Math.ceil(input.length * 1.5) + 16);
  const keys = new Int32Array(1 << 14);
  const codes = new Uint16Array(1 << 14);
  let o = 0;
  let buffer = 0;
  let held = 0;
  const emit = (code: number, bits: number) => {
    buffer = (buffer << bits) | code;
    held += bits;
    while (held >= 8) {
      held -= 8;
      out[o++] = (buffer >>> held) & 0xff;
    }
    buffer &= (1 << held) - 1;
  };
  let width = 9;
  let next = 258;
  keys.fill(-1);
  emit(CLEAR, 9);
  if (input.length > 0) {
    let prefix = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const key = (prefix << 8) | input[i]!;
      let h = Math.imul(key, 0x9e3779b1) >>> 18;
      while (keys[h] !== -1 && keys[h] !== key) h = (h + 1) & 0x3fff;
      if (keys[h] === key) {
        prefix = codes[h]!;
        continue;
      }
      emit(prefix, width);
      keys[h] = key;
      codes[h] = next++;
      if (next === 4094) {
        emit(CLEAR, width);
        keys.fill(-1);
        next = 258;
        width = 9;
      } else if (next >= 1 << width && width < 12) width++;
      prefix = input[i]!;
    }
    emit(prefix, width);
    // The decoder widens after this last code as after any other, before it reads the End code.
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  emit(END, width);
  if (held > 0) out[o++] = (buffer << (8 - held)) & 0xff;
  return out.slice(0, o);
}

/** PackBits, each of `rows` rows of `rowBytes` packed on its own (runs never cross a row, as TIFF asks). */
export function packBitsEncode(input: Uint8Array, rowBytes: number): Uint8Array {
  const out = new Uint8Array(input.length + Math.ceil(input.length / rowBytes) * Math.ceil(rowBytes / 128));
  let o = 0;
  for (let row = 0; row < input.length; row += rowBytes) {
    const end = Math.min(input.length, row + rowBytes);
    let i = row;
    while (i < end) {
      let run = 1;
      while (i + run < end && run < 128 && input[i + run] === input[i]) run++;
      if (run >= 2) {
        out[o++] = 257 - run;
        out[o++] = input[i]!;
        i += run;
        continue;
      }
      // Literals until the next run of at least three (a pair inside literals costs nothing more), or 128 bytes.
      let n = 1;
      while (i + n < end && n < 128 && !(i + n + 2 < end && input[i + n] === input[i + n + 1] && input[i + n] === input[i + n + 2])) n++;
      out[o++] = n - 1;
      out.set(input.subarray(i, i + n), o);
      o += n;
      i += n;
    }
  }
  return out.slice(0, o);
}

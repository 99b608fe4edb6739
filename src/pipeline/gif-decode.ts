import { gifHeader, type GifHeader } from '../planning/gif-header.ts';
import { corrupt, type Span } from '../planning/raster-header.ts';
import type { DecodedRaster } from './decoded-raster.ts';

const F = 'GIF';
const MAX_CODES = 4096;

/** The first frame on the screen, RGBA8. */
export function decodeGif(bytes: Uint8Array): DecodedRaster {
  const h = gifHeader(bytes);
  const { frame } = h;
  const indices = new Uint8Array(frame.width * frame.height);
  if (lzw(blocks(bytes, h.data), h.codeSize, indices) < indices.length) throw corrupt(F, 'first frame ends early');
  const data = new Uint8ClampedArray(h.width * h.height * 4);
  const words = new Uint32Array(data.buffer);
  const table = colourTable(bytes, h);
  const rows = frame.interlaced ? interlacedRows(frame.height) : undefined;
  const columns = Math.min(frame.width, h.width - frame.left);
  for (let r = 0; r < frame.height; r++) {
    const y = frame.top + (rows ? rows[r]! : r);
    if (y >= h.height) continue;
    const from = r * frame.width;
    const to = y * h.width + frame.left;
    for (let x = 0; x < columns; x++) words[to + x] = table[indices[from + x]!]!;
  }
  return { data, width: h.width, height: h.height };
}

/**
 * The 256 possible indices as RGBA words (as a little-endian host's Uint32Array sees RGBA bytes):
 * the transparent one 0, those past the table opaque black, as browsers show them.
 */
function colourTable(b: Uint8Array, h: GifHeader): Uint32Array {
  const table = new Uint32Array(256).fill(0xff000000);
  for (let v = 0; v * 3 < h.palette.length && v < 256; v++) {
    const p = h.palette.offset + v * 3;
    table[v] = (0xff000000 | (b[p + 2]! << 16) | (b[p + 1]! << 8) | b[p]!) >>> 0;
  }
  if (h.transparentIndex !== undefined) table[h.transparentIndex] = 0;
  return table;
}

/** The frame's data sub-blocks joined. */
function blocks(b: Uint8Array, data: Span): Uint8Array {
  const out = new Uint8Array(data.length);
  let o = 0;
  for (let at = data.offset; b[at]! > 0; at += b[at]! + 1) {
    out.set(b.subarray(at + 1, at + 1 + b[at]!), o);
    o += b[at]!;
  }
  return out.subarray(0, o);
}

/** Decoded row r is the image's row rows[r]: every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
function interlacedRows(height: number): Uint32Array {
  const rows = new Uint32Array(height);
  let r = 0;
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) for (let y = start; y < height; y += step) rows[r++] = y;
  return rows;
}

/**
 * GIF's LZW (codes from the least significant bit, growing from codeSize + 1 to 12 bits) into
 * `out`, never past its end: the work is bounded by the output and the input. Returns the indices
 * written; a code the table does not hold yet is damage.
 */
function lzw(input: Uint8Array, codeSize: number, out: Uint8Array): number {
  const clear = 1 << codeSize;
  const prefix = new Uint16Array(MAX_CODES);
  const suffix = new Uint8Array(MAX_CODES);
  const lengths = new Uint16Array(MAX_CODES);
  const firsts = new Uint8Array(MAX_CODES);
  for (let c = 0; c < clear; c++) {
    suffix[c] = firsts[c] = c;
    lengths[c] = 1;
  }
  let size = codeSize + 1;
  let next = clear + 2;
  let previous = -1;
  let bits = 0;
  let buffer = 0;
  let i = 0;
  let o = 0;
  const limit = out.length;
  while (o < limit) {
    while (bits < size && i < input.length) {
      buffer |= input[i++]! << bits;
      bits += 8;
    }
    if (bits < size) break;
    const code = buffer & ((1 << size) - 1);
    buffer >>>= size;
    bits -= size;
    if (code === clear) {
      size = codeSize + 1;
      next = clear + 2;
      previous = -1;
      continue;
    }
    if (code === clear + 1) break;
    if (previous < 0) {
      if (code > clear) throw corrupt(F, 'LZW data starts with a code its table does not hold');
      out[o++] = code;
      previous = code;
      continue;
    }
    if (code > next || (code === next && next >= MAX_CODES)) throw corrupt(F, 'LZW data holds a code its table does not hold');
    if (next < MAX_CODES) {
      prefix[next] = previous;
      suffix[next] = firsts[code === next ? previous : code]!;
      firsts[next] = firsts[previous]!;
      lengths[next] = lengths[previous]! + 1;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    // The code's string written from its end back, the part past the frame left out.
    const length = lengths[code]!;
    let c = code;
    for (let k = o + length - 1; k >= o; k--, c = prefix[c]!) if (k < limit) out[k] = suffix[c]!;
    o += length;
    previous = code;
  }
  return Math.min(o, limit);
}

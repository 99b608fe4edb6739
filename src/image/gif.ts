import { corrupt, viewOf, type DecodedRaster, type RasterHeader, type Span, type Step } from './raster-source.ts';

/**
 * GIF, the first frame: the header walk reads the screen, the colour tables, the first frame's
 * descriptor and graphic control (its transparent index) and counts the frames, each block's
 * length checked against the file; the decode expands the first frame's LZW codes into exactly
 * its width x height indices (never past them, whatever the codes say), undoes the interlace and
 * places it on the screen: the palette's transparent entry, and the screen outside the frame, are
 * transparent. A file whose first frame is cut short is damaged; frames after it are only counted.
 */
export interface GifHeader extends RasterHeader {
  frame: { left: number; top: number; width: number; height: number; interlaced: boolean };
  /** The first frame's colour table (its own, or the global one), three bytes an entry. */
  palette: Span;
  transparentIndex?: number;
  /** The first frame's LZW minimum code size, and its data's sub-blocks (lengths included). */
  codeSize: number;
  data: Span;
}

const F = 'GIF';
const MAX_CODES = 4096;

export const isGif = (b: Uint8Array) => b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61;

/** Past the sub-blocks starting at `at`: where the terminator's next byte is, or -1 if the file ends first. */
function skipBlocks(b: Uint8Array, at: number): number {
  while (at < b.length) {
    const n = b[at]!;
    if (n === 0) return at + 1;
    at += n + 1;
  }
  return -1;
}

export function gifHeader(b: Uint8Array, step: Step = () => {}): GifHeader {
  if (!isGif(b)) throw corrupt(F, 'file without its signature');
  if (b.length < 13) throw corrupt(F, 'header is truncated');
  const view = viewOf(b);
  let width = view.getUint16(6, true);
  let height = view.getUint16(8, true);
  const flags = b[10]!;
  let at = 13;
  let global: Span | undefined;
  if (flags & 0x80) {
    global = { offset: at, length: 3 << ((flags & 7) + 1) };
    at += global.length;
    if (at > b.length) throw corrupt(F, 'global colour table is truncated');
  }
  let first: Omit<GifHeader, keyof RasterHeader> | undefined;
  let transparent: number | undefined;
  let xmp: Span | undefined;
  let frames = 0;
  while (at < b.length && b[at] !== 0x3b) {
    step();
    const kind = b[at]!;
    if (kind === 0x21) {
      if (at + 2 > b.length) break;
      const label = b[at + 1]!;
      if (!first && label === 0xf9 && b[at + 2] === 4 && at + 7 <= b.length) transparent = b[at + 3]! & 1 ? b[at + 6] : undefined;
      const end = skipBlocks(b, at + 2);
      if (end < 0) break;
      if (label === 0xff && b[at + 2] === 11 && String.fromCharCode(...b.subarray(at + 3, at + 14)) === 'XMP DataXMP') xmp = xmpSpan(at + 14, end);
      at = end;
    } else if (kind === 0x2c) {
      if (at + 10 > b.length) break;
      const f = b[at + 9]!;
      const local = f & 0x80 ? { offset: at + 10, length: 3 << ((f & 7) + 1) } : undefined;
      const dataAt = at + 10 + (local?.length ?? 0);
      const end = dataAt < b.length ? skipBlocks(b, dataAt + 1) : -1;
      if (end < 0) break;
      if (!first) {
        const palette = local ?? global;
        if (!palette) throw corrupt(F, 'first frame has no colour table');
        const frame = { left: view.getUint16(at + 1, true), top: view.getUint16(at + 3, true), width: view.getUint16(at + 5, true), height: view.getUint16(at + 7, true), interlaced: (f & 0x40) !== 0 };
        if (frame.width === 0 || frame.height === 0) throw corrupt(F, 'first frame has no size');
        const codeSize = b[dataAt]!;
        if (codeSize < 2 || codeSize > 8) throw corrupt(F, `first frame with an LZW code size of ${codeSize}`);
        first = { frame, palette, codeSize, data: { offset: dataAt + 1, length: end - dataAt - 1 }, ...(transparent !== undefined ? { transparentIndex: transparent } : {}) };
      }
      frames++;
      at = end;
    } else {
      if (!first) throw corrupt(F, `block of unknown kind 0x${kind.toString(16)}`);
      break;
    }
  }
  if (!first) throw corrupt(F, 'file ends before its first frame is whole');
  // A screen of no size (some writers leave it so) is the first frame's.
  if (width === 0 || height === 0) [width, height] = [first.frame.left + first.frame.width, first.frame.top + first.frame.height];
  const f = first.frame;
  const covers = f.left === 0 && f.top === 0 && f.width >= width && f.height >= height;
  return {
    width,
    height,
    pixelType: 'indexed',
    bits: 8,
    alpha: first.transparentIndex !== undefined || !covers ? 'unassociated' : 'none',
    ...(xmp ? { xmp } : {}),
    orientation: 1,
    pages: frames,
    ...first,
  };
}

/** XMP's application extension: the packet as raw bytes, then a 258-byte "magic trailer" that makes them read as sub-blocks. */
function xmpSpan(start: number, end: number): Span | undefined {
  const length = end - start - 258;
  return length > 0 ? { offset: start, length } : undefined;
}

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

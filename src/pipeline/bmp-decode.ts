import { bmpHeader, maskShape, type BmpHeader } from '../planning/bmp-header.ts';
import { corrupt, viewOf } from '../planning/raster-header.ts';
import type { DecodedRaster } from './decoded-raster.ts';

/**
 * A BMP to RGBA8: palette indices of 1, 4 and 8 bits (stored or RLE), 16- and 32-bit bit fields,
 * 24-bit BGR; bottom-up rows turned over. A field narrower than 8 bits is widened by repeating its
 * bits (5-bit 31 is 255, as ImageMagick and Windows read it). Pixels an RLE image skips (by its
 * delta or an early end) are the palette's first colour; an index past the palette is black.
 */
export function decodeBmp(bytes: Uint8Array): DecodedRaster {
  const h = bmpHeader(bytes);
  const data = new Uint8ClampedArray(h.width * h.height * 4);
  const words = new Uint32Array(data.buffer);
  const rowAt = (r: number) => (h.topDown ? r : h.height - 1 - r) * h.width;
  if (h.palette) {
    const table = colourTable(bytes, h);
    if (h.compression === 'none') indexedRows(bytes, h, (r, x, v) => (words[rowAt(r) + x] = table[v]!));
    else {
      words.fill(table[0]!);
      rle(bytes, h, (r, x, v) => (words[rowAt(r) + x] = table[v]!));
    }
  } else if (h.bitCount === 24) {
    for (let r = 0; r < h.height; r++) {
      const from = h.dataOffset + r * h.stride;
      const to = rowAt(r);
      for (let x = 0; x < h.width; x++) {
        const i = from + x * 3;
        // Stored blue, green, red: as a little-endian word, red is the low byte.
        words[to + x] = (0xff000000 | (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!) >>> 0;
      }
    }
  } else fieldRows(bytes, h, data, rowAt);
  return { data, width: h.width, height: h.height };
}

/** The palette as RGBA words (little-endian), 256 of them: indices past the table black. */
function colourTable(b: Uint8Array, h: BmpHeader): Uint32Array {
  const p = h.palette!;
  const table = new Uint32Array(256).fill(0xff000000);
  for (let v = 0; v < p.length / p.entrySize; v++) {
    const at = p.offset + v * p.entrySize;
    table[v] = (0xff000000 | (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!) >>> 0;
  }
  return table;
}

function indexedRows(b: Uint8Array, h: BmpHeader, put: (r: number, x: number, v: number) => void): void {
  const bits = h.bitCount;
  const mask = (1 << bits) - 1;
  for (let r = 0; r < h.height; r++) {
    const from = h.dataOffset + r * h.stride;
    for (let x = 0; x < h.width; x++) {
      const bit = x * bits;
      put(r, x, (b[from + (bit >> 3)]! >> (8 - bits - (bit & 7))) & mask);
    }
  }
}

/**
 * A field as a lookup: its value (shifted down to its top 8 bits when wider) to 8 bits, narrower
 * fields widened by repeating their bits; no field (no alpha) is 255.
 */
function field(mask: number) {
  const { shift, bits } = maskShape(mask);
  const kept = Math.min(bits, 8);
  const table = Uint8Array.from({ length: 1 << kept }, (_, v) => {
    if (kept === 0) return 255;
    let x = v;
    let n = kept;
    for (; n < 8; n += kept) x = (x << kept) | v;
    return x >>> (n - 8);
  });
  return { mask, shift: shift + bits - kept, table };
}

/** 16- and 32-bit pixels through their bit fields: a 16-bit pixel's every value looked up at once. */
function fieldRows(b: Uint8Array, h: BmpHeader, data: Uint8ClampedArray, rowAt: (r: number) => number): void {
  const view = viewOf(b);
  const words = new Uint32Array(data.buffer);
  const [r, g, bl, a] = h.masks!.map(field) as [ReturnType<typeof field>, ReturnType<typeof field>, ReturnType<typeof field>, ReturnType<typeof field>];
  const word = (p: number) =>
    ((a.table[(p & a.mask) >>> a.shift]! << 24) | (bl.table[(p & bl.mask) >>> bl.shift]! << 16) | (g.table[(p & g.mask) >>> g.shift]! << 8) | r.table[(p & r.mask) >>> r.shift]!) >>> 0;
  const table = h.bitCount === 16 ? Uint32Array.from({ length: 65536 }, (_, p) => word(p)) : undefined;
  for (let y = 0; y < h.height; y++) {
    const from = h.dataOffset + y * h.stride;
    const to = rowAt(y);
    if (table) for (let x = 0; x < h.width; x++) words[to + x] = table[view.getUint16(from + x * 2, true)]!;
    else for (let x = 0; x < h.width; x++) words[to + x] = word(view.getUint32(from + x * 4, true));
  }
}

/**
 * RLE8 and RLE4 (runs, end of line, end of image, delta moves, absolute runs padded to a word):
 * every write inside the image, every step at least two bytes of input, so the work is bounded by
 * the file. Data that ends before its end-of-image code and its last row is damaged.
 */
function rle(b: Uint8Array, h: BmpHeader, put: (r: number, x: number, v: number) => void): void {
  const four = h.compression === 'rle4';
  let x = 0;
  let r = 0;
  let i = h.dataOffset;
  const write = (v: number) => {
    if (x < h.width) put(r, x, v);
    x++;
  };
  while (r < h.height) {
    if (i + 2 > b.length) throw corrupt('BMP', 'RLE data ends early');
    const n = b[i]!;
    const v = b[i + 1]!;
    i += 2;
    if (n > 0) {
      for (let k = 0; k < n; k++) write(four ? (k & 1 ? v & 15 : v >> 4) : v);
    } else if (v === 0) {
      x = 0;
      r++;
    } else if (v === 1) return;
    else if (v === 2) {
      if (i + 2 > b.length) throw corrupt('BMP', 'RLE data ends early');
      x += b[i]!;
      r += b[i + 1]!;
      i += 2;
    } else {
      const stored = four ? Math.ceil(v / 2) : v;
      if (i + stored > b.length) throw corrupt('BMP', 'RLE data ends early');
      for (let k = 0; k < v; k++) write(four ? (k & 1 ? b[i + (k >> 1)]! & 15 : b[i + (k >> 1)]! >> 4) : b[i + k]!);
      i += stored + (stored & 1);
    }
  }
}

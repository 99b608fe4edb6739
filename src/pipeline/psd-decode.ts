import { psdHeader, type PsdHeader } from '../planning/psd-header.ts';
import { corrupt } from '../planning/raster-header.ts';
import type { DecodedRaster } from './decoded-raster.ts';

/**
 * A PSD's or PSB's merged image: each colour channel, and the transparency where the document has
 * one, unpacked (raw or PackBits rows) into RGBA8, or four inks for the colour engine. Photoshop
 * mattes a transparent document's merged colours on white; they are un-matted here, so the alpha
 * is straight as every step takes it. CMYK is stored inverted (255 no ink) and comes out as inks.
 * With `wide`, 16-bit colours also come whole as RGBA16.
 */
export function decodePsd(bytes: Uint8Array, wide = false): DecodedRaster {
  const h = psdHeader(bytes);
  const pixels = h.width * h.height;
  const alpha = h.alphaChannel;
  const planes = Array.from({ length: h.colorChannels + (alpha ? 1 : 0) }, (_, c) => plane(bytes, h, c));
  const values = (c: number) => (h.bits === 16 ? new Uint16Array(planes[c]!.buffer, planes[c]!.byteOffset, pixels) : planes[c]!);
  if (h.bits === 16) for (const p of planes) swapBytes(p);
  const top = h.bits === 16 ? 65535 : 255;
  const a = alpha ? values(h.colorChannels) : undefined;
  if (a) for (let c = 0; c < h.colorChannels; c++) unmatte(values(c), a, top);

  const data = new Uint8ClampedArray(pixels * 4);
  const shift = h.bits === 16 ? 8 : 0;
  if (h.pixelType === 'cmyk') {
    for (let c = 0; c < 4; c++) {
      const v = values(c);
      for (let i = 0; i < pixels; i++) data[i * 4 + c] = 255 - (v[i]! >> shift);
    }
    return { data, width: h.width, height: h.height, cmyk: true, ...(a ? { alpha: Uint8Array.from(a, (x) => x >> shift) } : {}) };
  }
  if (h.bits === 1) bitmap(planes[0]!, h, data);
  else if (h.pixelType === 'indexed') indexed(bytes, planes[0]!, h, data);
  else {
    const [r, g, b] = h.colorChannels === 1 ? [values(0), values(0), values(0)] : [values(0), values(1), values(2)];
    for (let i = 0; i < pixels; i++) {
      data[i * 4] = r[i]! >> shift;
      data[i * 4 + 1] = g[i]! >> shift;
      data[i * 4 + 2] = b[i]! >> shift;
      data[i * 4 + 3] = 255;
    }
  }
  if (a) for (let i = 0; i < pixels; i++) data[i * 4 + 3] = a[i]! >> shift;
  if (wide && h.bits === 16) {
    const [r, g, b] = h.colorChannels === 1 ? [values(0), values(0), values(0)] : [values(0), values(1), values(2)];
    const out = new Uint16Array(pixels * 4);
    for (let i = 0; i < pixels; i++) {
      out[i * 4] = r[i]!;
      out[i * 4 + 1] = g[i]!;
      out[i * 4 + 2] = b[i]!;
      out[i * 4 + 3] = data[i * 4 + 3]! * 257;
    }
    return { data, width: h.width, height: h.height, wide: out };
  }
  return { data, width: h.width, height: h.height };
}

/** Channel `c`'s rows, unpacked: a copy, as 16-bit samples are swapped in place and matte undone. */
function plane(bytes: Uint8Array, h: PsdHeader, c: number): Uint8Array {
  const size = h.rowBytes * h.height;
  if (h.compression === 'raw') return bytes.slice(h.rows[c]!.offset, h.rows[c]!.offset + size);
  const out = new Uint8Array(size);
  for (let y = 0; y < h.height; y++) {
    const row = h.rows[c * h.height + y]!;
    if (unpackBits(bytes.subarray(row.offset, row.offset + row.length), out, y * h.rowBytes, h.rowBytes) !== h.rowBytes) {
      throw corrupt('PSD', 'merged image row does not unpack to its width');
    }
  }
  return out;
}

/** PackBits into out[at, at + length): never past it, whatever the input says. Returns the bytes written. */
function unpackBits(input: Uint8Array, out: Uint8Array, at: number, length: number): number {
  let o = 0;
  for (let i = 0; i < input.length && o < length; ) {
    const n = (input[i++]! << 24) >> 24;
    if (n >= 0) {
      const run = Math.min(n + 1, length - o, input.length - i);
      out.set(input.subarray(i, i + run), at + o);
      o += run;
      i += n + 1;
    } else if (n !== -128) {
      if (i >= input.length) break;
      const run = Math.min(1 - n, length - o);
      out.fill(input[i++]!, at + o, at + o + run);
      o += run;
    }
  }
  return o;
}

/** Big-endian 16-bit samples to the host's order (little-endian, as every host Node runs on). */
function swapBytes(p: Uint8Array): void {
  for (let i = 0; i + 1 < p.length; i += 2) {
    const t = p[i]!;
    p[i] = p[i + 1]!;
    p[i + 1] = t;
  }
}

/** Stored = colour * a + white * (1 - a): the colour back, where there is any alpha to take it from. */
function unmatte(v: Uint8Array | Uint16Array, a: Uint8Array | Uint16Array, top: number): void {
  for (let i = 0; i < v.length; i++) {
    const alpha = a[i]!;
    if (alpha === top || alpha === 0) continue;
    const c = Math.round(((v[i]! - (top - alpha)) * top) / alpha);
    v[i] = c < 0 ? 0 : c > top ? top : c;
  }
}

/** Bitmap mode: one bit a pixel, 1 black. */
function bitmap(p: Uint8Array, h: PsdHeader, data: Uint8ClampedArray): void {
  for (let y = 0; y < h.height; y++) {
    for (let x = 0; x < h.width; x++) {
      const v = (p[y * h.rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0 : 255;
      const o = (y * h.width + x) * 4;
      data[o] = data[o + 1] = data[o + 2] = v;
      data[o + 3] = 255;
    }
  }
}

function indexed(bytes: Uint8Array, p: Uint8Array, h: PsdHeader, data: Uint8ClampedArray): void {
  const at = h.palette!.offset;
  for (let i = 0; i < h.width * h.height; i++) {
    const v = p[i]!;
    data[i * 4] = bytes[at + v]!;
    data[i * 4 + 1] = bytes[at + 256 + v]!;
    data[i * 4 + 2] = bytes[at + 512 + v]!;
    data[i * 4 + 3] = v === h.transparentIndex ? 0 : 255;
  }
}

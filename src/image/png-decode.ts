import { inflateSync } from '../common/zlib.ts';
import { Arena, pngFilterKernelInstance } from './kernels.ts';
import type { Pixels } from './pixels.ts';

/**
 * PNG decoding of our own: the chunks read here, the image data inflated by node:zlib (native, part
 * of Node), the row filters undone and every colour type and bit depth expanded to RGBA8 on our
 * kernel (wasm/pngfilter.ts), Adam7 passes included. 16-bit samples keep their high byte, as
 * @jsquash/png's decoder (the one this replaces, and the tests' reference) does. A file whose
 * chunks, header or data do not add up is a DamagedPng; the sniffer has already bounded its size.
 */
export class DamagedPng extends Error {}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7: each pass's first column and row and its steps. */
const PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

export const damaged = (why: string) => new DamagedPng(`The source image is corrupt: ${why}`);

/** A PNG's chunks that its pixels need: the header, palette and transparency, and the image data's pieces. */
export interface PngFile {
  header: Header;
  palette?: Uint8Array;
  transparency?: Uint8Array;
  data: Uint8Array[];
}

/**
 * With `wide`, a 16-bit PNG's colours also come whole, as RGBA16 (`wide`), for a colour
 * conversion that runs before the reduction to 8 bits.
 */
export function decodePng(bytes: Uint8Array, wide = false): Pixels & { wide?: Uint16Array } {
  const png = readPng(bytes);
  const layout = passes(png.header);
  return expand(png, layout, inflate(png.data, layout), wide && png.header.depth === 16);
}

export function readPng(bytes: Uint8Array): PngFile {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw damaged('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const data: Uint8Array[] = [];
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (body.length !== length) throw damaged('a chunk runs past the end of the file');
    at += 12 + length;
    if (type === 'IHDR') header = readHeader(body);
    else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
  }
  if (!header) throw damaged('no IHDR chunk');
  if (data.length === 0) throw damaged('no image data');
  if (header.colorType === 3 && (!palette || palette.length % 3 !== 0 || palette.length === 0)) throw damaged('a palette image without a valid palette');
  return { header, data, ...(palette ? { palette } : {}), ...(transparency ? { transparency } : {}) };
}

function readHeader(body: Uint8Array): Header {
  if (body.length !== 13) throw damaged('a bad IHDR chunk');
  const v = new DataView(body.buffer, body.byteOffset, 13);
  const header = { width: v.getUint32(0), height: v.getUint32(4), depth: body[8]!, colorType: body[9]!, interlaced: body[12] === 1 };
  if (header.width === 0 || header.height === 0) throw damaged('a zero size');
  if (!DEPTHS[header.colorType]?.includes(header.depth)) throw damaged(`colour type ${header.colorType} at ${header.depth} bits`);
  if (body[10] !== 0 || body[11] !== 0 || body[12]! > 1) throw damaged('an unknown compression, filter or interlace method');
  return header;
}

export const strideOf = (h: Header, width: number) => Math.ceil((width * CHANNELS[h.colorType]! * h.depth) / 8);

/** The passes of the image: one, or Adam7's seven (empty ones left out), with their rows' sizes. */
function passes(h: Header): { x0: number; y0: number; dx: number; dy: number; width: number; height: number; stride: number }[] {
  const all = h.interlaced ? PASSES : ([[0, 0, 1, 1]] as const);
  return all
    .map(([x0, y0, dx, dy]) => {
      const width = Math.ceil((h.width - x0) / dx);
      const height = Math.ceil((h.height - y0) / dy);
      return { x0, y0, dx, dy, width, height, stride: width > 0 ? strideOf(h, width) : 0 };
    })
    .filter((p) => p.width > 0 && p.height > 0);
}

type Pass = ReturnType<typeof passes>[number];

function inflate(chunks: Uint8Array[], layout: Pass[]): Uint8Array {
  const expected = layout.reduce((n, p) => n + (p.stride + 1) * p.height, 0);
  let raw: Buffer;
  try {
    // Bounded by what the header promises: a zlib bomb stops here. One output chunk a byte larger
    // than that: node:zlib otherwise fills 16 KB chunks and concatenates them, a second copy of it all.
    raw = inflateSync(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), {
      maxOutputLength: expected,
      chunkSize: Math.max(64, expected + 1),
      finishFlush: 2 /* Z_SYNC_FLUSH: a stream cut short still gives what it has */,
    });
  } catch (err) {
    throw damaged((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'more image data than its size' : 'its image data cannot be inflated');
  }
  if (raw.length < expected) throw damaged('its image data ends early');
  return raw;
}

/**
 * The kernel laid out for one PNG's rows: its palette (with tRNS alpha) as 256 RGBA entries and its
 * tRNS colour key, then the arena for the caller's buffers. `unfilter` undoes the row filters in
 * place; `expand` writes a pass's unfiltered rows as RGBA8 (or with `low` the low bytes of 16-bit colours).
 */
function rowKernel({ header: h, palette, transparency }: PngFile) {
  const k = pngFilterKernelInstance();
  const arena = new Arena(k.memory, k.heapBase.value as number);
  const table = arena.take(256 * 4);
  const rgba = arena.bytes(table, 256 * 4);
  rgba.fill(0);
  if (palette) {
    for (let i = 0; i * 3 < palette.length && i < 256; i++) {
      rgba.set(palette.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = transparency && i < transparency.length ? transparency[i]! : 255;
    }
  }
  // tRNS of grey and RGB images: one colour, at full depth, that is transparent.
  const key = [-1, -1, -1];
  if (transparency && (h.colorType === 0 || h.colorType === 2) && transparency.length >= (h.colorType === 0 ? 2 : 6)) {
    const t = new DataView(transparency.buffer, transparency.byteOffset, transparency.length);
    const sample = (i: number) => (h.depth === 16 ? t.getUint16(i * 2) : t.getUint16(i * 2) & ((1 << h.depth) - 1));
    if (h.colorType === 0) key[0] = sample(0);
    else [key[0], key[1], key[2]] = [sample(0), sample(1), sample(2)];
  }
  const bpp = Math.max(1, (CHANNELS[h.colorType]! * h.depth) >> 3);
  return {
    k,
    arena,
    unfilter(at: number, stride: number, rows: number): void {
      if (k.unfilterRows(at, stride, rows, bpp) !== 0) throw damaged('an unknown row filter');
    },
    expand(at: number, p: Pass, target: number, low: 0 | 1): void {
      k.expandRows(at, p.stride, p.width, p.height, h.colorType, h.depth, table, key[0]!, key[1]!, key[2]!, target, h.width, p.x0, p.y0, p.dx, p.dy, low);
    },
  };
}

function expand(png: PngFile, layout: Pass[], raw: Uint8Array, wide: boolean): Pixels & { wide?: Uint16Array } {
  const { width, height } = png.header;
  const { k, arena, unfilter, expand: into } = rowKernel(png);
  const pixels = width * height;
  const input = arena.take(raw.length);
  arena.bytes(input, raw.length).set(raw);
  const out = arena.take(pixels * 4);
  const lows = wide ? arena.take(pixels * 4) : 0;
  let offset = input;
  for (const p of layout) {
    unfilter(offset, p.stride, p.height);
    into(offset, p, out, 0);
    if (wide) into(offset, p, lows, 1);
    offset += (p.stride + 1) * p.height;
  }
  const data = new Uint8ClampedArray(k.memory.buffer, out, pixels * 4);
  if (wide) return { data, width, height, wide: joined(data, arena.bytes(lows, pixels * 4)) };
  // A view into the kernel's memory, as our JPEG decoder's is: the pipeline copies it where a job
  // decodes again (pipeline/decoded-sources.ts), and the PNG writer, which shares the memory, copies it first.
  return { data, width, height };
}

/**
 * Rows of a non-interlaced PNG as RGBA8 (16-bit samples keep their high byte, as decodePng's do),
 * for a reader by bands: `raw` holds the unfiltered row above them (filter byte 0; zeros above the
 * first row, which the filters take as the row above it), then their rows as inflated. The pixels go
 * to `into` at `at`; the band's last row, unfiltered, is left at the start of `raw` as the next band's row above.
 */
export function expandBand(png: PngFile, raw: Uint8Array, into: Uint8ClampedArray, at: number): void {
  const { width } = png.header;
  const stride = strideOf(png.header, width);
  const rows = raw.length / (stride + 1) - 1;
  const { k, arena, unfilter, expand: expandRows } = rowKernel(png);
  const input = arena.take(raw.length);
  arena.bytes(input, raw.length).set(raw);
  unfilter(input, stride, rows + 1);
  const out = arena.take(rows * width * 4);
  expandRows(input + stride + 1, { x0: 0, y0: 0, dx: 1, dy: 1, width, height: rows, stride }, out, 0);
  into.set(new Uint8ClampedArray(k.memory.buffer, out, rows * width * 4), at);
  raw.set(arena.bytes(input + rows * (stride + 1), stride + 1));
  raw[0] = 0;
}

/** RGBA16 from the high bytes of every sample and the low bytes of the colours (alpha stays 8-bit, scaled). */
function joined(high: Uint8ClampedArray, low: Uint8Array): Uint16Array {
  const wide = new Uint16Array(high.length);
  for (let i = 0; i < high.length; i += 4) {
    wide[i] = (high[i]! << 8) | low[i]!;
    wide[i + 1] = (high[i + 1]! << 8) | low[i + 1]!;
    wide[i + 2] = (high[i + 2]! << 8) | low[i + 2]!;
    wide[i + 3] = high[i + 3]! * 257;
  }
  return wide;
}

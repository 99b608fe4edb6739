import { constants } from 'node:zlib';
import { inflateSync } from '../common/zlib.ts';
import { DamagedTiff, lzwDecode, packBitsDecode, reverseBits } from '../image/tiff-codecs.ts';
import { decodeJpeg } from '../image/wasm-codecs.ts';
import { faxDecode } from '../image/ccitt.ts';
import type { Pixels } from '../image/pixels.ts';
import { sniffJpeg, Walk } from '../planning/sniff.ts';
import { readTiffPage, type TiffPage } from '../planning/tiff-header.ts';
import type { RegionRead } from '../planning/plan.ts';
import type { Shrink } from '../planning/shrink.ts';
import type { Rect } from '../protocol/request.ts';

/**
 * TIFF pages, decoded strip by strip or tile by tile: the page's header (planning/tiff-header.ts),
 * then each chunk on its own (decodeChunk: decompressed, predictor undone, planes joined), then
 * placed into the image (placeChunk: grey, palette, RGB or CMYK to RGBA, alpha kept). A region of
 * a page (planning/tiff-region.ts: a pyramid's level, a zoom tile) decodes only the chunks it touches.
 */

/** One strip or tile's samples, chunky, `width` pixels a row (a tile's full width, padding included). */
export type Chunk =
  | { x: number; y: number; width: number; rows: number; samples: Uint8Array | Uint16Array }
  /** `scale`: a JPEG tile decoded at 1/scale in the DCT domain (its width and rows are the scaled ones). */
  | { x: number; y: number; width: number; rows: number; rgba: Uint8Array | Uint8ClampedArray; scale?: number };

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const damaged = (what: string) => new DamagedTiff(`The source image is corrupt: ${what}`);

export const chunkCount = (page: TiffPage) => page.across * page.down;

/** Where chunk `t` (of one plane) lies: its corner and the rows of it that are in the image. */
function placeOf(page: TiffPage, t: number) {
  const x = (t % page.across) * page.chunkWidth;
  const y = Math.floor(t / page.across) * page.chunkHeight;
  return { x, y, rows: Math.min(page.chunkHeight, page.height - y) };
}

/** A chunk's bytes, at most `limit`; `rows` of them for CCITT, whose rows are decoded exactly. */
function decompress(file: Uint8Array, page: TiffPage, index: number, limit: number, rows: number): Uint8Array {
  let input = file.subarray(page.offsets[index]!, page.offsets[index]! + page.counts[index]!);
  if (page.reversedBits) input = reverseBits(input);
  switch (page.compression) {
    case 1: return input.subarray(0, limit);
    case 2: return faxDecode(input, 'rle', false, page.chunkWidth, rows);
    case 3: return faxDecode(input, 'g3', page.twoD, page.chunkWidth, rows);
    case 4: return faxDecode(input, 'g4', false, page.chunkWidth, rows);
    case 5: return lzwDecode(input, limit);
    case 32773: return packBitsDecode(input, limit);
    default:
      try {
        // Bounded by what the chunk holds: a Deflate bomb stops here.
        return inflateSync(input, { maxOutputLength: limit, finishFlush: constants.Z_SYNC_FLUSH });
      } catch (err) {
        throw damaged((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'a TIFF strip holds more data than its size' : 'a TIFF strip cannot be inflated');
      }
  }
}

/** One plane's (or a chunky chunk's) samples: `perPixel` samples a pixel, as values. */
function planeSamples(file: Uint8Array, page: TiffPage, index: number, perPixel: number, rows: number): Uint8Array | Uint16Array {
  const width = page.chunkWidth;
  const rowBytes = Math.ceil((width * perPixel * page.bits) / 8);
  const data = decompress(file, page, index, rowBytes * page.chunkHeight, rows);
  if (data.length < rowBytes * rows) throw damaged('a TIFF strip or tile ends early');
  const values = width * perPixel;
  if (page.bits === 16) {
    // The decompressor's own little-endian output is read in place on a little-endian host (the
    // usual case): no second copy of the samples. The file's own bytes, and big-endian ones, are copied.
    const inPlace = page.compression !== 1 && page.littleEndian && HOST_LITTLE_ENDIAN && data.byteOffset % 2 === 0;
    const out = inPlace ? new Uint16Array(data.buffer, data.byteOffset, values * rows) : new Uint16Array(values * rows);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (!inPlace) for (let i = 0; i < out.length; i++) out[i] = view.getUint16(i * 2, page.littleEndian);
    if (page.predictor === 2) undoPredictor(out, values, perPixel, rows);
    return out;
  }
  if (page.bits === 8) {
    // Inflated, LZW and PackBits data are the decoder's own; stored samples are the file's, copied before the predictor changes them.
    const out = page.predictor === 2 && page.compression === 1 ? data.slice(0, values * rows) : data.subarray(0, values * rows);
    if (page.predictor === 2) undoPredictor(out, values, perPixel, rows);
    return out;
  }
  // 1, 2 and 4 bits: each row starts on a byte.
  const out = new Uint8Array(values * rows);
  const mask = (1 << page.bits) - 1;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < values; i++) {
      const bit = i * page.bits;
      out[r * values + i] = (data[r * rowBytes + (bit >> 3)]! >> (8 - page.bits - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Predictor 2: each sample was stored as its difference from the same sample of the pixel before. */
function undoPredictor(d: Uint8Array | Uint16Array, values: number, perPixel: number, rows: number): void {
  for (let r = 0; r < rows; r++) {
    for (let i = r * values + perPixel, end = (r + 1) * values; i < end; i++) d[i] = d[i]! + d[i - perPixel]!;
  }
}

/**
 * Adobe's APP14 marker saying "no colour transform": libtiff writes no JFIF or Adobe marker, the
 * photometric tag says what the components are, and a JPEG decoder takes three components for
 * YCbCr unless told. Our kernel declines such a file, and MozJPEG reads it as RGB.
 */
const ADOBE_RGB = Uint8Array.from([0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);

/** JPEG compression: the page's shared tables, then the chunk's own stream, through Isle's JPEG decoder. */
async function jpegChunk(file: Uint8Array, page: TiffPage, t: number, rows: number, scale: 1 | 2 | 4 | 8): Promise<Chunk> {
  const own = file.subarray(page.offsets[t]!, page.offsets[t]! + page.counts[t]!);
  if (own.length < 4 || own[0] !== 0xff || own[1] !== 0xd8) throw damaged('a JPEG strip or tile without its start marker');
  const tables = page.jpegTables && page.jpegTables.length > 4 ? page.jpegTables.subarray(2, page.jpegTables.length - 2) : new Uint8Array(0);
  const marker = page.photometric === 2 ? ADOBE_RGB : new Uint8Array(0);
  // SOI, the Adobe marker for RGB, the shared tables between their SOI and EOI, then the chunk's own stream after its SOI.
  const stream = new Uint8Array(2 + marker.length + tables.length + own.length - 2);
  stream.set([0xff, 0xd8]);
  stream.set(marker, 2);
  stream.set(tables, 2 + marker.length);
  stream.set(own.subarray(2), 2 + marker.length + tables.length);
  // The stream's own frame header, read before any decode: a frame larger than its tile would
  // cost more than the TIFF's header promised, one smaller could not fill it.
  const frame = sniffJpeg(stream, new Walk(undefined));
  if (frame.width > page.chunkWidth || frame.height > page.chunkHeight || frame.width < Math.min(page.chunkWidth, page.width - placeOf(page, t).x) || frame.height < rows) {
    throw damaged(`a JPEG frame of ${frame.width}x${frame.height} in a TIFF tile of ${page.chunkWidth}x${page.chunkHeight}`);
  }
  const image = await decodeJpeg(stream.buffer, scale);
  const { x, y } = placeOf(page, t);
  // Scaled, unless the decoder declined (MozJPEG's fallback decodes in full).
  if (scale > 1 && image.width === Math.ceil(frame.width / scale)) {
    const scaledRows = Math.ceil(rows / scale);
    return { x, y, width: image.width, rows: scaledRows, rgba: image.data.subarray(0, image.width * scaledRows * 4), scale };
  }
  return { x, y, width: image.width, rows, rgba: image.data.subarray(0, image.width * rows * 4) };
}

/**
 * Chunk `t` of the page (of every plane, for planar pages), decoded; a JPEG one at 1/scale where its
 * decoder can. A JPEG chunk's pixels are a view into the decoder's memory, valid until its next
 * decode: each chunk is placed before the next is decoded, and a caller that keeps several copies
 * them (tiff-rows.ts). Not copying them here saved a 256 KiB copy and allocation of every zoom tile.
 */
export async function decodeChunk(file: Uint8Array, page: TiffPage, t: number, scale: 1 | 2 | 4 | 8 = 1): Promise<Chunk> {
  const { x, y, rows } = placeOf(page, t);
  if (page.compression === 7) return jpegChunk(file, page, t, rows, scale);
  if (page.planar === 1) return { x, y, width: page.chunkWidth, rows, samples: planeSamples(file, page, t, page.samples, rows) };
  const planes = Array.from({ length: page.samples }, (_, s) => planeSamples(file, page, s * chunkCount(page) + t, 1, rows));
  const joined = page.bits === 16 ? new Uint16Array(planes[0]!.length * page.samples) : new Uint8Array(planes[0]!.length * page.samples);
  planes.forEach((plane, s) => {
    for (let i = 0; i < plane.length; i++) joined[i * page.samples + s] = plane[i]!;
  });
  return { x, y, width: page.chunkWidth, rows, samples: joined };
}

/** The part of a chunk inside the frame (the region decoded): its columns and rows, and where they land. */
function overlap(page: TiffPage, chunk: Chunk, frame: Rect) {
  const c0 = Math.max(0, frame.x - chunk.x);
  const c1 = Math.min(chunk.width, page.width - chunk.x, frame.x + frame.width - chunk.x);
  const r0 = Math.max(0, frame.y - chunk.y);
  const r1 = Math.min(chunk.rows, frame.y + frame.height - chunk.y);
  /** The frame's pixel of the chunk's row r, column c. */
  const at = (r: number, c: number) => (chunk.y + r - frame.y) * frame.width + chunk.x + c - frame.x;
  return { c0, c1, r0, r1, at };
}

const wholePage = (page: TiffPage): Rect => ({ x: 0, y: 0, width: page.width, height: page.height });

/**
 * A chunk's pixels into the image's RGBA (and RGBA16 for 16-bit colour kept whole); CMYK as its four
 * inks, as Isle's CMYK pixels hold them, its alpha apart (`inkAlpha`) until the inks are colours.
 * `out` holds the frame (the whole page unless told), and only the chunk's pixels inside it are placed.
 */
export function placeChunk(page: TiffPage, chunk: Chunk, out: Uint8ClampedArray, wide?: Uint16Array, inkAlpha?: Uint8Array, frame = wholePage(page)): void {
  const { c0, c1, r0, r1, at } = overlap(page, chunk, frame);
  if (c1 <= c0) return;
  if ('rgba' in chunk) {
    for (let r = r0; r < r1; r++) out.set(chunk.rgba.subarray((r * chunk.width + c0) * 4, (r * chunk.width + c1) * 4), at(r, c0) * 4);
    return;
  }
  const s = chunk.samples;
  const n = page.samples;
  if (page.bits === 8 && !page.premultiplied && (page.model === 'rgb' || (page.model === 'gray' && !page.minIsWhite))) return placeBytes(page, chunk, s as Uint8Array, out, frame);
  if (page.model === 'gray' && n === 1 && page.bits < 16) return placeGray(page, chunk, s as Uint8Array, out, frame);
  const max = (1 << page.bits) - 1;
  const to8 = page.bits === 16 ? (v: number) => v >> 8 : page.bits === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / max);
  const map = page.colormap;
  const entries = 1 << page.bits;
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const i = (r * chunk.width + c) * n;
      const o = at(r, c) * 4;
      let v0: number, v1: number, v2: number;
      if (page.model === 'palette') {
        v0 = map![s[i]!]! >> 8;
        v1 = map![entries + s[i]!]! >> 8;
        v2 = map![2 * entries + s[i]!]! >> 8;
      } else if (page.model === 'gray') {
        const g = page.minIsWhite ? max - s[i]! : s[i]!;
        v0 = v1 = v2 = to8(g);
        if (wide) wide[o] = wide[o + 1] = wide[o + 2] = g;
      } else if (page.model === 'cmyk') {
        out[o] = to8(s[i]!);
        out[o + 1] = to8(s[i + 1]!);
        out[o + 2] = to8(s[i + 2]!);
        out[o + 3] = to8(s[i + 3]!);
        if (inkAlpha) inkAlpha[o >> 2] = to8(s[i + page.alphaSample]!);
        continue;
      } else {
        v0 = to8(s[i]!);
        v1 = to8(s[i + 1]!);
        v2 = to8(s[i + 2]!);
        if (wide) [wide[o], wide[o + 1], wide[o + 2]] = [s[i]!, s[i + 1]!, s[i + 2]!];
      }
      out[o] = v0;
      out[o + 1] = v1;
      out[o + 2] = v2;
      out[o + 3] = page.alphaSample >= 0 ? to8(s[i + page.alphaSample]!) : 255;
      if (wide) wide[o + 3] = out[o + 3]! * 257;
    }
  }
}

/** The common case, 8-bit RGB(A) and grey, without the general case's per-sample choices. */
function placeBytes(page: TiffPage, chunk: Chunk, s: Uint8Array, out: Uint8ClampedArray, frame: Rect): void {
  const { c0, c1, r0, r1, at } = overlap(page, chunk, frame);
  const n = page.samples;
  const alpha = page.alphaSample;
  const [g, b] = page.model === 'gray' ? [0, 0] : [1, 2];
  // Whole pixels at a time, as a little-endian host's Uint32Array sees RGBA bytes; byte by byte elsewhere.
  const words = HOST_LITTLE_ENDIAN && out.byteOffset % 4 === 0 ? new Uint32Array(out.buffer, out.byteOffset, out.length >> 2) : undefined;
  for (let r = r0; r < r1; r++) {
    let i = (r * chunk.width + c0) * n;
    let o = at(r, c0);
    for (let c = c0; c < c1; c++, i += n, o++) {
      const a = alpha >= 0 ? s[i + alpha]! : 255;
      if (words) words[o] = (s[i]! | (s[i + g]! << 8) | (s[i + b]! << 16) | (a << 24)) >>> 0;
      else out.set([s[i]!, s[i + g]!, s[i + b]!, a], o * 4);
    }
  }
}

/** Grey of 1 to 8 bits without alpha (scans, faxes): each sample's colour looked up once, pixels written whole. */
function placeGray(page: TiffPage, chunk: Chunk, s: Uint8Array, out: Uint8ClampedArray, frame: Rect): void {
  const { c0, c1, r0, r1, at } = overlap(page, chunk, frame);
  const max = (1 << page.bits) - 1;
  const words = HOST_LITTLE_ENDIAN && out.byteOffset % 4 === 0 ? new Uint32Array(out.buffer, out.byteOffset, out.length >> 2) : undefined;
  const grey = Uint8Array.from({ length: max + 1 }, (_, v) => Math.round(((page.minIsWhite ? max - v : v) * 255) / max));
  const pixel = Uint32Array.from(grey, (g) => (g | (g << 8) | (g << 16) | (255 << 24)) >>> 0);
  for (let r = r0; r < r1; r++) {
    let o = at(r, c0);
    for (let i = r * chunk.width + c0, end = r * chunk.width + c1; i < end; i++, o++) {
      if (words) words[o] = pixel[s[i]!]!;
      else out.set([grey[s[i]!]!, grey[s[i]!]!, grey[s[i]!]!, 255], o * 4);
    }
  }
}

/** Associated alpha to straight, as every step takes it: colours, or all four inks with `inkAlpha`. */
function unpremultiply(d: Uint8ClampedArray, wide?: Uint16Array, inkAlpha?: Uint8Array): void {
  for (let i = 0; i < d.length; i += 4) {
    const a = inkAlpha ? inkAlpha[i >> 2]! : d[i + 3]!;
    if (a === 255 || a === 0) continue;
    d[i] = (d[i]! * 255) / a;
    d[i + 1] = (d[i + 1]! * 255) / a;
    d[i + 2] = (d[i + 2]! * 255) / a;
    if (inkAlpha) d[i + 3] = (d[i + 3]! * 255) / a;
    if (wide) for (let c = 0; c < 3; c++) wide[i + c] = Math.min(65535, Math.round((wide[i + c]! * 255) / a));
  }
}

/**
 * The first page whole, or a region's rect of one level (`read`, planning/tiff-region.ts) from the
 * strips or tiles it touches alone; with `wide`, a 16-bit page's colours also as RGBA16; a CMYK
 * page's alpha as `alpha`, one byte a pixel, for the colour step to put back once the inks are
 * colours. `decodedPixels`: the pixels of the chunks decoded, padding included.
 */
export async function decodeTiff(bytes: ArrayBuffer, wide = false, read?: RegionRead, shrink: Shrink = 1, fullDecode = true): Promise<Pixels & { wide?: Uint16Array; alpha?: Uint8Array; decodedPixels: number }> {
  const file = new Uint8Array(bytes);
  const page = readTiffPage(file, undefined, read?.directory ?? 0);
  // The planner read the same header; a file that says otherwise now was changed or is malformed.
  const shrunk = read?.shrink ?? 1;
  if (read && (Math.ceil(page.width / shrunk) !== read.size.width || Math.ceil(page.height / shrunk) !== read.size.height)) throw damaged('a TIFF level changed size since its header was read');
  if (read?.shrink) return decodeShrunk(file, page, read.rect, read.shrink);
  // Shrink-on-load of a JPEG page (planning/shrink.ts): every chunk at 1/shrink, when each one's
  // corner lies on the smaller grid; else whole, unless that is past the job's memory.
  if (!read && shrink > 1) {
    if (page.compression === 7 && page.chunkHeight % shrink === 0 && (!page.tiled || page.chunkWidth % shrink === 0)) {
      return decodeShrunk(file, page, { x: 0, y: 0, width: Math.ceil(page.width / shrink), height: Math.ceil(page.height / shrink) }, shrink);
    }
    if (!fullDecode) throw new DamagedTiff('The source image cannot be decoded at a reduced size and is too large to decode in full');
  }
  const frame = read?.rect ?? wholePage(page);
  if (frame.x < 0 || frame.y < 0 || frame.x + frame.width > page.width || frame.y + frame.height > page.height) throw damaged('a TIFF region outside its page');
  const whole = await wholeChunk(file, page, frame);
  if (whole) return whole;
  const data = new Uint8ClampedArray(frame.width * frame.height * 4);
  const wide16 = wide && page.bits === 16 && page.model !== 'cmyk' ? new Uint16Array(data.length) : undefined;
  const inkAlpha = page.model === 'cmyk' && page.alphaSample >= 0 ? new Uint8Array(frame.width * frame.height) : undefined;
  let decodedPixels = 0;
  const [tx0, tx1] = [Math.floor(frame.x / page.chunkWidth), Math.floor((frame.x + frame.width - 1) / page.chunkWidth)];
  const [ty0, ty1] = [Math.floor(frame.y / page.chunkHeight), Math.floor((frame.y + frame.height - 1) / page.chunkHeight)];
  for (let ty = ty0; ty <= ty1; ty++) {
    for (let tx = tx0; tx <= tx1; tx++) {
      const chunk = await decodeChunk(file, page, ty * page.across + tx);
      decodedPixels += chunk.width * chunk.rows;
      placeChunk(page, chunk, data, wide16, inkAlpha, frame);
    }
  }
  if (page.premultiplied) unpremultiply(data, wide16, inkAlpha);
  return { data, width: frame.width, height: frame.height, decodedPixels, ...(wide16 ? { wide: wide16 } : {}), ...(inkAlpha ? { alpha: inkAlpha } : {}) };
}

/**
 * A frame that is exactly one JPEG tile or strip (a zoom viewer's tile on the grid): the decoder's
 * pixels as they are, a view into its memory (decodeChunk), without a frame to place them in.
 * Undefined when the frame is anything else, or the page's pixels need more than placing.
 */
async function wholeChunk(file: Uint8Array, page: TiffPage, frame: Rect): Promise<(Pixels & { decodedPixels: number }) | undefined> {
  if (page.compression !== 7 || page.premultiplied || page.model === 'cmyk' || frame.x % page.chunkWidth !== 0 || frame.y % page.chunkHeight !== 0) return undefined;
  const t = (frame.y / page.chunkHeight) * page.across + frame.x / page.chunkWidth;
  const { rows } = placeOf(page, t);
  if (frame.height !== rows || frame.width !== Math.min(page.chunkWidth, page.width - frame.x)) return undefined;
  const chunk = await decodeChunk(file, page, t);
  if (!('rgba' in chunk) || chunk.width !== frame.width) {
    const data = new Uint8ClampedArray(frame.width * frame.height * 4);
    placeChunk(page, chunk, data, undefined, undefined, frame);
    return { data, width: frame.width, height: frame.height, decodedPixels: chunk.width * chunk.rows };
  }
  const { rgba } = chunk;
  return { data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, frame.width * frame.height * 4), width: frame.width, height: frame.height, decodedPixels: chunk.width * chunk.rows };
}

/**
 * A region of a page at 1/f, each tile (or strip) box-shrunk as it is decoded (f divides the tile's
 * sides, planning/tiff-header.ts, or a JPEG strip's rows), so memory holds one chunk and the shrunk
 * rect: each pixel the mean of its f x f block, a block at the page's right or bottom edge of the
 * pixels there; a JPEG chunk shrunk by its decoder where it can be.
 */
async function decodeShrunk(file: Uint8Array, page: TiffPage, rect: Rect, f: number): Promise<Pixels & { decodedPixels: number }> {
  const full = { x: rect.x * f, y: rect.y * f, width: Math.min(page.width, (rect.x + rect.width) * f) - rect.x * f, height: Math.min(page.height, (rect.y + rect.height) * f) - rect.y * f };
  if (full.x < 0 || full.y < 0 || full.width < 1 || full.height < 1) throw damaged('a TIFF region outside its page');
  if ((page.tiled && page.chunkWidth % f !== 0) || page.chunkHeight % f !== 0) throw damaged('TIFF strips or tiles that cannot be shrunk as planned');
  const data = new Uint8ClampedArray(rect.width * rect.height * 4);
  const tile = new Uint8ClampedArray(page.chunkWidth * page.chunkHeight * 4);
  let decodedPixels = 0;
  for (let ty = Math.floor(full.y / page.chunkHeight); ty <= Math.floor((full.y + full.height - 1) / page.chunkHeight); ty++) {
    for (let tx = Math.floor(full.x / page.chunkWidth); tx <= Math.floor((full.x + full.width - 1) / page.chunkWidth); tx++) {
      // A JPEG tile is shrunk by its decoder, in the DCT domain, where it can be (1/2 to 1/8).
      const chunk = await decodeChunk(file, page, ty * page.across + tx, page.compression === 7 && f <= 8 ? (f as 2 | 4 | 8) : 1);
      decodedPixels += chunk.width * chunk.rows;
      if ('rgba' in chunk && chunk.scale === f) {
        placeScaled(page, chunk, data, rect, f);
        continue;
      }
      const frame = { x: chunk.x, y: chunk.y, width: page.chunkWidth, height: chunk.rows };
      placeChunk(page, chunk, tile, undefined, undefined, frame);
      const columns = Math.min(page.chunkWidth, page.width - chunk.x);
      for (let by = 0; by < chunk.rows; by += f) {
        const oy = (chunk.y + by) / f - rect.y;
        if (oy < 0 || oy >= rect.height) continue;
        for (let bx = 0; bx < columns; bx += f) {
          const ox = (chunk.x + bx) / f - rect.x;
          if (ox < 0 || ox >= rect.width) continue;
          const sums = [0, 0, 0, 0];
          const rows = Math.min(f, chunk.rows - by);
          const cols = Math.min(f, columns - bx);
          for (let y = by; y < by + rows; y++) for (let x = bx; x < bx + cols; x++) for (let c = 0; c < 4; c++) sums[c]! += tile[(y * page.chunkWidth + x) * 4 + c]!;
          const o = (oy * rect.width + ox) * 4;
          for (let c = 0; c < 4; c++) data[o + c] = Math.round(sums[c]! / (rows * cols));
        }
      }
    }
  }
  return { data, width: rect.width, height: rect.height, decodedPixels };
}

/** A JPEG tile the decoder shrank by f into the region's pixels: its columns and rows inside the page, those inside the rect. */
function placeScaled(page: TiffPage, chunk: Extract<Chunk, { rgba: unknown }>, data: Uint8ClampedArray, rect: Rect, f: number): void {
  const columns = Math.ceil(Math.min(page.chunkWidth, page.width - chunk.x) / f);
  for (let r = 0; r < chunk.rows; r++) {
    const oy = chunk.y / f + r - rect.y;
    if (oy < 0 || oy >= rect.height) continue;
    const c0 = Math.max(0, rect.x - chunk.x / f);
    const c1 = Math.min(columns, rect.x + rect.width - chunk.x / f);
    if (c1 > c0) data.set(chunk.rgba.subarray((r * chunk.width + c0) * 4, (r * chunk.width + c1) * 4), (oy * rect.width + chunk.x / f + c0 - rect.x) * 4);
  }
}

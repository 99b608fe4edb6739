import { kMaxLength } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { deflateSync, inflateSync } from '../common/zlib.ts';
import { overLimit, overProfileLimit, type InflateBudget } from '../protocol/account.ts';
import { exactBuffer } from './bytes.ts';
import { bmpProfile, gifXmp, heifProfile, isBmpFile, isGifFile, isHeifContainer, isPsdFile, isWebpFile, psdResource, webpChunk } from './container-metadata.ts';

/**
 * Metadata the encoders cannot write, spliced into their output: print resolution (printRes=) and
 * an ICC profile (iccEmbed=1: the source's when its pixels were left as they were, else the output
 * space's); and the metadata read from sources (their ICC profile, their XMP).
 */

const ICC_SIGNATURE = 'ICC_PROFILE\0';
const XMP_SIGNATURE = 'http://ns.adobe.com/xap/1.0/\0';
const MAX_ICC_CHUNK = 65519;

const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length));

/** A JPEG's marker segments before its first scan: the marker and the payload after the length. */
function* jpegSegments(source: Uint8Array): Generator<{ marker: number; payload: Uint8Array }> {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  for (let i = 2; i + 4 <= source.length && source[i] === 0xff; ) {
    const marker = source[i + 1]!;
    if (marker === 0xda || marker === 0xd9) return;
    const length = view.getUint16(i + 2);
    yield { marker, payload: source.subarray(i + 4, i + 2 + length) };
    i += 2 + length;
  }
}

/** A PNG's chunks up to IEND: the type and the data. */
function* pngChunks(source: Uint8Array): Generator<{ type: string; data: Uint8Array }> {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  for (let i = 8; i + 12 <= source.length; ) {
    const length = view.getUint32(i);
    const type = ascii(source, i + 4, 4);
    if (type === 'IEND') return;
    yield { type, data: source.subarray(i + 8, i + 8 + length) };
    i += 12 + length;
  }
}

const isJpeg = (source: Uint8Array) => source[0] === 0xff && source[1] === 0xd8;
const isTiff = (s: Uint8Array) => s.length >= 16 && ((s[0] === 0x49 && s[1] === 0x49) || (s[0] === 0x4d && s[1] === 0x4d));
const isPng = (s: Uint8Array) => s.length >= 8 && s[0] === 0x89 && s[1] === 0x50 && s[2] === 0x4e && s[3] === 0x47;
const text = (b: Uint8Array | undefined) => b && Buffer.from(b).toString('utf8');

/**
 * A tag's bytes in a TIFF's first directory (34675 its ICC profile, 700 its XMP). Only this lookup
 * is done here: the directory walk with its bounds is planning/tiff-ifd.ts's, which has already
 * accepted the file before any of this runs.
 */
function tiffTag(s: Uint8Array, tag: number): Uint8Array | undefined {
  const view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  const le = s[0] === 0x49;
  const big = view.getUint16(2, le) === 43;
  const at = (i: number) => (big ? Number(view.getBigUint64(i, le)) : view.getUint32(i, le));
  const ifd = at(big ? 8 : 4);
  if (ifd + 8 > s.length) return undefined;
  const count = big ? at(ifd) : view.getUint16(ifd, le);
  const entry = big ? 20 : 12;
  for (let i = 0, e = ifd + (big ? 8 : 2); i < count && e + entry <= s.length; i++, e += entry) {
    if (view.getUint16(e, le) !== tag) continue;
    const length = big ? at(e + 4) : view.getUint32(e + 4, le);
    const from = length <= (big ? 8 : 4) ? e + (big ? 12 : 8) : at(e + (big ? 12 : 8));
    return from + length <= s.length ? s.subarray(from, from + length) : undefined;
  }
  return undefined;
}

/**
 * The XMP packet of a JPEG (APP1 with the XMP namespace), a PNG (iTXt XML:com.adobe.xmp), a TIFF
 * (tag 700), a PSD (resource 1060), a WebP (its XMP chunk) or a GIF (its XMP application extension), as text.
 */
export function extractXmp(source: Uint8Array): string | undefined {
  if (isTiff(source)) return text(tiffTag(source, 700));
  if (isPsdFile(source)) return text(psdResource(source, 1060));
  if (isWebpFile(source)) return text(webpChunk(source, 'XMP '));
  if (isGifFile(source)) return text(gifXmp(source));
  if (isJpeg(source)) {
    for (const { marker, payload } of jpegSegments(source)) {
      if (marker === 0xe1 && ascii(payload, 0, XMP_SIGNATURE.length) === XMP_SIGNATURE) {
        return Buffer.from(payload.subarray(XMP_SIGNATURE.length)).toString('utf8');
      }
    }
    return undefined;
  }
  if (!isPng(source)) return undefined;
  for (const { type, data } of pngChunks(source)) {
    if (type !== 'iTXt') continue;
    const keyword = data.indexOf(0);
    if (ascii(data, 0, keyword) === 'XML:com.adobe.xmp' && data[keyword + 1] === 0) {
      // keyword, NUL, compression flag and method, language tag NUL, translated keyword NUL, text.
      const language = data.indexOf(0, keyword + 3);
      const translated = data.indexOf(0, language + 1);
      return Buffer.from(data.subarray(translated + 1)).toString('utf8');
    }
  }
  return undefined;
}

/**
 * The source's ICC profile: JPEG APP2 ICC_PROFILE segments in sequence order, PNG iCCP inflated
 * within the budget (a zlib bomb of a kilobyte inflates to a gigabyte), TIFF tag 34675, PSD
 * resource 1039, a BMP V5 header's, a WebP's ICCP chunk or an AVIF's or HEIF's colr box.
 */
export function extractIcc(source: Uint8Array, budget: InflateBudget): Uint8Array | undefined {
  if (isTiff(source)) return tiffTag(source, 34675);
  if (isPsdFile(source)) return psdResource(source, 1039);
  if (isBmpFile(source)) return bmpProfile(source);
  if (isWebpFile(source)) return webpChunk(source, 'ICCP');
  if (isHeifContainer(source)) return heifProfile(source);
  if (isJpeg(source)) {
    const parts: [number, Uint8Array][] = [];
    for (const { marker, payload } of jpegSegments(source)) {
      if (marker === 0xe2 && ascii(payload, 0, 12) === ICC_SIGNATURE) parts.push([payload[12]!, payload.subarray(14)]);
    }
    if (parts.length === 0) return undefined;
    return Buffer.concat(parts.sort((a, b) => a[0] - b[0]).map(([, data]) => data));
  }
  if (!isPng(source)) return undefined;
  for (const { type, data } of pngChunks(source)) {
    if (type === 'IDAT') return undefined;
    if (type !== 'iCCP') continue;
    return inflateProfile(data.subarray(data.indexOf(0) + 2), budget);
  }
  return undefined;
}

/**
 * Inflates at most what the budget has left (the profile's cap, or less when the request's account
 * has less), stopping there, and charges what it gave; a damaged stream is no profile.
 */
function inflateProfile(compressed: Uint8Array, { account, maxProfileBytes }: InflateBudget): Uint8Array | undefined {
  const left = account.remaining.inflated;
  const cap = Math.min(maxProfileBytes, left);
  let profile: Uint8Array;
  try {
    profile = inflateSync(compressed, { maxOutputLength: Math.max(1, Math.min(cap, kMaxLength)) });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw maxProfileBytes <= left ? overProfileLimit(maxProfileBytes) : overLimit('inflated', account.limits.inflated);
  }
  account.charge('inflated', profile.byteLength);
  return profile;
}

/** A PNG's eXIf chunk before its image data (a TIFF structure); undefined for a JPEG or a PNG without one. */
export function pngExif(source: Uint8Array): Uint8Array | undefined {
  if (isJpeg(source)) return undefined;
  for (const { type, data } of pngChunks(source)) {
    if (type === 'IDAT') return undefined;
    if (type === 'eXIf') return data;
  }
  return undefined;
}

/**
 * A PNG's gAMA and cHRM chunks, for a file with no iCCP and no sRGB chunk (which say more): the
 * file gamma (gAMA / 100000, the encoding exponent) and the chromaticities white, red, green, blue
 * as x, y pairs (cHRM / 100000). Undefined when neither chunk is there, or either of the others is.
 */
export function pngChromaticity(source: Uint8Array): { gamma?: number; chromaticities?: number[] } | undefined {
  if (!isPng(source)) return undefined;
  let gamma: number | undefined;
  let chromaticities: number[] | undefined;
  for (const { type, data } of pngChunks(source)) {
    if (type === 'IDAT') break;
    if (type === 'sRGB' || type === 'iCCP') return undefined;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (type === 'gAMA' && data.length === 4) gamma = view.getUint32(0) / 100000;
    if (type === 'cHRM' && data.length === 32) chromaticities = Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4) / 100000);
  }
  if (gamma !== undefined && !(gamma > 0 && gamma < 10)) gamma = undefined;
  return gamma === undefined && chromaticities === undefined ? undefined : { gamma, chromaticities };
}

/**
 * The print resolution a source declares, in dots per inch: a JPEG's JFIF density (units 1 dpi,
 * 2 dots per cm) or a PNG's pHYs (unit 1, per metre). Undefined when it declares none, or only an
 * aspect ratio (units 0).
 */
export function sourceDensity(source: Uint8Array): number | undefined {
  const dpi = (value: number) => (value > 0 && Number.isFinite(value) ? Math.round(value * 100) / 100 : undefined);
  if (isJpeg(source)) {
    for (const { marker, payload } of jpegSegments(source)) {
      if (marker !== 0xe0 || payload.length < 12 || ascii(payload, 0, 5) !== 'JFIF\0') continue;
      const x = (payload[8]! << 8) | payload[9]!;
      return payload[7] === 1 ? dpi(x) : payload[7] === 2 ? dpi(x * 2.54) : undefined;
    }
    return undefined;
  }
  if (!isPng(source)) return undefined;
  for (const { type, data } of pngChunks(source)) {
    if (type === 'IDAT') break;
    if (type !== 'pHYs' || data.length !== 9) continue;
    const perMetre = new DataView(data.buffer, data.byteOffset, 9).getUint32(0);
    return data[8] === 1 ? dpi(perMetre * 0.0254) : undefined;
  }
  return undefined;
}

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/** Inserts chunks right after IHDR (which ends at byte 33). */
function afterIhdr(png: Uint8Array, chunks: Buffer[]): Uint8Array {
  return Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]);
}

/** The JFIF APP0 the encoder writes first: its length, for inserting segments after it. */
function afterApp0(jpeg: Uint8Array): number {
  return jpeg[2] === 0xff && jpeg[3] === 0xe0 ? 4 + ((jpeg[4]! << 8) | jpeg[5]!) : 2;
}

/** WebP and AVIF ('other') carry neither here: the reference lists no ICC for them. */
export function withMetadata(encoded: ArrayBuffer, format: 'jpeg' | 'png', options: { printRes?: number; icc?: Uint8Array }): ArrayBuffer {
  let bytes: Uint8Array = new Uint8Array(encoded);
  if (format === 'jpeg') {
    if (options.printRes !== undefined && afterApp0(bytes) > 2) {
      // JFIF: units 1 (dots per inch), X and Y density.
      const dpi = Math.min(65535, Math.round(options.printRes));
      bytes[13] = 1;
      bytes[14] = dpi >> 8;
      bytes[15] = dpi & 0xff;
      bytes[16] = dpi >> 8;
      bytes[17] = dpi & 0xff;
    }
    if (options.icc) {
      const count = Math.ceil(options.icc.length / MAX_ICC_CHUNK);
      const segments = Array.from({ length: count }, (_, n) => {
        const data = options.icc!.subarray(n * MAX_ICC_CHUNK, (n + 1) * MAX_ICC_CHUNK);
        const segment = Buffer.alloc(18 + data.length);
        segment.writeUInt16BE(0xffe2, 0);
        segment.writeUInt16BE(16 + data.length, 2);
        segment.write(ICC_SIGNATURE, 4, 'latin1');
        segment[16] = n + 1;
        segment[17] = count;
        segment.set(data, 18);
        return segment;
      });
      const at = afterApp0(bytes);
      bytes = Buffer.concat([bytes.subarray(0, at), ...segments, bytes.subarray(at)]);
    }
  } else if (format === 'png') {
    const chunks: Buffer[] = [];
    if (options.icc) chunks.push(pngChunk('iCCP', Buffer.concat([Buffer.from('ICC Profile\0\0', 'latin1'), deflateSync(options.icc)])));
    if (options.printRes !== undefined) {
      const perMeter = Math.round(options.printRes / 0.0254);
      const phys = Buffer.alloc(9);
      phys.writeUInt32BE(perMeter, 0);
      phys.writeUInt32BE(perMeter, 4);
      phys[8] = 1;
      chunks.push(pngChunk('pHYs', phys));
    }
    if (chunks.length > 0) bytes = afterIhdr(bytes, chunks);
  }
  return exactBuffer(bytes);
}

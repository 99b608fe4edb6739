import { crc32 } from 'node:zlib';
import type { Account } from '../protocol/account.ts';
import { forbidden } from '../protocol/errors.ts';
import { embeddedPaths, type PhotoshopPath } from './photoshop-paths.ts';

/** The source formats of the table in source-formats.ts. */
export type SourceFormat = 'jpeg' | 'png' | 'tiff' | 'psd' | 'gif' | 'bmp' | 'webp' | 'avif' | 'eps' | 'jxl' | 'heif';

/**
 * Reads format, size and colour layout from an image header without decoding it, so that limits
 * are enforced before any WASM decoder allocates (a decompression bomb takes gigabytes of WASM memory, which never returns).
 */
export interface SourceInfo {
  format: SourceFormat;
  width: number;
  height: number;
  /** JPEG colour components (1 grey, 3 YCbCr, 4 CMYK/YCCK); PNG channels; other formats' colour channels (3 for a palette). */
  components: number;
  /** True when the image can hold transparency (PNG alpha colour types or tRNS, a TIFF's alpha sample). */
  hasAlpha: boolean;
  /** The alpha is associated (premultiplied), as a TIFF's ExtraSamples 1 says. */
  premultiplied?: boolean;
  bitDepth: number;
  /** An embedded ICC profile (JPEG APP2 ICC_PROFILE, PNG iCCP, TIFF tag 34675). */
  hasIcc: boolean;
  /** A PNG with gAMA or cHRM chunks: the worker reads them for colour management where no profile is embedded. */
  chromaticity?: boolean;
  /** Embedded XMP (JPEG APP1 with the XMP namespace, PNG iTXt XML:com.adobe.xmp, TIFF tag 700). */
  hasXmp: boolean;
  /** The Photoshop paths it embeds (path resources 2000-2997 of a PSD, JPEG APP13, TIFF tag 34377 or EPS), in pixels of the stored image, where it has any. */
  paths?: PhotoshopPath[];
  /** Pixels per inch, where the header says (PSD, BMP); JPEG's and PNG's are read by image/metadata.ts. */
  dpi?: number;
  /** A TIFF whose strips or tiles are JPEG: each decodes at 1/2, 1/4 or 1/8 as a JPEG does (planning/shrink.ts). */
  shrinkable?: boolean;
  /** A JPEG's scans (SOS markers), when more than one: each is a pass of the decoder over the frame (footprint.ts); an arithmetic-coded or lossless frame's JavaScript decode counts as more. */
  scans?: number;
  /**
   * A TIFF's first page is tiled, and the levels of its pyramid, largest (the page itself) first
   * (tiff-header.ts), each with `shrink`: the largest power of two its tiles may each be shrunk by as
   * they are decoded (tiff-region.ts), 1 when they may not; `chunkPixels`: the first page's pixels per
   * strip or tile (per plane of a planar page), for the fixed cost of each in a decode's work (footprint.ts).
   */
  tiff?: { tiled: boolean; levels: { directory: number; width: number; height: number; shrink: number }[]; chunkPixels: number };
}

/**
 * A header walk's steps, charged to the request's account a chunk or segment at a time, so a file
 * of millions of empty chunks stops at the request's limit (max-header-chunks); without an account
 * (the first bytes of a download, looked at again whole) the walk is the caller's to bound.
 */
export class Walk {
  private steps = 0;
  private readonly left: number;

  constructor(private readonly account: Account | undefined) {
    this.left = account?.remaining.chunks ?? Infinity;
  }

  step(): void {
    if (++this.steps > this.left) this.account!.charge('chunks', this.steps);
  }

  done(): void {
    this.account?.charge('chunks', this.steps);
  }

  /** The bytes of a header read (a TIFF's directories and their values), charged as counted. */
  bytes(count: number): void {
    this.account?.charge('header', count);
  }
}

/** 290 ms for a 3 MP arithmetic-coded file on the project's machine, at about 3.6 ns a plain pass's pixel. */
const ARITHMETIC_PASSES = 27;
/** 450 ms for a 3 MP lossless RGB file. */
const LOSSLESS_PASSES = 42;

const corrupt = (what: string) => forbidden(`The source image is corrupt: ${what}`);

const PHOTOSHOP = 'Photoshop 3.0\0';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

const startsWithText = (b: Uint8Array, at: number, text: string) =>
  at + text.length <= b.length && String.fromCharCode(...b.subarray(at, at + text.length)) === text;

export function sniffJpeg(b: Uint8Array, walk: Walk): SourceInfo {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let hasIcc = false;
  let hasXmp = false;
  const photoshop: Uint8Array[] = [];
  let i = 2;
  while (i + 4 <= b.length) {
    walk.step();
    if (b[i] !== 0xff) throw corrupt('bad JPEG marker');
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const length = view.getUint16(i + 2);
    if (length < 2) throw corrupt('bad JPEG segment length');
    if (marker === 0xe2 && startsWithText(b, i + 4, 'ICC_PROFILE')) hasIcc = true;
    if (marker === 0xe1 && startsWithText(b, i + 4, 'http://ns.adobe.com/xap/1.0/')) hasXmp = true;
    // Photoshop's image resources, split over as many APP13 segments as they need.
    if (marker === 0xed && startsWithText(b, i + 4, PHOTOSHOP)) photoshop.push(b.subarray(i + 4 + PHOTOSHOP.length, Math.min(b.length, i + 2 + length)));
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 10 > b.length) break;
      const bitDepth = b[i + 4]!;
      const height = view.getUint16(i + 5);
      const width = view.getUint16(i + 7);
      const components = b[i + 9]!;
      if (width === 0 || height === 0) throw corrupt('zero JPEG dimensions');
      if (marker === 0xcb) throw forbidden('Lossless arithmetic-coded JPEGs are not supported');
      if (marker >= 0xc5 && marker !== 0xc9 && marker !== 0xca) throw forbidden('Hierarchical JPEGs are not supported');
      if ((marker === 0xc9 || marker === 0xca) && bitDepth !== 8) throw forbidden(`Arithmetic-coded JPEGs of ${bitDepth} bits are not supported`);
      if (marker === 0xc3 && components !== 1 && components !== 3) throw forbidden(`Lossless JPEGs of ${components} components are not supported`);
      // mozjpeg decodes a truncated file "successfully" with grey fill: require the end marker.
      if (!endsWithEoi(b)) throw corrupt('the JPEG data is truncated');
      if (i + 10 + 3 * components > b.length) throw corrupt('the JPEG frame header is truncated');
      // Every 8x8 block takes at least one bit of entropy-coded data (its DC code, in a baseline
      // scan or a progressive DC scan), so a frame whose data is shorter cannot be whole: mozjpeg
      // would fill it with grey, at the full frame's cost in memory and time. Arithmetic coding
      // can take less than a bit a block, so its frames are bounded by the size limits alone.
      const blocks = blockCount(b, i + 10, components, width, height);
      const scanStart = firstScan(b, view, i + 2 + length);
      if (marker !== 0xc9 && marker !== 0xca && (b.length - scanStart) * 8 < blocks) throw corrupt(`the JPEG data is far too short for its ${width}x${height} frame`);
      // Arithmetic-coded and lossless frames are decoded in full by JavaScript (image/jpeg-arithmetic.ts,
      // jpeg-lossless.ts), whatever the shrink-on-load: counted as that many plain passes over the frame.
      const scans = countScans(b, scanStart) + (marker === 0xc9 || marker === 0xca ? ARITHMETIC_PASSES : marker === 0xc3 ? LOSSLESS_PASSES : 0);
      const paths = photoshop.length > 0 ? embeddedPaths(concat(photoshop), 'JPEG', width, height, () => walk.step()) : undefined;
      return { format: 'jpeg', width, height, components, hasAlpha: false, bitDepth, hasIcc, hasXmp, ...(scans > 1 ? { scans } : {}), ...(paths ? { paths } : {}) };
    }
    if (marker === 0xda || marker === 0xd9) break;
    i += 2 + length;
  }
  throw corrupt('no JPEG frame header');
}

/** The 8x8 blocks of all components of a frame, from the sampling factors of its SOF. */
function blockCount(b: Uint8Array, at: number, components: number, width: number, height: number): number {
  let hMax = 1;
  let vMax = 1;
  for (let c = 0; c < components; c++) {
    const hv = b[at + 3 * c + 1]!;
    hMax = Math.max(hMax, hv >> 4);
    vMax = Math.max(vMax, hv & 15);
  }
  let blocks = 0;
  for (let c = 0; c < components; c++) {
    const hv = b[at + 3 * c + 1]!;
    const w = Math.ceil((width * Math.max(1, hv >> 4)) / hMax);
    const h = Math.ceil((height * Math.max(1, hv & 15)) / vMax);
    blocks += Math.ceil(w / 8) * Math.ceil(h / 8);
  }
  return blocks;
}

/** Where the first scan's data begins (after its SOS header); the file's end if there is none. */
function firstScan(b: Uint8Array, view: DataView, from: number): number {
  let i = from;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return b.length;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = view.getUint16(i + 2);
    if (marker === 0xda) return Math.min(b.length, i + 2 + length);
    i += 2 + length;
  }
  return b.length;
}

/**
 * The scans of a JPEG: the SOS markers from the first scan's data on. Entropy-coded data escapes
 * every 0xFF (as FF 00, or a restart marker), so FF DA is always a marker; a native byte search
 * finds each 0xFF, a few hundred thousand of them in a 50 MB file.
 */
function countScans(b: Uint8Array, from: number): number {
  let scans = from < b.length ? 1 : 0;
  for (let i = b.indexOf(0xff, from); i >= 0 && i + 1 < b.length; i = b.indexOf(0xff, i + 1)) if (b[i + 1] === 0xda) scans++;
  return scans;
}

/** The EOI marker within the last bytes (some writers append a little padding after it). */
function endsWithEoi(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(0, b.length - 4096); i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  }
  return false;
}

/**
 * Walks every chunk: lengths in bounds, CRCs right, IEND present. The PNG decoder does not read
 * CRCs, so damaged files stop here.
 */
function checkPngChunks(b: Uint8Array, view: DataView, walk: Walk): { hasIcc: boolean; hasXmp: boolean; hasTrns: boolean; hasData: boolean; chromaticity: boolean } {
  let hasIcc = false;
  let chromaticity = false;
  let hasData = false;
  let hasTrns = false;
  let hasXmp = false;
  let i = 8;
  while (i + 12 <= b.length) {
    walk.step();
    const length = view.getUint32(i);
    if (i + 12 + length > b.length) break;
    const crc = view.getUint32(i + 8 + length);
    if (crc32(b.subarray(i + 4, i + 8 + length)) !== crc) throw corrupt('a PNG chunk fails its checksum');
    const type = String.fromCharCode(b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
    if (type === 'iCCP') hasIcc = true;
    if (type === 'tRNS') hasTrns = true;
    if (type === 'gAMA' || type === 'cHRM') chromaticity = true;
    if (type === 'IDAT') hasData = true;
    if (type === 'iTXt' && startsWithText(b, i + 8, 'XML:com.adobe.xmp')) hasXmp = true;
    if (type === 'IEND') return { hasIcc, hasXmp, hasTrns, hasData, chromaticity };
    i += 12 + length;
  }
  throw corrupt('the PNG data is truncated');
}

/** The bit depths the PNG specification allows for each colour type (its table 11.1). */
const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export function sniffPng(b: Uint8Array, walk: Walk): SourceInfo {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 33 || String.fromCharCode(...b.subarray(12, 16)) !== 'IHDR') throw corrupt('no PNG header');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = b[24]!;
  const colorType = b[25]!;
  if (width === 0 || height === 0) throw corrupt('zero PNG dimensions');
  const channels: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
  if (!(colorType in channels)) throw corrupt('unknown PNG colour type');
  if (!PNG_DEPTHS[colorType]!.includes(bitDepth)) throw corrupt(`a PNG of colour type ${colorType} cannot have bit depth ${bitDepth}`);
  const { hasIcc, hasXmp, hasTrns, hasData, chromaticity } = checkPngChunks(b, view, walk);
  if (!hasData) throw corrupt('the PNG has no image data (IDAT)');
  const hasAlpha = colorType === 4 || colorType === 6 || hasTrns;
  return { format: 'png', width, height, components: channels[colorType]!, hasAlpha, bitDepth, hasIcc, hasXmp, ...(chromaticity ? { chromaticity } : {}) };
}

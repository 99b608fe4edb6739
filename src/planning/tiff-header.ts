import { forbidden } from '../protocol/errors.ts';
import type { SourceInfo, Walk } from './sniff.ts';
import { embeddedPaths } from './photoshop-paths.ts';
import { corruptTiff, raw, readContainer, value, values, type HeaderCharge, type TiffContainer, type TiffEntry } from './tiff-ifd.ts';

/**
 * A TIFF page as the decoder needs it: the sample layout, the colour model, and where each strip
 * or tile is. Everything the decoder would refuse is refused here, before any pixel is decoded: a
 * valid file outside what Isle reads is a 403 naming the feature (docs/compatibility.md).
 */
export interface TiffPage {
  width: number;
  height: number;
  littleEndian: boolean;
  /** Samples per pixel, colour and extra. */
  samples: number;
  /** Bits of every sample: 1, 2, 4, 8 or 16. */
  bits: number;
  model: 'gray' | 'rgb' | 'palette' | 'cmyk';
  /** PhotometricInterpretation as written: JPEG data of RGB (2) is not YCbCr (6). */
  photometric: number;
  /** Photometric 0: the lowest value is white. */
  minIsWhite: boolean;
  compression: number;
  /** 1 chunky (samples of a pixel together), 2 planar (one plane of chunks per sample). */
  planar: 1 | 2;
  predictor: 1 | 2;
  /** FillOrder 2: the bits of each byte run from the least significant. */
  reversedBits: boolean;
  /** CCITT Group 3 (compression 3): T4Options' bit 0, rows coded in two dimensions too. */
  twoD: boolean;
  /** The sample index of the kept alpha (the first associated or unassociated one), or -1. */
  alphaSample: number;
  premultiplied: boolean;
  /** Strips are chunks as wide as the image. */
  tiled: boolean;
  chunkWidth: number;
  chunkHeight: number;
  across: number;
  down: number;
  offsets: number[];
  counts: number[];
  /** The palette's 16-bit red, then green, then blue values. */
  colormap?: number[];
  jpegTables?: Uint8Array;
  orientation: number;
  icc: boolean;
  xmp: boolean;
  pages: number;
  /** Photoshop's image resources (tag 34377), a view into the file. */
  photoshop?: Uint8Array;
}

const COLOR_SAMPLES = { gray: 1, palette: 1, rgb: 3, cmyk: 4 } as const;
const MAX_SAMPLES = 8;
/** The largest tile side allowed beyond the image's own size (rounded up to 16). */
const MAX_SPARE_TILE = 1024;
export const TIFF_COMPRESSIONS: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 7, 8, 32773, 32946]);
/** CCITT modified Huffman RLE, Group 3 and Group 4 (image/ccitt.ts). */
export const isFax = (compression: number) => compression >= 2 && compression <= 4;

/**
 * The most each compression can expand: stored 1, PackBits 64 (two bytes for a run of 128), Deflate
 * 1032 (zlib's own bound), LZW about 1340 (codes of growing length up to the 4096th), JPEG 1536 (at
 * least a bit for each 8x8 block of each of three components). CCITT has no ratio: a two-dimensional
 * row like the one above costs one bit, so its strips need at least a bit a row (`leastBytes`).
 */
const MAX_RATIO: Record<number, number> = { 1: 1, 5: 1400, 7: 1536, 8: 1032, 32773: 64, 32946: 1032 };

const refuse = (feature: string) => forbidden(`TIFF sources with ${feature} are not supported`);

function compressionOf(n: number): number {
  if (TIFF_COMPRESSIONS.has(n)) return n;
  if (n === 6) throw refuse('old-style JPEG compression (6)');
  if ([33003, 33004, 33005, 34712, 34713].includes(n)) throw refuse(`JPEG 2000 compression (${n})`);
  throw refuse(`compression ${n}`);
}

function modelOf(photometric: number, compression: number, inkSet: number): { model: TiffPage['model']; minIsWhite: boolean } {
  switch (photometric) {
    case 0: return { model: 'gray', minIsWhite: true };
    case 1: return { model: 'gray', minIsWhite: false };
    case 2: return { model: 'rgb', minIsWhite: false };
    case 3: return { model: 'palette', minIsWhite: false };
    case 5:
      if (inkSet !== 1) throw refuse('inks other than CMYK (InkSet 2)');
      return { model: 'cmyk', minIsWhite: false };
    case 6:
      // YCbCr samples that are not JPEG's own are subsampled raw data, which Isle does not read.
      if (compression !== 7) throw refuse('uncompressed or non-JPEG YCbCr samples');
      return { model: 'rgb', minIsWhite: false };
    case 8: case 9: case 10: throw refuse('CIE Lab colour');
    case 4: throw refuse('a transparency mask as the image');
    case 32844: case 32845: throw refuse('LogLuv colour');
    default: throw refuse(`photometric interpretation ${photometric}`);
  }
}

/**
 * A directory (the first page unless told) as a page the decoder reads, or a 403 naming what is not
 * supported; `charge` is the request's account, through sniff's Walk.
 */
export function readTiffPage(bytes: Uint8Array, charge?: HeaderCharge, directory = 0, fileSize = bytes.length): TiffPage {
  return pageAt(readContainer(bytes, charge, fileSize), directory);
}

/** Directory `directory` of a container read already, as readTiffPage gives it. */
export function pageAt(c: TiffContainer, directory: number): TiffPage {
  const dir = c.directories[directory];
  if (!dir) throw corruptTiff(`the TIFF file has no image directory ${directory}`);
  return pageOf(c, dir, c.pages);
}

/** One resolution of a pyramid: which directory holds it, its size, and what its tiles may be shrunk by as decoded (tileShrink). */
export interface TiffLevel {
  directory: number;
  width: number;
  height: number;
  shrink: number;
}

/**
 * The first page and every reduced resolution of it the file holds, largest first: the pages that
 * follow it or its SubIFDs (a pyramid as libvips' --pyramid and Adobe's IC write it), each smaller on
 * both sides with the same proportions (within a pixel's rounding either way) and the same kind of
 * samples. A transparency mask (NewSubfileType bit 2) or a directory Isle would refuse is no level.
 */
function levelsOf(c: TiffContainer, first: TiffPage): TiffLevel[] {
  const levels: TiffLevel[] = [{ directory: 0, width: first.width, height: first.height, shrink: tileShrink(first) }];
  for (let d = 1; d < c.directories.length; d++) {
    const dir = c.directories[d]!;
    if ((value(c, dir, 254, 0) & 4) !== 0) continue;
    const width = value(c, dir, 256, 0);
    const height = value(c, dir, 257, 0);
    if (width < 1 || height < 1 || width >= first.width || height >= first.height) continue;
    if (Math.abs(height - (first.height * width) / first.width) > 1.5 && Math.abs(width - (first.width * height) / first.height) > 1.5) continue;
    if (levels.some((l) => l.width === width)) continue;
    let page: TiffPage;
    try {
      page = pageOf(c, dir, c.pages);
    } catch {
      continue;
    }
    if (page.model !== first.model || page.samples !== first.samples || page.bits !== first.bits || page.alphaSample !== first.alphaSample || page.premultiplied !== first.premultiplied) continue;
    levels.push({ directory: d, width, height, shrink: tileShrink(page) });
  }
  return levels.sort((a, b) => b.width - a.width);
}

function pageOf(c: TiffContainer, dir: Map<number, TiffEntry>, pages: number): TiffPage {
  const width = value(c, dir, 256, 0);
  const height = value(c, dir, 257, 0);
  if (width < 1 || height < 1) throw corruptTiff('a TIFF page without a size');
  const compression = compressionOf(value(c, dir, 259, 1));
  const sampleFormat = value(c, dir, 339, 1);
  if (sampleFormat === 3) throw refuse('floating-point samples');
  if (sampleFormat === 2) throw refuse('signed integer samples');
  if (sampleFormat === 5 || sampleFormat === 6) throw refuse('complex samples');
  const photometric = value(c, dir, 262, -1);
  if (photometric === -1) throw corruptTiff('a TIFF page without PhotometricInterpretation');
  const { model, minIsWhite } = modelOf(photometric, compression, value(c, dir, 332, 1));
  const samples = value(c, dir, 277, 1);
  // Colour and an alpha, and a few extra channels beside: more is no image Isle reads.
  if (samples > MAX_SAMPLES) throw refuse(`more than ${MAX_SAMPLES} samples per pixel`);
  const bitsAll = values(c, dir, 258, samples) ?? [1];
  const bits = bitsAll[0]!;
  if (bitsAll.some((b) => b !== bits)) throw refuse('samples of different sizes');
  const colorSamples = COLOR_SAMPLES[model];
  if (samples < colorSamples) throw corruptTiff(`a ${model} TIFF page with ${samples} samples per pixel`);
  const depths = model === 'gray' ? [1, 2, 4, 8, 16] : model === 'palette' ? [1, 2, 4, 8] : [8, 16];
  if (!depths.includes(bits)) throw refuse(`${bits}-bit ${model === 'palette' ? 'palette' : model.toUpperCase()} samples`);
  const predictor = value(c, dir, 317, 1);
  if (predictor === 3) throw refuse('the floating-point predictor (3)');
  if (predictor !== 1 && predictor !== 2) throw corruptTiff(`an unknown TIFF predictor ${predictor}`);
  if (predictor === 2 && bits < 8) throw refuse(`the horizontal predictor on ${bits}-bit samples`);
  const planar = value(c, dir, 284, 1) === 2 && samples > 1 ? 2 : 1;
  if (compression === 7 && (planar === 2 || bits !== 8)) throw refuse('JPEG compression of separate planes or 16-bit samples');
  if (isFax(compression) && (model !== 'gray' || samples !== 1 || bits !== 1)) throw refuse(`CCITT compression (${compression}) of other than 1-bit black and white`);
  // Uncompressed mode inside a CCITT stream (T4Options bit 1, T6Options bit 1): no writer Isle knows of uses it.
  if ((compression === 3 && value(c, dir, 292, 0) & 2) || (compression === 4 && value(c, dir, 293, 0) & 2)) throw refuse('CCITT uncompressed mode');
  const extra = values(c, dir, 338, samples) ?? [];
  const alphaAt = extra.findIndex((e) => e === 1 || e === 2);
  const alphaSample = alphaAt >= 0 && colorSamples + alphaAt < samples ? colorSamples + alphaAt : -1;
  const tiled = dir.has(322) || dir.has(324);
  const chunkWidth = tiled ? value(c, dir, 322, 0) : width;
  const rowsPerStrip = value(c, dir, 278, 0xffffffff);
  const chunkHeight = tiled ? value(c, dir, 323, 0) : Math.min(rowsPerStrip || height, height);
  // A tile larger than its image is allowed (a small image in one 256x256 tile), within reason:
  // what the decoder allocates for a tile is then at most a few MB beyond what the image takes.
  const fits = (tile: number, side: number) => tile >= 1 && tile <= Math.max(MAX_SPARE_TILE, Math.ceil(side / 16) * 16);
  if (!fits(chunkWidth, width) || !fits(chunkHeight, height)) {
    throw corruptTiff(`TIFF tiles or strips of ${chunkWidth}x${chunkHeight}`);
  }
  const across = Math.ceil(width / chunkWidth);
  const down = Math.ceil(height / chunkHeight);
  const expected = across * down * (planar === 2 ? samples : 1);
  const offsets = values(c, dir, tiled ? 324 : 273) ?? [];
  const counts = values(c, dir, tiled ? 325 : 279) ?? [];
  if (offsets.length < expected || counts.length < expected) throw corruptTiff(`the TIFF page lists ${offsets.length} of its ${expected} strips or tiles`);
  const rowBytes = Math.ceil((chunkWidth * (planar === 2 ? 1 : samples) * bits) / 8);
  const ratio = MAX_RATIO[compression];
  const leastBytes = (rows: number) => (ratio === undefined ? rows / 8 : (rowBytes * rows) / ratio);
  for (let i = 0; i < expected; i++) {
    // A chunk the file does not hold (offset and count 0: a sparse file, or a region's file that
    // carries only the chunks it needs, inputs/tiff-ranges.ts) is refused if it is ever decoded.
    if (offsets[i] === 0 && counts[i] === 0) continue;
    if (offsets[i]! + counts[i]! > c.fileSize) throw corruptTiff('a TIFF strip or tile lies past the end of the file');
    // A decode never costs more than the data could hold: a page whose chunks are far too short is refused unread.
    const rows = tiled ? chunkHeight : Math.min(chunkHeight, height - (Math.floor(i / across) % down) * chunkHeight);
    if (counts[i]! < leastBytes(rows)) throw corruptTiff(`a TIFF strip or tile of ${counts[i]} bytes is far too short for its ${chunkWidth}x${rows} pixels`);
  }
  const colormap = model === 'palette' ? values(c, dir, 320, 3 << bits) : undefined;
  if (model === 'palette' && (!colormap || colormap.length < 3 << bits)) throw corruptTiff('a palette TIFF without its colour map');
  const jpegTables = compression === 7 ? raw(c, dir, 347) : undefined;
  const orientation = value(c, dir, 274, 1);
  const photoshop = raw(c, dir, 34377);
  return {
    width, height, littleEndian: c.littleEndian, samples, bits, model, photometric, minIsWhite, compression, planar, predictor,
    reversedBits: value(c, dir, 266, 1) === 2, twoD: compression === 3 && (value(c, dir, 292, 0) & 1) === 1, alphaSample, premultiplied: alphaSample >= 0 && extra[alphaAt] === 1,
    tiled, chunkWidth, chunkHeight, across, down, offsets: offsets.slice(0, expected), counts: counts.slice(0, expected),
    ...(colormap ? { colormap } : {}), ...(jpegTables ? { jpegTables } : {}),
    orientation: orientation >= 1 && orientation <= 8 ? orientation : 1, icc: dir.has(34675), xmp: dir.has(700), pages,
    ...(photoshop ? { photoshop } : {}),
  };
}

/**
 * How far a page's tiles or strips may each be box-shrunk as decoded: the largest power of two
 * dividing both tile sides, or a strip's rows (so no box straddles two chunks), for 8-bit samples of
 * straight or no alpha other than CMYK with alpha (whose alpha is kept apart); 1 otherwise, and for
 * strips of more than a megapixel, which the decode holds whole beside the reduced rect (a page of one
 * strip would be held whole where the plan counts the rect).
 */
const MAX_SHRUNK_STRIP = 1 << 20;

function tileShrink(page: TiffPage): number {
  if (page.bits !== 8 || page.premultiplied || (page.model === 'cmyk' && page.alphaSample >= 0)) return 1;
  if (!page.tiled && page.chunkWidth * page.chunkHeight > MAX_SHRUNK_STRIP) return 1;
  let f = 1;
  while (f < 256 && (!page.tiled || page.chunkWidth % (f * 2) === 0) && page.chunkHeight % (f * 2) === 0) f *= 2;
  return f;
}

/**
 * The header the planner reads: the first page's size and colour layout, and its reduced levels;
 * of a header read alone (inputs/tiff-ranges.ts), with the whole file's size.
 */
export function sniffTiff(b: Uint8Array, walk: Walk, fileSize = b.length): SourceInfo {
  const c = readContainer(b, { step: () => walk.step(), bytes: (n) => walk.bytes(n) }, fileSize);
  const page = pageOf(c, c.directories[0]!, c.pages);
  const paths = page.photoshop ? embeddedPaths(page.photoshop, 'TIFF', page.width, page.height, () => walk.step()) : undefined;
  return {
    format: 'tiff',
    width: page.width,
    height: page.height,
    components: page.model === 'palette' ? 3 : COLOR_SAMPLES[page.model],
    hasAlpha: page.alphaSample >= 0,
    bitDepth: page.bits,
    hasIcc: page.icc,
    hasXmp: page.xmp,
    ...(page.premultiplied ? { premultiplied: true } : {}),
    ...(paths ? { paths } : {}),
    // A stripped JPEG page shrinks on load as a JPEG does (planning/shrink.ts); a tiled one is read
    // by region, its tiles shrunk as decoded (tiff-region.ts).
    ...(page.compression === 7 && !page.tiled ? { shrinkable: true } : {}),
    tiff: { tiled: page.tiled, levels: levelsOf(c, page), chunkPixels: (page.chunkWidth * page.chunkHeight) / (page.planar === 2 ? page.samples : 1) },
  };
}

/** The Orientation tag of the first page (1 when absent), without the page's other checks. */
export function tiffOrientation(b: Uint8Array): number {
  const c = readContainer(b);
  const o = value(c, c.directories[0]!, 274, 1);
  return o >= 1 && o <= 8 ? o : 1;
}

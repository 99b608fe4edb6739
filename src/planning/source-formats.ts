import { forbidden } from '../protocol/errors.ts';
import { sniffJpeg, sniffPng, Walk, type SourceFormat, type SourceInfo } from './sniff.ts';
import type { Account } from '../protocol/account.ts';
import { isTiff } from './tiff-ifd.ts';
import { sniffTiff, tiffOrientation } from './tiff-header.ts';
import { isPsd, psdHeader } from './psd-header.ts';
import { gifHeader, isGif } from './gif-header.ts';
import { bmpHeader, isBmp } from './bmp-header.ts';
import { corrupt, type RasterHeader } from './raster-header.ts';
import { isWebp, sniffWebp } from './webp-header.ts';
import { avifOrientation, isAvif, sniffAvif } from './avif-header.ts';
import { epsHeader, isEps } from './eps-header.ts';
import { embeddedPaths } from './photoshop-paths.ts';
import { isJxl, sniffJxl } from './jxl-header.ts';
import { isHeif, sniffHeif } from './heif-header.ts';

/**
 * Every source format in one table, as protocol/formats.ts is for replies: how a file is
 * recognised, how its header is read without decoding (size, colour layout, bits, alpha, embedded
 * profile and XMP, so every limit applies before a byte is decoded), which decoder the worker runs
 * (pipeline/steps/codec.ts), and what else it allows. Adding a format is a row here, its header
 * reader, and its decoder.
 */
export interface SourceFormatSpec {
  /** The name messages and docs use. */
  name: string;
  /** The media type of the file as it is (the delivery API's original route). */
  mediaType: string;
  /** The file begins as this format's files do. */
  recognise: (b: Uint8Array) => boolean;
  /** The header: a 403 for a damaged file or a valid one outside what Isle reads. */
  header: (b: Uint8Array, walk: Walk) => SourceInfo;
  /** The orientation the format's own header gives; EXIF's (inputs/source.ts) where undefined. */
  orientation?: (b: Uint8Array) => number;
  /** It can be decoded at 1/2, 1/4 or 1/8 in the DCT domain (planning/shrink.ts). */
  shrinkOnLoad: boolean;
  /** Its 16-bit samples reach the colour step whole, as RGBA16. */
  wide: boolean;
  /** SourceInfo.components counts the alpha channel too (PNG's channels). */
  alphaInComponents: boolean;
}

export const SOURCE_FORMATS: Record<SourceFormat, SourceFormatSpec> = {
  jpeg: {
    name: 'JPEG',
    mediaType: 'image/jpeg',
    recognise: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
    header: sniffJpeg,
    shrinkOnLoad: true,
    wide: false,
    alphaInComponents: false,
  },
  png: {
    name: 'PNG',
    mediaType: 'image/png',
    recognise: (b) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
    header: sniffPng,
    shrinkOnLoad: false,
    wide: true,
    alphaInComponents: true,
  },
  tiff: {
    name: 'TIFF',
    mediaType: 'image/tiff',
    recognise: isTiff,
    header: sniffTiff,
    orientation: tiffOrientation,
    shrinkOnLoad: false,
    wide: true,
    alphaInComponents: false,
  },
  psd: {
    name: 'PSD',
    mediaType: 'image/vnd.adobe.photoshop',
    recognise: isPsd,
    header: (b, walk) => {
      const h = psdHeader(b, () => walk.step());
      return { ...fromRaster('psd', h), ...(h.paths.length > 0 ? { paths: h.paths } : {}) };
    },
    orientation: () => 1,
    shrinkOnLoad: false,
    wide: true,
    alphaInComponents: false,
  },
  gif: {
    name: 'GIF',
    mediaType: 'image/gif',
    recognise: isGif,
    header: (b, walk) => {
      const h = gifHeader(b, () => walk.step());
      // The decoder expands the first frame whole before placing it on the screen: a frame larger
      // than its screen would cost more than the size the limits were checked against.
      if (h.frame.width * h.frame.height > h.width * h.height) throw corrupt('GIF', `first frame of ${h.frame.width}x${h.frame.height} on a ${h.width}x${h.height} screen`);
      return fromRaster('gif', h);
    },
    orientation: () => 1,
    shrinkOnLoad: false,
    wide: false,
    alphaInComponents: false,
  },
  bmp: {
    name: 'BMP',
    mediaType: 'image/bmp',
    recognise: isBmp,
    header: (b, walk) => fromRaster('bmp', bmpHeader(b, () => walk.step())),
    orientation: () => 1,
    shrinkOnLoad: false,
    wide: false,
    alphaInComponents: false,
  },
  webp: {
    name: 'WebP',
    mediaType: 'image/webp',
    recognise: isWebp,
    header: sniffWebp,
    orientation: () => 1,
    shrinkOnLoad: false,
    wide: false,
    alphaInComponents: false,
  },
  avif: {
    name: 'AVIF',
    mediaType: 'image/avif',
    recognise: isAvif,
    header: sniffAvif,
    orientation: avifOrientation,
    shrinkOnLoad: false,
    wide: false,
    alphaInComponents: false,
  },
  eps: {
    name: 'EPS',
    mediaType: 'application/postscript',
    recognise: isEps,
    header: (b, walk) => {
      const h = epsHeader(b, () => walk.step());
      const paths = h.photoshop ? embeddedPaths(h.photoshop, 'EPS', h.width, h.height, () => walk.step()) : undefined;
      return { ...fromRaster('eps', { width: h.width, height: h.height, pixelType: h.pixelType, bits: 8, alpha: 'none', orientation: 1, pages: 1 }), ...(paths ? { paths } : {}) };
    },
    orientation: () => 1,
    shrinkOnLoad: false,
    wide: false,
    alphaInComponents: false,
  },
  jxl: {
    name: 'JPEG XL',
    mediaType: 'image/jxl',
    recognise: isJxl,
    header: sniffJxl,
    // libjxl turns the image upright as it decodes (planning/jxl-header.ts).
    orientation: () => 1,
    shrinkOnLoad: false,
    wide: false,
    alphaInComponents: false,
  },
  // After AVIF: an AVIF names HEIF's mif1 brand too.
  heif: {
    name: 'HEIF',
    mediaType: 'image/heif',
    recognise: isHeif,
    header: sniffHeif,
    // libheif crops and turns the image as it decodes (planning/heif-header.ts).
    orientation: () => 1,
    shrinkOnLoad: false,
    wide: false,
    alphaInComponents: false,
  },
};

const COMPONENTS = { rgb: 3, indexed: 3, cmyk: 4, gray: 1 } as const;

/** A PSD's, GIF's, BMP's or EPS's header (planning/raster-header.ts) as the planner reads it. */
function fromRaster(format: SourceFormat, h: RasterHeader): SourceInfo {
  return {
    format,
    width: h.width,
    height: h.height,
    components: COMPONENTS[h.pixelType],
    hasAlpha: h.alpha !== 'none',
    ...(h.alpha === 'associated' ? { premultiplied: true } : {}),
    bitDepth: h.bits,
    hasIcc: !!h.icc,
    hasXmp: !!h.xmp,
    ...(h.dpi ? { dpi: Math.round(h.dpi * 100) / 100 } : {}),
  };
}

const ALL = Object.entries(SOURCE_FORMATS) as [SourceFormat, SourceFormatSpec][];

const NAMES = `${ALL.slice(0, -1).map(([, s]) => s.name).join(', ')} or ${ALL.at(-1)![1].name}`;

/**
 * Formats recognised only to be refused by name. PICT: Image Serving reads its bitmap data, but
 * QuickDraw pictures are rare among today's masters and a faithful reader means interpreting
 * QuickDraw opcodes; a site bringing them converts them once (docs/compatibility.md).
 */
const REFUSED: { name: string; recognise: (b: Uint8Array) => boolean }[] = [
  {
    name: 'PICT',
    // The 512-byte file header, the picture's size and frame, then version 1 (11 01) or version 2 (00 11 02 FF).
    recognise: (b) => b.length >= 526 && ((b[522] === 0x11 && b[523] === 0x01) || (b[522] === 0x00 && b[523] === 0x11 && b[524] === 0x02 && b[525] === 0xff)),
  },
];

/** The format whose files begin as these bytes do, if any. */
export const formatOf = (bytes: Uint8Array): SourceFormatSpec | undefined => ALL.find(([, spec]) => spec.recognise(bytes))?.[1];

/** The header of a source of any format; `account` is charged its walk (sniff.ts's Walk). */
export function sniff(bytes: Uint8Array, account?: Account): SourceInfo {
  const spec = formatOf(bytes);
  if (!spec) {
    const refused = REFUSED.find((r) => r.recognise(bytes));
    throw forbidden(refused ? `${refused.name} sources are not supported` : `The source is not a ${NAMES} image`);
  }
  const walk = new Walk(account);
  const info = spec.header(bytes, walk);
  walk.done();
  return info;
}

/** The reference's pixel types (image.pixTyp) and the colour engine's kinds of source. */
export function pixelType(info: SourceInfo): 'rgb' | 'cmyk' | 'gray' {
  if (SOURCE_FORMATS[info.format].alphaInComponents) return info.components <= 2 ? 'gray' : 'rgb';
  return info.components === 4 ? 'cmyk' : info.components === 1 ? 'gray' : 'rgb';
}

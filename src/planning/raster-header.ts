import { forbidden, type IsError } from '../protocol/errors.ts';

/**
 * What the PSD, GIF and BMP header readers share: a header read without decoding (bounded by the
 * file's size, so every limit applies before a pixel is decoded), which planning/source-formats.ts
 * turns into a SourceInfo and the decoders (pipeline/psd-decode.ts, gif-decode.ts, bmp-decode.ts)
 * read again. Damaged files and valid features Isle does not read are 403s naming the format and
 * what is wrong.
 */
export type PixelType = 'rgb' | 'cmyk' | 'gray' | 'indexed';

/** None, associated (premultiplied), or unassociated (straight), as image.mask's 0, 1 and 2. */
export type AlphaKind = 'none' | 'associated' | 'unassociated';

/** Bytes of the file, not copied nor inflated. */
export interface Span {
  offset: number;
  length: number;
}

export interface RasterHeader {
  width: number;
  height: number;
  pixelType: PixelType;
  /** Bits per channel: 1, 8 or 16; BMP's 16-bit fields their widest field (5 or 6); a palette's index bits. */
  bits: number;
  alpha: AlphaKind;
  /** An embedded ICC profile. */
  icc?: Span;
  /** Embedded XMP. */
  xmp?: Span;
  /** EXIF-style orientation, 1 where the format has none. */
  orientation: number;
  /** Pages or frames (a PSD's 1, its merged image): what a multi-image file holds; the first is decoded. */
  pages: number;
  /** Pixels per inch, where the file says. */
  dpi?: number;
}

/**
 * Called once for each block a header walk reads (a resource, a layer information block, a GIF
 * extension or frame), so the caller can charge the request's account for it and stop the walk
 * by throwing.
 */
export type Step = () => void;

export const corrupt = (format: string, what: string): IsError => forbidden(`The source image is corrupt: ${format} ${what}`);
export const unsupported = (format: string, feature: string): IsError => forbidden(`${format} sources with ${feature} are not supported`);

/** The file's bytes as a view that reads integers of either byte order. */
export const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

import { corrupt, unsupported, viewOf, type RasterHeader, type Span, type Step } from './raster-header.ts';

/**
 * BMP's header (Microsoft's "Bitmap Storage" and BITMAPV5HEADER pages): the file header, the
 * info header of any version from OS/2's 12 bytes to V5's 124, the bit fields (in the header
 * from V2 on, after a 40-byte one for BI_BITFIELDS and BI_ALPHABITFIELDS), the palette, and a
 * V5's embedded profile. The rows are checked against the file before the decoder (bmp-decode.ts)
 * allocates: a small file cannot promise a large uncompressed image.
 */
export interface BmpHeader extends RasterHeader {
  /** Bits a pixel: 1, 4, 8, 16, 24 or 32. */
  bitCount: number;
  compression: 'none' | 'rle8' | 'rle4' | 'bitfields';
  /** Rows stored top row first (a negative height). */
  topDown: boolean;
  /** Where the pixel rows (or RLE data) begin, and the bytes of a stored row. */
  dataOffset: number;
  stride: number;
  /** The colour table: `entrySize` bytes an entry, blue, green, red (and a spare). */
  palette?: Span & { entrySize: 3 | 4 };
  /** Red, green, blue and alpha masks of a 16- or 32-bit pixel (alpha 0: none). */
  masks?: [number, number, number, number];
}

const F = 'BMP';
const VERSIONS = new Set([12, 40, 52, 56, 108, 124]);
/** CSType of a V4/V5 header that says the profile is in the file. */
const EMBEDDED = 0x4d424544;
const REFUSED: Record<number, string> = { 4: 'JPEG compression', 5: 'PNG compression', 11: 'CMYK', 12: 'CMYK RLE8', 13: 'CMYK RLE4' };

export const isBmp = (b: Uint8Array) => b.length >= 18 && b[0] === 0x42 && b[1] === 0x4d;

/** The width in bits of a mask's widest run and where it starts. */
export function maskShape(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

export function bmpHeader(b: Uint8Array, step: Step = () => {}): BmpHeader {
  step(); // its one header
  if (!isBmp(b)) throw corrupt(F, 'file without its signature');
  const view = viewOf(b);
  const dataOffset = view.getUint32(10, true);
  const size = view.getUint32(14, true);
  if (size === 16 || size === 64) throw unsupported(F, 'an OS/2 2.x header');
  if (!VERSIONS.has(size)) throw corrupt(F, `header of ${size} bytes`);
  if (14 + size > b.length) throw corrupt(F, 'header is truncated');
  const core = size === 12;
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const rawHeight = core ? view.getUint16(20, true) : view.getInt32(22, true);
  const bitCount = view.getUint16(core ? 24 : 28, true);
  const code = core ? 0 : view.getUint32(30, true);
  if (width < 1 || rawHeight === 0 || rawHeight === -0x80000000) throw corrupt(F, `header with a size of ${width}x${rawHeight}`);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (REFUSED[code]) throw unsupported(F, REFUSED[code]);
  if (bitCount === 2 || bitCount === 64) throw unsupported(F, `${bitCount} bits a pixel`);
  if (![1, 4, 8, 16, 24, 32].includes(bitCount)) throw corrupt(F, `header with ${bitCount} bits a pixel`);
  const compression = compressionOf(code, bitCount);
  if (topDown && (compression === 'rle8' || compression === 'rle4')) throw corrupt(F, 'top-down RLE image');

  let after = 14 + size;
  let masks: BmpHeader['masks'];
  if (bitCount === 16 || bitCount === 32) {
    if (compression === 'bitfields') {
      // A 40-byte header's masks follow it: three (BI_BITFIELDS) or four (BI_ALPHABITFIELDS).
      const at = size >= 52 ? 54 : after;
      const count = size >= 56 ? 4 : size >= 52 ? 3 : code === 6 ? 4 : 3;
      if (size === 40) after += count * 4;
      if (at + count * 4 > b.length) throw corrupt(F, 'bit fields are truncated');
      masks = [0, 1, 2, 3].map((i) => (i < count ? view.getUint32(at + i * 4, true) : 0)) as BmpHeader['masks'];
    } else {
      // BI_RGB: 5-5-5 or 8-8-8 with the top byte unused, whatever masks a V4 header holds.
      masks = bitCount === 16 ? [0x7c00, 0x3e0, 0x1f, 0] : [0xff0000, 0xff00, 0xff, 0];
    }
    if (masks!.slice(0, 3).some((m) => m === 0)) throw corrupt(F, 'a colour bit field of no bits');
    if (bitCount === 16 && masks!.some((m) => m > 0xffff)) throw corrupt(F, 'bit fields past a 16-bit pixel');
  }

  let palette: BmpHeader['palette'];
  if (bitCount <= 8) {
    const entrySize = core ? 3 : 4;
    const used = core ? 0 : view.getUint32(46, true);
    const entries = used === 0 || used > 1 << bitCount ? 1 << bitCount : used;
    // A table cut short by the pixel data keeps the entries before it.
    const room = Math.floor((Math.min(dataOffset, b.length) - after) / entrySize);
    if (room < 1) throw corrupt(F, 'colour table is missing');
    palette = { offset: after, length: Math.min(entries, room) * entrySize, entrySize };
  }

  const stride = Math.ceil((width * bitCount) / 32) * 4;
  if (dataOffset >= b.length) throw corrupt(F, 'pixel data offset past the end of the file');
  if (compression !== 'rle8' && compression !== 'rle4') {
    // Every row, the last without its padding.
    if (stride * (height - 1) + Math.ceil((width * bitCount) / 8) > b.length - dataOffset) throw corrupt(F, 'pixel data is truncated');
  }

  let icc: Span | undefined;
  if (size === 124 && view.getUint32(70, true) === EMBEDDED) {
    const offset = 14 + view.getUint32(126, true);
    const length = view.getUint32(130, true);
    if (length > 0 && offset <= b.length && length <= b.length - offset) icc = { offset, length };
    else throw corrupt(F, 'embedded profile past the end of the file');
  }
  const alphaMask = masks?.[3] ?? 0;
  const pixelsPerMetre = core ? 0 : view.getInt32(38, true);
  return {
    width,
    height,
    pixelType: bitCount <= 8 ? 'indexed' : 'rgb',
    bits: bitCount <= 8 ? bitCount : masks ? Math.max(...masks.slice(0, 3).map((m) => maskShape(m).bits)) : 8,
    alpha: alphaMask !== 0 ? 'unassociated' : 'none',
    ...(icc ? { icc } : {}),
    orientation: 1,
    pages: 1,
    ...(pixelsPerMetre > 0 ? { dpi: pixelsPerMetre * 0.0254 } : {}),
    bitCount,
    compression,
    topDown,
    dataOffset,
    stride,
    ...(palette ? { palette } : {}),
    ...(masks ? { masks } : {}),
  };
}

function compressionOf(code: number, bitCount: number): BmpHeader['compression'] {
  if (code === 0) return 'none';
  if (code === 1 && bitCount === 8) return 'rle8';
  if (code === 2 && bitCount === 4) return 'rle4';
  if ((code === 3 || code === 6) && (bitCount === 16 || bitCount === 32)) return 'bitfields';
  throw corrupt(F, `compression ${code} at ${bitCount} bits a pixel`);
}

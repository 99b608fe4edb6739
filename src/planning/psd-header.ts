import { imageResources, photoshopPaths, type PhotoshopPath } from './photoshop-paths.ts';
import { corrupt, unsupported, viewOf, type PixelType, type RasterHeader, type Span, type Step } from './raster-header.ts';

/**
 * A PSD or PSB (Photoshop's large document format) read to its merged image without decoding it:
 * the file header, the colour mode data (an indexed document's palette), the image resources (ICC
 * profile 1039, XMP 1060, resolution 1005, transparency index 1047, paths 2000-2997 and the
 * clipping path's name 2999), the layer section's count only (a negative one says the merged
 * image's first extra channel is its transparency, Photoshop's File Formats Specification), and
 * the merged image's compression and rows. Every length is checked against the file, and the rows
 * against what the size promises, before the decoder allocates.
 */
export interface PsdHeader extends RasterHeader {
  /** 1 PSD, 2 PSB. */
  version: 1 | 2;
  /** Channels in the file: colour, then extra (alpha and spot) channels. */
  channels: number;
  /** Colour channels (1 bitmap, grey and indexed, 3 RGB, 4 CMYK); the alpha, if any, is the next. */
  colorChannels: number;
  /** The merged image's transparency is its first extra channel (matted on white). */
  alphaChannel: boolean;
  compression: 'raw' | 'rle';
  /** Where each decoded channel's rows begin, row by row (RLE), or each channel's plane (raw). */
  rows: { offset: number; length: number }[];
  /** Bytes of one channel's row. */
  rowBytes: number;
  /** An indexed document's palette: 256 reds, then greens, then blues. */
  palette?: Span;
  transparentIndex?: number;
  paths: PhotoshopPath[];
  clippingPath?: string;
}

const MODES: Record<number, { type: PixelType; channels: number; depths: number[] } | string> = {
  0: { type: 'gray', channels: 1, depths: [1] },
  1: { type: 'gray', channels: 1, depths: [8, 16] },
  2: { type: 'indexed', channels: 1, depths: [8] },
  3: { type: 'rgb', channels: 3, depths: [8, 16] },
  4: { type: 'cmyk', channels: 4, depths: [8, 16] },
  7: 'multichannel colour',
  8: 'duotone colour',
  9: 'Lab colour',
};
/** Additional layer information whose length is 8 bytes in a PSB. */
const LONG_KEYS = new Set(['LMsk', 'Lr16', 'Lr32', 'Layr', 'Mt16', 'Mt32', 'Mtrn', 'Alph', 'FMsk', 'lnk2', 'FEid', 'FXid', 'PxSD']);

const F = 'PSD';

export const isPsd = (b: Uint8Array) => b.length >= 6 && b[0] === 0x38 && b[1] === 0x42 && b[2] === 0x50 && b[3] === 0x53 && b[4] === 0 && (b[5] === 1 || b[5] === 2);

export function psdHeader(b: Uint8Array, step: Step = () => {}): PsdHeader {
  if (!isPsd(b)) throw corrupt(F, 'file without its signature');
  if (b.length < 26) throw corrupt(F, 'header is truncated');
  const view = viewOf(b);
  const version = b[5] as 1 | 2;
  const channels = view.getUint16(12);
  const height = view.getUint32(14);
  const width = view.getUint32(18);
  const depth = view.getUint16(22);
  const modeNumber = view.getUint16(24);
  const most = version === 1 ? 30000 : 300000;
  if (channels < 1 || channels > 56) throw corrupt(F, `header with ${channels} channels`);
  if (width < 1 || height < 1 || width > most || height > most) throw corrupt(F, `header with a size of ${width}x${height}`);
  const mode = MODES[modeNumber];
  if (mode === undefined) throw corrupt(F, `header with colour mode ${modeNumber}`);
  if (typeof mode === 'string') throw unsupported(F, mode);
  if (depth === 32) throw unsupported(F, '32 bits per channel');
  if (!mode.depths.includes(depth)) throw corrupt(F, `header with ${depth} bits per channel in its colour mode`);
  if (channels < mode.channels) throw corrupt(F, `${mode.type} document with ${channels} channels`);

  const u64 = (at: number) => {
    const n = view.getBigUint64(at);
    return n > BigInt(b.length) ? Infinity : Number(n);
  };
  const section = (at: number, long: boolean, what: string) => {
    if (at + (long ? 8 : 4) > b.length) throw corrupt(F, `file ends before its ${what}`);
    const start = at + (long ? 8 : 4);
    const length = long ? u64(at) : view.getUint32(at);
    if (length > b.length - start) throw corrupt(F, `${what} runs past the end of the file`);
    return { start, end: start + length };
  };

  const colorData = section(26, false, 'colour mode data');
  const palette = mode.type === 'indexed' ? { offset: colorData.start, length: 768 } : undefined;
  if (palette && colorData.end - colorData.start < 768) throw corrupt(F, 'indexed document without its palette');
  const resources = section(colorData.end, false, 'image resources');
  const found = imageResources(b, resources.start, resources.end, F, step);
  const resource = (id: number) => found.find((r) => r.id === id);
  const span = (id: number) => {
    const r = resource(id);
    return r && r.length > 0 ? { offset: r.offset, length: r.length } : undefined;
  };
  const icc = span(1039);
  const xmp = span(1060);
  const resolution = resource(1005);
  const transparency = resource(1047);
  const layers = section(resources.end, version === 2, 'layer and mask information');
  const transparent = layerCount(b, layers.start, layers.end, version === 2, step) < 0;

  const data = layers.end;
  if (data + 2 > b.length) throw corrupt(F, 'file ends before its merged image');
  const compression = view.getUint16(data);
  if (compression === 2 || compression === 3) throw unsupported(F, 'a ZIP-compressed merged image');
  if (compression > 1) throw corrupt(F, `merged image with compression ${compression}`);
  const alpha = transparent && channels > mode.channels;
  const decoded = mode.channels + (alpha ? 1 : 0);
  const rowBytes = Math.ceil((width * depth) / 8);
  const rows = compression === 0 ? rawPlanes(b, data + 2, decoded, rowBytes * height) : rleRows(b, data + 2, channels, decoded, height, rowBytes, version);
  const transparentIndex = transparency && transparency.length >= 2 && palette ? view.getUint16(transparency.offset) : undefined;
  const { paths, clippingPath } = photoshopPaths(b, found, width, height, step);
  return {
    width,
    height,
    pixelType: mode.type,
    bits: depth,
    alpha: alpha || transparentIndex !== undefined ? 'unassociated' : 'none',
    ...(icc ? { icc } : {}),
    ...(xmp ? { xmp } : {}),
    orientation: 1,
    pages: 1,
    ...(resolution && resolution.length >= 4 && view.getUint32(resolution.offset) > 0 ? { dpi: view.getUint32(resolution.offset) / 65536 } : {}),
    version,
    channels,
    colorChannels: mode.channels,
    alphaChannel: alpha,
    compression: compression === 0 ? 'raw' : 'rle',
    rows,
    rowBytes,
    ...(palette ? { palette } : {}),
    ...(transparentIndex !== undefined ? { transparentIndex } : {}),
    paths,
    ...(clippingPath !== undefined ? { clippingPath } : {}),
  };
}

/**
 * The layer count: the layer info's (PSD and 8-bit), or, where that is empty, the count in the
 * Lr16 or Lr32 block after the global layer mask (16- and 32-bit documents keep their layers there).
 */
function layerCount(b: Uint8Array, start: number, end: number, long: boolean, step: Step): number {
  if (end - start < (long ? 8 : 4)) return 0;
  const view = viewOf(b);
  const length = long ? Number(view.getBigUint64(start)) : view.getUint32(start);
  const info = start + (long ? 8 : 4);
  if (length >= 2 && info + 2 <= end) return view.getInt16(info);
  let at = info + (length > end - info ? end - info : length);
  if (at + 4 > end) return 0;
  at += 4 + view.getUint32(at); // the global layer mask
  while (at + 12 <= end) {
    step();
    const key = String.fromCharCode(...b.subarray(at + 4, at + 8));
    const wide = long && LONG_KEYS.has(key);
    if (at + (wide ? 16 : 12) > end) return 0;
    const size = wide ? Number(view.getBigUint64(at + 8)) : view.getUint32(at + 8);
    const body = at + (wide ? 16 : 12);
    if ((key === 'Lr16' || key === 'Lr32') && size >= 2 && body + 2 <= end) return view.getInt16(body);
    if (size > end - body) return 0;
    at = body + size + (size & 1);
  }
  return 0;
}

function rawPlanes(b: Uint8Array, at: number, decoded: number, plane: number): PsdHeader['rows'] {
  if (plane * decoded > b.length - at) throw corrupt(F, 'merged image is truncated');
  return Array.from({ length: decoded }, (_, c) => ({ offset: at + c * plane, length: plane }));
}

/**
 * The rows of the decoded channels from RLE's table of row lengths (2 bytes each in a PSD, 4 in a
 * PSB), which covers every channel. A row shorter than PackBits could make its bytes from (two
 * bytes for each 128) is refused here: a small file cannot promise a large image.
 */
function rleRows(b: Uint8Array, at: number, channels: number, decoded: number, height: number, rowBytes: number, version: 1 | 2): PsdHeader['rows'] {
  const size = version === 1 ? 2 : 4;
  const entries = channels * height;
  if (entries * size > b.length - at) throw corrupt(F, 'merged image row table is truncated');
  const view = viewOf(b);
  const least = 2 * Math.ceil(rowBytes / 128);
  const rows: PsdHeader['rows'] = [];
  let offset = at + entries * size;
  for (let i = 0; i < decoded * height; i++) {
    const length = size === 2 ? view.getUint16(at + i * 2) : view.getUint32(at + i * 4);
    if (length < least) throw corrupt(F, 'merged image row is too short for its width');
    if (length > b.length - offset) throw corrupt(F, 'merged image is truncated');
    rows.push({ offset, length });
    offset += length;
  }
  return rows;
}

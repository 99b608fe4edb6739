import type { Pixels } from '../image/pixels.ts';
import { rowsOf, TiffWriter, type TiffPageOptions, type TiffSink } from '../image/tiff.ts';
import type { Resampling } from '../protocol/request.ts';
import { resize } from './steps/resize.ts';
import { unsharpMask } from './steps/sharpen.ts';

/**
 * `isle convert`'s pyramid: the image, then levels halving (rounded up) until the larger side is at
 * most 512 pixels, each tiled and written as it is made (TiffWriter: pages halving as libvips'
 * --pyramid writes them). Each level is made from the one above it in bands of output rows, so the
 * resampling kernel never holds a whole level: what a conversion holds is the decoded image, the
 * level being made (a quarter of it) and one band.
 */
export interface Size {
  width: number;
  height: number;
}

/** An image read by rows: a decoded one, or a TIFF, JPEG or PNG decoded band by band as it is asked (pipeline/tiff-rows.ts, jpeg-rows.ts, png-rows.ts). */
export interface RowSource extends Size {
  rows(y0: number, y1: number): Pixels | Promise<Pixels>;
}

export const wholeRows = (image: Pixels): RowSource => ({ width: image.width, height: image.height, rows: (y0, y1) => rowsOf(image, y0, y1) });

/** ic's threshold: "convert all images larger than 512x512 pixels to PTIFF". */
export const SMALLEST_LEVEL = 512;

export function levelSizes(width: number, height: number): Size[] {
  const sizes = [{ width, height }];
  while (Math.max(width, height) > SMALLEST_LEVEL) {
    width = Math.ceil(width / 2);
    height = Math.ceil(height / 2);
    sizes.push({ width, height });
  }
  return sizes;
}

/** Output rows of a band, and the source rows past each end of it that the filter may reach (Lanczos3 at 2x reaches 6). */
const BAND = 256;
const MARGIN = 16;
/** A reduction's band with its margins at 2x (with room to spare): the most rows a source is asked for at once, unless its tiles are taller. */
export const SOURCE_BAND_ROWS = 2 * BAND + 4 * MARGIN;

/**
 * The bytes a conversion holds at its peak, as RSS measured it (`/usr/bin/time -v isle convert` of
 * JPEGs of 3.4, 14 and 55 MP): the process with its WASM instances, about 128 MiB before any pixel;
 * decoded whole, 9.5 bytes a pixel (the pixels, the decoder's own planes, the first reduced level and
 * the kernels' grown memories: 146, 248 and 608 MiB measured); read by rows, 2 bytes a pixel (the
 * first reduced level and the memories the bands grew: 142, 200 and 313 MiB). Both with the band
 * buffers, a few hundred rows of the image's width. The estimates lie 5-20% above what was measured.
 * Read by rows, what the source's decoder holds besides is the caller's to add (a JPEG's: the file
 * again and a progressive file's coefficients; ConvertSource.decoderBytes).
 */
const PROCESS_BYTES = 128 << 20;

export function conversionBytes(width: number, height: number, banded = false): number {
  const bands = SOURCE_BAND_ROWS * width * 4;
  if (banded) return width * height * 2 + bands * 5 + PROCESS_BYTES;
  return width * height * 9.5 + bands * 3 + PROCESS_BYTES;
}

export interface PyramidSettings {
  page: Omit<TiffPageOptions, 'reduced'>;
  filter: Resampling;
  /** Sharpening of the reduced levels only (ic's -usm), as op_usm= takes it. */
  usm?: { amount: number; radius: number; threshold: number; monochrome: boolean };
  /** BigTIFF whatever the size (tests); otherwise past 4 GB only. */
  big?: boolean;
}

/** `source` resampled to `size` band by band: the same pixels as one resize of the whole, without its memory. */
export async function reduce(source: RowSource, size: Size, filter: Resampling): Promise<Pixels> {
  const data = new Uint8ClampedArray(size.width * size.height * 4);
  const scale = source.height / size.height;
  for (let r0 = 0; r0 < size.height; r0 += BAND) {
    const r1 = Math.min(size.height, r0 + BAND);
    const from = Math.max(0, Math.floor(r0 * scale) - MARGIN);
    const to = Math.min(source.height, Math.ceil(r1 * scale) + MARGIN);
    const band = await source.rows(from, to);
    const region = { x: 0, y: r0 * scale - from, width: source.width, height: (r1 - r0) * scale };
    const part = resize(band, size.width, r1 - r0, { allowBox: false, filter, region });
    data.set(part.data.subarray(0, (r1 - r0) * size.width * 4), r0 * size.width * 4);
  }
  return { data, width: size.width, height: size.height };
}

/**
 * Writes the pyramid of `source` to the sink; the file's size. The full level is written band by
 * band as the source gives its rows, and read again band by band for the first reduced level, so a
 * source read by rows is never whole in memory; the reduced levels are. `progress` hears of each level.
 */
export async function writePyramid(source: RowSource, settings: PyramidSettings, sink: TiffSink, progress?: (level: number, levels: number) => void): Promise<number> {
  const writer = new TiffWriter(sink, settings.big);
  const sizes = levelSizes(source.width, source.height);
  // XMP describes the image once, on the first page; every page carries the profile its pixels are in.
  const { xmp, ...page } = settings.page;
  const full = writer.startPage(source.width, source.height, { ...page, ...(xmp ? { xmp } : {}) });
  for (let y = 0; y < source.height; y += full.bandRows) full.write(await source.rows(y, Math.min(source.height, y + full.bandRows)));
  full.end();
  progress?.(1, sizes.length);
  let level = source;
  for (let i = 1; i < sizes.length; i++) {
    const reduced = await reduce(level, sizes[i]!, settings.filter);
    const { usm } = settings;
    writer.addPage(usm ? unsharpMask(reduced, usm.amount, usm.radius, usm.threshold, usm.monochrome) : reduced, { ...page, reduced: true });
    level = wholeRows(reduced);
    progress?.(i + 1, sizes.length);
  }
  return writer.finish();
}

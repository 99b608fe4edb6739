import { jpegBands } from '../image/jpeg.ts';
import type { Pixels } from '../image/pixels.ts';
import { rowsOf } from '../image/tiff.ts';
import { DamagedSource, decodeJpeg } from '../image/wasm-codecs.ts';
import type { RowSource } from './pyramid-write.ts';

/** Rows a band decodes (whole MCU rows, so 120 to 128): a few MB of pixels for the widest JPEG. */
const BAND_ROWS = 128;

/**
 * A JPEG read by rows for `isle convert`, decoded band by band by our kernel (image/jpeg.ts's
 * jpegBands), so that its pixels are never whole in memory. Rows are asked in order, each request
 * overlapping the last by the resampler's margin, so the last two bands are kept (jpegBands keeps
 * them in the decoder's memory); a request before them (the pyramid reads the image twice) starts
 * the decode again from the top. `decoderBytes` is
 * what the decoder holds besides (the file, a progressive file's coefficients). Undefined where the
 * kernel declines the file; one whose scans it declines only once they are decoded (tables redefined
 * between them) is decoded whole by MozJPEG instead, past the banded estimate.
 */
export function jpegRows(file: Uint8Array): (RowSource & { decoderBytes: number }) | undefined {
  const bands = jpegBands(file, BAND_ROWS);
  if (!bands) return undefined;
  const { width, height, bandHeight } = bands;
  const kept = new Map<number, Uint8ClampedArray>();
  let next = 0;
  let whole: Pixels | undefined;
  const band = (i: number): Uint8ClampedArray | undefined => {
    const have = kept.get(i);
    if (have) return have;
    if (i < next) {
      bands.rewind();
      kept.clear();
      next = 0;
    }
    for (; next <= i; next++) {
      const decoded = bands.next();
      if (!decoded && bands.declined) return undefined;
      if (!decoded) throw new DamagedSource('The source image is corrupt: its JPEG data is damaged');
      kept.set(next, decoded.data);
      kept.delete(next - 2);
    }
    return kept.get(i)!;
  };
  return {
    width,
    height,
    decoderBytes: bands.bytes,
    async rows(y0: number, y1: number): Promise<Pixels> {
      if (whole) return rowsOf(whole, y0, y1);
      const data = new Uint8ClampedArray((y1 - y0) * width * 4);
      for (let i = Math.floor(y0 / bandHeight); i * bandHeight < y1; i++) {
        const top = i * bandHeight;
        const from = Math.max(y0, top);
        const to = Math.min(y1, top + bandHeight);
        const pixels = band(i);
        if (!pixels) {
          whole = await decodeJpeg(file.slice().buffer);
          return rowsOf(whole, y0, y1);
        }
        data.set(pixels.subarray((from - top) * width * 4, (to - top) * width * 4), (from - y0) * width * 4);
      }
      return { data, width, height: y1 - y0 };
    },
  };
}

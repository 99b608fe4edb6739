import { deflateSync } from 'node:zlib';
import { lumaAt, type Pixels } from './pixels.ts';

/**
 * fmt=tif and tif-alpha: a baseline TIFF (TIFF 6.0), little-endian, 8 bits per sample, chunky,
 * in strips of about 64 KB: RGB, RGB with unassociated alpha, grey, or CMYK (Separated, InkSet
 * CMYK, as print workflows take it); uncompressed or Deflate (`zip`, each strip through node:zlib);
 * the resolution, and an ICC profile (tag 34675) when iccEmbed asks. Written here because the
 * TIFF encoders on npm write RGBA only, without profiles.
 */
export type TiffSamples = 'rgb' | 'rgba' | 'gray' | 'cmyk';

export interface TiffOptions {
  samples: TiffSamples;
  deflate: boolean;
  dpi: number;
  icc?: Uint8Array;
}

const PHOTOMETRIC: Record<TiffSamples, number> = { gray: 1, rgb: 2, rgba: 2, cmyk: 5 };
const CHANNELS: Record<TiffSamples, number> = { gray: 1, rgb: 3, rgba: 4, cmyk: 4 };
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const UNDEFINED = 7;

export function encodeTiff(image: Pixels, options: TiffOptions): ArrayBuffer {
  const { width, height } = image;
  const channels = CHANNELS[options.samples];
  const rowBytes = width * channels;
  const rowsPerStrip = Math.max(1, Math.floor(65536 / rowBytes));
  const strips: Uint8Array[] = [];
  for (let y = 0; y < height; y += rowsPerStrip) {
    const rows = packRows(image, options.samples, y, Math.min(height, y + rowsPerStrip));
    strips.push(options.deflate ? deflateSync(rows) : rows);
  }
  // Entries whose values do not fit in the entry's four bytes go after the strips.
  type Entry = { tag: number; type: number; values: number[] | Uint8Array };
  const entries: Entry[] = [
    { tag: 256, type: LONG, values: [width] },
    { tag: 257, type: LONG, values: [height] },
    { tag: 258, type: SHORT, values: new Array(channels).fill(8) },
    { tag: 259, type: SHORT, values: [options.deflate ? 8 : 1] },
    { tag: 262, type: SHORT, values: [PHOTOMETRIC[options.samples]] },
    { tag: 273, type: LONG, values: [] },
    { tag: 277, type: SHORT, values: [channels] },
    { tag: 278, type: LONG, values: [rowsPerStrip] },
    { tag: 279, type: LONG, values: strips.map((s) => s.length) },
    { tag: 282, type: RATIONAL, values: [Math.round(options.dpi * 1000), 1000] },
    { tag: 283, type: RATIONAL, values: [Math.round(options.dpi * 1000), 1000] },
    { tag: 284, type: SHORT, values: [1] },
    { tag: 296, type: SHORT, values: [2] },
    ...(options.samples === 'cmyk' ? [{ tag: 332, type: SHORT, values: [1] }] : []),
    ...(options.samples === 'rgba' ? [{ tag: 338, type: SHORT, values: [2] }] : []),
    ...(options.icc ? [{ tag: 34675, type: UNDEFINED, values: options.icc }] : []),
  ];
  const size = (e: Entry) => e.values.length * (e.type === SHORT ? 2 : e.type === LONG ? 4 : e.type === RATIONAL ? 4 : 1);
  const ifdAt = 8;
  const ifdBytes = 2 + entries.length * 12 + 4;
  let dataAt = ifdAt + ifdBytes;
  const stripsAt: number[] = [];
  for (const s of strips) {
    stripsAt.push(dataAt);
    dataAt += s.length + (s.length & 1);
  }
  entries.find((e) => e.tag === 273)!.values = stripsAt;
  const outside = entries.filter((e) => size(e) > 4);
  const outsideAt = new Map<Entry, number>();
  for (const e of outside) {
    outsideAt.set(e, dataAt);
    dataAt += size(e) + (size(e) & 1);
  }
  const file = new Uint8Array(dataAt);
  const view = new DataView(file.buffer);
  file.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, ifdAt, true);
  view.setUint16(ifdAt, entries.length, true);
  const put = (e: Entry, at: number) => {
    if (e.values instanceof Uint8Array) return file.set(e.values, at);
    e.values.forEach((v, i) => (e.type === SHORT ? view.setUint16(at + i * 2, v, true) : view.setUint32(at + i * 4, v, true)));
  };
  entries.forEach((e, i) => {
    const at = ifdAt + 2 + i * 12;
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.type, true);
    view.setUint32(at + 4, e.type === RATIONAL ? e.values.length / 2 : e.values.length, true);
    const away = outsideAt.get(e);
    if (away === undefined) put(e, at + 8);
    else {
      view.setUint32(at + 8, away, true);
      put(e, away);
    }
  });
  view.setUint32(ifdAt + 2 + entries.length * 12, 0, true);
  strips.forEach((s, i) => file.set(s, stripsAt[i]!));
  return file.buffer;
}

/** Rows y0..y1 of RGBA pixels as the samples' bytes (CMYK pixels hold their four inks already). */
function packRows(image: Pixels, samples: TiffSamples, y0: number, y1: number): Uint8Array {
  const d = image.data;
  const from = y0 * image.width * 4;
  const to = y1 * image.width * 4;
  if (samples === 'rgba' || samples === 'cmyk') return new Uint8Array(d.buffer, d.byteOffset + from, to - from).slice();
  const channels = CHANNELS[samples];
  const out = new Uint8Array(((to - from) / 4) * channels);
  for (let i = from, o = 0; i < to; i += 4) {
    if (channels === 1) out[o++] = lumaAt(d, i);
    else {
      out[o++] = d[i]!;
      out[o++] = d[i + 1]!;
      out[o++] = d[i + 2]!;
    }
  }
  return out;
}

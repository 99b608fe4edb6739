import type { Pixels } from './pixels.ts';
import { CHANNELS, COMPRESSIONS, encodeChunk, type ChunkPlace, type TiffCompression, type TiffSamples } from './tiff-chunks.ts';
import { BYTE, directoryBytes, directorySize, headerBytes, LONG, OFFSETS, RATIONAL, SHORT, UNDEFINED, type Entry } from './tiff-directory.ts';

export type { TiffCompression, TiffSamples } from './tiff-chunks.ts';

/**
 * Isle's one TIFF writer, for fmt=tif and tif-alpha and for `isle convert`'s pyramids:
 * little-endian, 8 bits per sample, chunky; RGB, RGB with unassociated alpha, grey, or CMYK
 * (Separated, InkSet CMYK, as print workflows take it); each page in strips of about 64 KB or in
 * square tiles, compressed by the table of tiff-chunks.ts; several pages (a pyramid's levels, the
 * reduced ones marked NewSubfileType 1, as libvips' --pyramid writes them); the resolution, an ICC
 * profile (tag 34675) and XMP (tag 700). Chunks go to the sink as they are made; the directories
 * go last, after the data, so a classic TIFF becomes a BigTIFF only when its last byte would pass
 * 4 GB. Written here because the TIFF encoders on npm write RGBA only, without profiles or tiles.
 */
export interface TiffPageOptions {
  samples: TiffSamples;
  compression: TiffCompression;
  /** JPEG's quality and chroma (4:2:0 unless full). */
  quality?: number;
  fullChroma?: boolean;
  /** Square tiles of this side (a multiple of 16); strips without. */
  tile?: number;
  dpi: number;
  icc?: Uint8Array;
  xmp?: Uint8Array;
  /** A reduced-resolution page of a pyramid. */
  reduced?: boolean;
}

/** One page being written: its bands in order from the top, then `end`. */
export interface PageWriter {
  bandRows: number;
  write(band: Pixels): void;
  end(): void;
}

/** Rows y0..y1 of an image, without a copy. */
export const rowsOf = (image: Pixels, y0: number, y1: number): Pixels => ({
  data: image.data.subarray(y0 * image.width * 4, y1 * image.width * 4),
  width: image.width,
  height: y1 - y0,
});

/** Where the file's bytes go, each piece at its offset. */
export interface TiffSink {
  write(bytes: Uint8Array, at: number): void;
}

const PHOTOMETRIC: Record<TiffSamples, number> = { gray: 1, rgb: 2, rgba: 2, cmyk: 5 };
const YCBCR = 6;
/** A BigTIFF's header is 16 bytes: the data starts after them, whichever header the file gets. */
const DATA_AT = 16;
const CLASSIC_LIMIT = 2 ** 32;

export class TiffWriter {
  private end = DATA_AT;
  private readonly pages: Entry[][] = [];

  /** `big` forces BigTIFF; otherwise it is chosen by the file's size. */
  constructor(private readonly sink: TiffSink, private readonly big = false) {}

  /** A whole image as one page. */
  addPage(image: Pixels, options: TiffPageOptions): void {
    const page = this.startPage(image.width, image.height, options);
    for (let y = 0; y < image.height; y += page.bandRows) page.write(rowsOf(image, y, Math.min(image.height, y + page.bandRows)));
    page.end();
  }

  /**
   * A page written band by band: each `write` takes the next `bandRows` rows (the last band what is
   * left), one row of tiles or one strip, so the page need never be in memory whole.
   */
  startPage(width: number, height: number, options: TiffPageOptions): PageWriter {
    const jpeg = options.compression === 'jpeg';
    if (jpeg && (options.samples === 'rgba' || options.samples === 'cmyk')) throw new Error(`JPEG compression of ${options.samples} samples`);
    const channels = CHANNELS[options.samples];
    // JPEG strips hold whole rows of 4:2:0 blocks; the last strip only the rows left, as libtiff reads it.
    const rows = Math.max(1, Math.floor(65536 / (width * channels)));
    const rowsPerStrip = options.tile ? 0 : jpeg ? Math.max(16, rows - (rows % 16)) : rows;
    const bandRows = options.tile ?? rowsPerStrip;
    const offsets: number[] = [];
    const counts: number[] = [];
    const settings = { quality: options.quality ?? 95, fullChroma: options.fullChroma ?? false };
    let y = 0;
    return {
      bandRows,
      write: (band: Pixels) => {
        if (band.width !== width || y >= height || band.height !== Math.min(bandRows, height - y)) throw new Error('TIFF page bands out of order');
        const side = options.tile ?? width;
        for (let x = 0; x < width; x += side) {
          const place: ChunkPlace = { x, y: 0, width: side, height: options.tile ?? band.height };
          const bytes = encodeChunk(band, options.samples, options.compression, place, settings);
          offsets.push(this.end);
          counts.push(bytes.length);
          this.sink.write(bytes, this.end);
          this.end += bytes.length + (bytes.length & 1);
        }
        y += band.height;
      },
      end: () => {
        if (y !== height) throw new Error('TIFF page ended before its last row');
        this.pages.push(this.directory(width, height, options, { offsets, counts, rowsPerStrip }));
      },
    };
  }

  private directory(width: number, height: number, options: TiffPageOptions, chunks: { offsets: number[]; counts: number[]; rowsPerStrip: number }): Entry[] {
    const { offsets, counts, rowsPerStrip } = chunks;
    const jpeg = options.compression === 'jpeg';
    const channels = CHANNELS[options.samples];
    const dpi = [Math.round(options.dpi * 1000), 1000];
    const { code, predictor } = COMPRESSIONS[options.compression];
    const subsampling = options.fullChroma ? 1 : 2;
    return [
      ...(options.reduced ? [{ tag: 254, type: LONG, values: [1] }] : []),
      { tag: 256, type: LONG, values: [width] },
      { tag: 257, type: LONG, values: [height] },
      { tag: 258, type: SHORT, values: new Array<number>(channels).fill(8) },
      { tag: 259, type: SHORT, values: [code] },
      { tag: 262, type: SHORT, values: [jpeg && options.samples === 'rgb' ? YCBCR : PHOTOMETRIC[options.samples]] },
      { tag: options.tile ? 324 : 273, type: OFFSETS, values: offsets },
      { tag: 277, type: SHORT, values: [channels] },
      { tag: options.tile ? 325 : 279, type: OFFSETS, values: counts },
      ...(options.tile
        ? [{ tag: 322, type: LONG, values: [options.tile] }, { tag: 323, type: LONG, values: [options.tile] }]
        : [{ tag: 278, type: LONG, values: [rowsPerStrip] }]),
      { tag: 282, type: RATIONAL, values: dpi },
      { tag: 283, type: RATIONAL, values: dpi },
      { tag: 284, type: SHORT, values: [1] },
      { tag: 296, type: SHORT, values: [2] },
      ...(predictor ? [{ tag: 317, type: SHORT, values: [2] }] : []),
      ...(options.samples === 'cmyk' ? [{ tag: 332, type: SHORT, values: [1] }] : []),
      ...(options.samples === 'rgba' ? [{ tag: 338, type: SHORT, values: [2] }] : []),
      ...(jpeg && options.samples === 'rgb' ? [{ tag: 530, type: SHORT, values: [subsampling, subsampling] }] : []),
      ...(options.xmp ? [{ tag: 700, type: BYTE, values: options.xmp }] : []),
      ...(options.icc ? [{ tag: 34675, type: UNDEFINED, values: options.icc }] : []),
    ];
  }

  /** Writes the directories and the header; the file's size. */
  finish(): number {
    const classicEnd = this.pages.reduce((at, page) => at + directorySize(page, false), this.end);
    const big = this.big || classicEnd > CLASSIC_LIMIT;
    let at = this.end;
    const starts = this.pages.map((page) => {
      const start = at;
      at += directorySize(page, big);
      return start;
    });
    this.pages.forEach((page, i) => this.sink.write(directoryBytes(page, starts[i]!, big, starts[i + 1] ?? 0), starts[i]!));
    this.sink.write(headerBytes(big, starts[0]!), 0);
    return at;
  }
}

/** A sink in memory, growing as the pieces come. */
export class MemorySink implements TiffSink {
  private bytes = new Uint8Array(1 << 16);
  write(piece: Uint8Array, at: number): void {
    if (at + piece.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(at + piece.length, this.bytes.length * 2));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(piece, at);
  }
  file(size: number): ArrayBuffer {
    return this.bytes.slice(0, size).buffer;
  }
}

/** fmt=tif and tif-alpha: one page, in strips. */
export function encodeTiff(image: Pixels, options: TiffPageOptions): ArrayBuffer {
  const sink = new MemorySink();
  const writer = new TiffWriter(sink);
  writer.addPage(image, options);
  return sink.file(writer.finish());
}

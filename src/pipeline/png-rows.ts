import { Readable } from 'node:stream';
import { constants, createInflate, type Inflate } from 'node:zlib';
import type { Pixels } from '../image/pixels.ts';
import { damaged, expandBand, readPng, strideOf, type PngFile } from '../image/png-decode.ts';
import { SOURCE_BAND_ROWS, type RowSource } from './pyramid-write.ts';

/** The pieces the image data is fed to the inflater in: a file written as one IDAT is not handed over whole. */
const PIECE = 64 << 10;

function* pieces(chunks: Uint8Array[]): Generator<Uint8Array> {
  for (const chunk of chunks) for (let at = 0; at < chunk.length; at += PIECE) yield chunk.subarray(at, at + PIECE);
}

/** The rows inflated, unfiltered and expanded at a time. */
const STEP = 64;

/**
 * A non-interlaced PNG read by rows for `isle convert`: its image data inflated as a stream (node:zlib,
 * which keeps its output to what is read), each band's rows unfiltered from the row above it and
 * expanded to RGBA8 by png-decode.ts's kernel, so its pixels are never whole in memory. Rows are asked
 * in order, each request overlapping the last, so the last band is kept; a request starting above it
 * (the pyramid reads the image twice) inflates again from the top. `decoderBytes` is what the reader
 * holds besides the bands: the kept band, and a few raw rows here and in the kernel's memory.
 * Undefined for an Adam7 file, whose rows are spread over the whole data.
 */
export function pngRows(file: Uint8Array): (RowSource & { decoderBytes: number }) | undefined {
  const png = readPng(file);
  if (png.header.interlaced) return undefined;
  const { width, height } = png.header;
  const rowBytes = strideOf(png.header, width) + 1;
  const pixelRow = width * 4;
  let stream: Inflated | undefined;
  let kept: { y0: number; data: Uint8ClampedArray } | undefined;

  /** The rows from the stream's next to `to`, as RGBA8 into `into` at `at`, a few at a time: the raw rows are held twice (here and in the kernel). */
  const decode = async (to: number, into: Uint8ClampedArray, at: number): Promise<void> => {
    const s = stream!;
    const raw = new Uint8Array(rowBytes * (Math.min(STEP, to - s.next) + 1));
    while (s.next < to) {
      const rows = Math.min(STEP, to - s.next);
      const part = raw.subarray(0, rowBytes * (rows + 1));
      part.set(s.above);
      await s.read(part.subarray(rowBytes));
      expandBand(png, part, into, at);
      s.above = part.slice(0, rowBytes);
      s.next += rows;
      at += rows * pixelRow;
    }
    if (to === height) await s.finish();
  };

  return {
    width,
    height,
    decoderBytes: SOURCE_BAND_ROWS * pixelRow + STEP * (2 * rowBytes + pixelRow),
    async rows(y0: number, y1: number): Promise<Pixels> {
      if (!stream || y0 < (kept?.y0 ?? stream.next)) {
        stream?.close();
        stream = new Inflated(png, rowBytes);
        kept = undefined;
      }
      const data = new Uint8ClampedArray((y1 - y0) * pixelRow);
      // Rows above the band, where a request skips ahead: decoded for the rows below them, and dropped.
      while (stream.next < y0) {
        const to = Math.min(y0, stream.next + (y1 - y0));
        await decode(to, new Uint8ClampedArray((to - stream.next) * pixelRow), 0);
      }
      const next = stream.next;
      if (kept && y0 < next) data.set(kept.data.subarray((y0 - kept.y0) * pixelRow, (Math.min(y1, next) - kept.y0) * pixelRow));
      if (y1 > next) {
        await decode(y1, data, (next - y0) * pixelRow);
        kept = { y0, data };
      }
      return { data, width, height: y1 - y0 };
    },
  };
}

/** A PNG's image data inflating, read in order: the rows it has given (`next`) and the last of them unfiltered (`above`). */
class Inflated {
  next = 0;
  above: Uint8Array;
  private readonly inflater: Inflate;
  private readonly output: AsyncIterator<Buffer>;
  private left: Uint8Array = new Uint8Array(0);

  constructor(png: PngFile, rowBytes: number) {
    this.above = new Uint8Array(rowBytes);
    // Sync flush at the end, as decodePng's: data cut short gives what it has and is found short here.
    this.inflater = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
    Readable.from(pieces(png.data)).pipe(this.inflater);
    this.output = this.inflater[Symbol.asyncIterator]();
  }

  private async more(): Promise<Buffer | undefined> {
    try {
      const { done, value } = await this.output.next();
      return done ? undefined : value;
    } catch {
      throw damaged('its image data cannot be inflated');
    }
  }

  /** Fills `into` with the next inflated bytes. */
  async read(into: Uint8Array): Promise<void> {
    let at = 0;
    while (at < into.length) {
      if (this.left.length === 0) {
        const piece = await this.more();
        if (!piece) throw damaged('its image data ends early');
        this.left = piece;
      }
      const n = Math.min(this.left.length, into.length - at);
      into.set(this.left.subarray(0, n), at);
      this.left = this.left.subarray(n);
      at += n;
    }
  }

  /** After the last row: the stream ends there (its checksum read), as decodePng's bound on the data requires. */
  async finish(): Promise<void> {
    if (this.left.length > 0 || (await this.more())) throw damaged('more image data than its size');
  }

  close(): void {
    this.inflater.destroy();
  }
}

import { Arena, decodeArena, encoderArena, isShared, jpegDecodeKernelInstance, jpegEncodeKernelInstance, keepDecoded, newJpegDecodeKernel, type JpegDecodeKernel } from './kernels.ts';
import type { Pixels } from './pixels.ts';

/** The largest frame the kernel lays out: its workspace (planes, a progressive file's coefficients, the output) stays under 2 GiB. */
const MAX_KERNEL_PIXELS = 2 ** 27;

/** wasm/jpegdec.ts status codes. */
const OK = 0;
const CORRUPT = 2;

/**
 * Decodes at 1/factor (1, 2, 4 or 8) on our kernel, in the DCT domain below full size, at full
 * size in bands (decodeInBands) but for four components. Undefined when the file is not
 * a clean baseline or progressive JPEG (arithmetic coding, truncated, corrupt): MozJPEG then
 * decodes it in full, so such files behave exactly as before. `declined.corrupt` tells a damaged
 * file (bad codes, data that ends early) from one this decoder does not handle.
 *
 * The pixels are a view into the kernel's memory, valid until its next decode (the resizer and the
 * encoder, which share that memory, lay out past them): a render decodes once and its next step
 * copies them, or resizes them where they lie. Not copying them here, 6 MB a request for the standard task,
 * gave 7% more requests per second with two busy workers in a one-off load test (less for the
 * garbage collector).
 */
export function decodeJpegScaled(bytes: ArrayBufferLike, factor: 1 | 2 | 4 | 8, declined: { corrupt: boolean } = { corrupt: false }): Pixels | undefined {
  const parsed = parsedOnKernel(bytes, declined);
  if (!parsed) return undefined;
  const { k, arena } = parsed;
  // The kernel sizes its buffers in 32-bit integers: a larger frame is left to MozJPEG (the
  // server's source limits refuse such files long before they reach a decoder).
  if (k.scaledWidth(0) * k.scaledHeight(0) > MAX_KERNEL_PIXELS) return undefined;
  const shift = Math.log2(factor);
  const width = k.scaledWidth(shift);
  const height = k.scaledHeight(shift);
  const out = arena.take(width * height * 4);
  const decoded = shift === 0 && k.frameComponents() !== 4 ? decodeInBands(k, arena, out) : k.decode(shift, arena.take(k.workspaceBytes(shift)), out);
  declined.corrupt = decoded === CORRUPT;
  if (decoded !== OK) return undefined;
  keepDecoded(out + width * height * 4);
  return { data: new Uint8ClampedArray(k.memory.buffer, out, width * height * 4), width, height };
}

/** Pixel rows a full-size decode takes at a time: bands of four MCU rows where chroma is halved both ways. */
const FULL_SIZE_BAND_ROWS = 64;

/**
 * The frame at full size into `out`, a band of MCU rows at a time (the banded decoder isle convert
 * uses): the same pixels, and the planes take a band's memory rather than the frame's. For the
 * standard photo (6 MP, 4:2:0) that is 0.77 MB of workspace against 21.5 MB; a WASM memory grows
 * and never shrinks, so the frame's would stay reserved until the worker is recycled. A band's
 * planes stay in cache from the inverse DCT through upsampling to the colour conversion: on a
 * quiet machine the decode takes the same time either way (22.8 ms), and bands of two MCU rows
 * were 7% faster (29.4 against 27.4 ms) in an hour when the machine's memory was busier. Each band
 * decodes one MCU row more than it keeps, as context for the next band's upsampling, and copies it
 * over; four rows a band make that copy a quarter of the planes (two rows a band took 2% longer on
 * the quiet machine).
 */
function decodeInBands(k: JpegDecodeKernel, arena: Arena, out: number): number {
  const mcuRows = bandMcuRows(k, FULL_SIZE_BAND_ROWS);
  const started = k.startBands(mcuRows, arena.take(k.bandWorkspaceBytes(mcuRows)));
  if (started !== OK) return started;
  const rowBytes = k.scaledWidth(0) * 4;
  const height = k.scaledHeight(0);
  const bandHeight = k.bandHeight(mcuRows);
  for (let y = 0; y < height; y += bandHeight) {
    const status = k.decodeBand(out + y * rowBytes);
    if (status !== OK) return status;
  }
  return OK;
}

/**
 * MCU rows a band of about `rows` pixel rows takes: at least one, and no more than the frame has,
 * as a band's workspace is laid out whole.
 */
function bandMcuRows(k: JpegDecodeKernel, rows: number): number {
  const mcu = k.bandHeight(1);
  return Math.min(Math.ceil(k.scaledHeight(0) / mcu), Math.max(1, Math.floor(rows / mcu)));
}

/** A JPEG decoded at full size a band of MCU rows at a time, in order: the same pixels as decodeJpegScaled's. */
export interface JpegBands {
  width: number;
  height: number;
  /** Rows of every band but the last. */
  bandHeight: number;
  /** What the decoder's memory holds: the file, the bands' workspace (a progressive file's coefficients too) and two bands. */
  bytes: number;
  /**
   * The next band's pixels, or undefined where the data is damaged: a view into the decoder's
   * memory, valid until the call after next (the last two bands are there, where consecutive
   * requests for rows overlap, without a copy of each).
   */
  next(): Pixels | undefined;
  /** The next band is the first again. */
  rewind(): void;
  /** The first band found what the kernel declines between a progressive file's scans (not damage): MozJPEG's to decode. */
  readonly declined: boolean;
}

/**
 * The file read band by band, bands of about `rows` rows, on a decoder instance of its own (its
 * state spans calls). Undefined where our kernel declines the file (decodeJpegScaled's cases), for
 * four components (inks, which the caller converts whole), and for a progressive file too large
 * for the kernel to hold its coefficients.
 */
export function jpegBands(bytes: Uint8Array, rows: number): JpegBands | undefined {
  const k = newJpegDecodeKernel();
  const arena = new Arena(k.memory, k.heapBase.value as number);
  const input = arena.take(bytes.byteLength + 64);
  arena.bytes(input, bytes.byteLength).set(bytes);
  if (k.parse(input, bytes.byteLength) !== OK || k.frameComponents() === 4) return undefined;
  const width = k.scaledWidth(0);
  const height = k.scaledHeight(0);
  if (frameMarker(bytes) === 0xc2 && width * height > MAX_KERNEL_PIXELS) return undefined;
  const mcuRows = bandMcuRows(k, rows);
  const bandHeight = k.bandHeight(mcuRows);
  const workspaceBytes = k.bandWorkspaceBytes(mcuRows);
  let outs: number[] | undefined;
  let y = 0;
  let band = 0;
  let declined = false;
  return {
    width,
    height,
    bandHeight,
    bytes: input + bytes.byteLength + workspaceBytes + 2 * width * bandHeight * 4,
    get declined() {
      return declined;
    },
    next() {
      if (!outs) {
        outs = [arena.take(width * bandHeight * 4), arena.take(width * bandHeight * 4)];
        const started = k.startBands(mcuRows, arena.take(workspaceBytes));
        declined = started !== OK && started !== CORRUPT;
        if (started !== OK) return undefined;
      }
      const rows = Math.min(bandHeight, height - y);
      const out = outs[band++ % 2]!;
      if (k.decodeBand(out) !== OK) return undefined;
      y += rows;
      return { data: new Uint8ClampedArray(k.memory.buffer, out, width * rows * 4), width, height: rows };
    },
    rewind() {
      if (outs) k.rewindBands();
      y = 0;
    },
  };
}

/** The file copied into the shared kernel's memory and its headers parsed; undefined where the kernel declines it (`declined.corrupt` for damage). */
function parsedOnKernel(bytes: ArrayBufferLike, declined: { corrupt: boolean }): { k: JpegDecodeKernel; arena: Arena } | undefined {
  const k = jpegDecodeKernelInstance();
  const arena = decodeArena();
  // Slack: the marker parser may look a few bytes past a short segment before refusing it.
  const input = arena.take(bytes.byteLength + 64);
  arena.bytes(input, bytes.byteLength).set(new Uint8Array(bytes));
  const status = k.parse(input, bytes.byteLength);
  declined.corrupt = status === CORRUPT;
  return status === OK ? { k, arena } : undefined;
}

/** The rows of a band decodeJpegRect decodes at a time: a few MCU rows, about this many pixel rows. */
const RECT_BAND_ROWS = 64;

/**
 * A rect of the frame at full size, decoded band by band on the shared kernel instance: the bands
 * past the rect's last row are never decoded (their entropy-coded data is not read), those above its
 * first are only read (skipBand), and the frame is never whole in memory, only a band and the rect.
 * Undefined where the kernel declines the file (decodeJpegScaled's cases, and four components);
 * `declined.corrupt` as there.
 */
export function decodeJpegRect(bytes: ArrayBuffer, rect: { x: number; y: number; width: number; height: number }, declined: { corrupt: boolean } = { corrupt: false }): Pixels | undefined {
  const parsed = parsedOnKernel(bytes, declined);
  if (!parsed || parsed.k.frameComponents() === 4) return undefined;
  const { k, arena } = parsed;
  const width = k.scaledWidth(0);
  const height = k.scaledHeight(0);
  if (width * height > MAX_KERNEL_PIXELS || rect.x + rect.width > width || rect.y + rect.height > height) return undefined;
  const mcuRows = bandMcuRows(k, RECT_BAND_ROWS);
  const bandHeight = k.bandHeight(mcuRows);
  const workspace = arena.take(k.bandWorkspaceBytes(mcuRows));
  const band = arena.take(width * bandHeight * 4);
  const out = new Uint8ClampedArray(rect.width * rect.height * 4);
  const end = rect.y + rect.height;
  const started = k.startBands(mcuRows, workspace);
  if (started !== OK) {
    declined.corrupt = started === CORRUPT;
    return undefined;
  }
  for (let y = 0; y < end; y += bandHeight) {
    // Above the rect a band's pixels are not made: only its data is read, and the rows the next band needs.
    if (y + bandHeight <= rect.y) {
      if (k.skipBand() !== OK) {
        declined.corrupt = true;
        return undefined;
      }
      continue;
    }
    if (k.decodeBand(band) !== OK) {
      declined.corrupt = true;
      return undefined;
    }
    const pixels = new Uint8Array(k.memory.buffer, band, width * bandHeight * 4);
    for (let r = Math.max(y, rect.y); r < Math.min(y + bandHeight, end); r++) {
      const from = ((r - y) * width + rect.x) * 4;
      out.set(pixels.subarray(from, from + rect.width * 4), (r - rect.y) * rect.width * 4);
    }
  }
  return { data: out, width: rect.width, height: rect.height };
}

/** The encoder's colour models (wasm/jpegenc.ts). */
const MODEL = { ycbcr: 0, gray: 1, cmyk: 2 } as const;

/** Baseline JPEG, 4:2:0 unless fullChroma, optimised Huffman tables; grey, or CMYK from pixels that hold their inks. */
export function encodeBaselineJpeg(image: Pixels, options: { quality: number; fullChroma: boolean; gray: boolean; cmyk?: boolean }): ArrayBuffer {
  const k = jpegEncodeKernelInstance();
  const arena = encoderArena(image.data);
  const { width, height } = image;
  const subsample = options.fullChroma ? 0 : 1;
  const model = options.cmyk ? MODEL.cmyk : options.gray ? MODEL.gray : MODEL.ycbcr;
  // The resize before the encode leaves its output in the memory the encoder shares: read where it lies.
  const pixels = isShared(image.data) ? image.data.byteOffset : arena.place(image.data);
  const work = arena.take(k.workspaceBytes(width, height, subsample, model));
  const bound = k.analyse(pixels, width, height, options.quality, subsample, model, work);
  const out = arena.take(bound);
  const length = k.write(out);
  return arena.bytes(out, length).slice().buffer;
}

/** The marker of a JPEG's frame header (SOF0-SOF15), if it has one before its first scan. */
export function frameMarker(b: Uint8Array): number | undefined {
  for (let i = 2; i + 4 <= b.length; ) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return marker;
    if (marker === 0xda) return undefined;
    i += 2 + ((b[i + 2]! << 8) | b[i + 3]!);
  }
  return undefined;
}

import { fullSteps, type RegionRead, type SinglePlan, type SourcePlan } from './plan.ts';
import type { Step } from './steps.ts';
import { scaledSize } from './shrink.ts';
import { orientedSize, rotatedSize } from './layer.ts';
import type { OutputSpec, Size } from '../protocol/request.ts';
import { FORMATS } from '../protocol/formats.ts';
import { CLIP_BYTES, clipWork } from './clip.ts';

/**
 * What a plan will allocate, worked out from its steps before any job is queued: the largest image
 * any step creates, an estimate of the job's peak memory (JS and WASM together), and of its work
 * (pixel operations: every pixel decoded, read or written by a step, or encoded, times what each
 * costs), by which the pool orders its queue and refuses a job past --max-request-work.
 *
 * Bytes per pixel, from what the code holds at once: a decode keeps the codec's own RGBA output
 * (WASM) and our copy of it (JS), plus for a progressive JPEG its coefficients (2 bytes a sample)
 * or for a PNG the inflated rows (up to 8 bytes for 16-bit RGBA): 16 covers all of them. A step
 * holds its input and its output, each once in JS and once in the kernel's memory (8 per pixel of
 * each). An encoder holds the image, its own copy and its output (12).
 */
export const DECODE_BYTES = 16;
/** A 16-bit PNG converted from its 16-bit colours: the low bytes' pass (4) and the RGBA16 (8) besides. */
const WIDE_DECODE_BYTES = DECODE_BYTES + 12;
/** Bytes a pixel of a source's decode takes. */
export const decodeBytesOf = (source: Pick<SourcePlan, 'color'>) => (source.color?.wide ? WIDE_DECODE_BYTES : DECODE_BYTES);
const STEP_BYTES = 8;
const ENCODE_BYTES = 12;

/*
 * The unit is a pixel read or written by a plain step (about 3.6 ns of a worker on the project's
 * 2-CPU machine); the weights below were measured against it with the 2725x2225 test photo.
 */

/** Work per pixel of an encode: MozJPEG's progressive mode, zlib, libwebp, libaom and OpenJPEG cost more. */
const ENCODE_WORK: Record<(typeof FORMATS)[keyof typeof FORMATS]['encoder'], number> = {
  jpeg: 4,
  png: 32,
  indexed: 32,
  tiff: 2,
  pdf: 4,
  webp: 24,
  avif: 80,
  jpeg2000: 120,
  eps: 2,
};
const PROGRESSIVE_ENCODE_WORK = 16;
/**
 * A TIFF's by its compression: Deflate is zlib as PNG's, LZW ran at about 0.4x of Deflate's time and
 * JPEG tiles at about 0.1x (the same kernel as fmt=jpeg) on the bundled landscape.jpg.
 */
const TIFF_ENCODE_WORK: Record<OutputSpec['tiffCompression'], number> = { none: 2, deflate: 32, lzw: 16, jpeg: 4 };

const encodeWork = (output: OutputSpec) =>
  output.format === 'pjpeg' ? PROGRESSIVE_ENCODE_WORK : FORMATS[output.format].encoder === 'tiff' ? TIFF_ENCODE_WORK[output.tiffCompression] : ENCODE_WORK[FORMATS[output.format].encoder];

/**
 * Work per pixel of a Gaussian of this sigma: a vertical and a horizontal pass of the kernel's taps
 * (wasm/resize.ts tapsForBlur), four taps to the unit (SIMD), so it grows with the radius.
 */
export const blurWork = (sigma: number) => (sigma > 0 ? (Math.ceil(sigma * 3) * 2 + 2) / 2 : 0);

/**
 * A progressive JPEG is decoded scan by scan into a buffer of every coefficient, each scan a pass
 * over the blocks of the full-size frame whatever the shrink-on-load: scans x pixels (a file of 900
 * scans took 11 s of a worker for wid=100).
 */
export const decodeWork = (source: { scans?: number; chunkPixels?: number }, full: Size, decoded: Size) =>
  ((source.scans ?? 1) > 1 ? source.scans! * area(full) : area(decoded)) + chunkWork(source, area(full));

/**
 * What each TIFF strip or tile costs whatever its pixels: its inflate or kernel call and its
 * placing, about 50 us in a worker (a file of 389,376 tiles of 16x16 took 20 s for wid=200), which
 * is this many pixel operations at --max-request-work's rate.
 */
const CHUNK_WORK = 16_384;

/** The fixed cost of the strips or tiles holding `pixels` of a TIFF page (none for other formats). */
export const chunkWork = (source: { chunkPixels?: number }, pixels: number) => (source.chunkPixels ? Math.ceil(pixels / source.chunkPixels) * CHUNK_WORK : 0);

export interface Footprint {
  /** The decoded source's pixels (after shrink-on-load, when the plan allows it). */
  decodePixels: number;
  /** The same for a full-size decode, which a decoder that declines to scale falls back to. */
  fullDecodePixels: number;
  /** The largest image any step creates, in pixels. */
  largestPixels: number;
  /** The peak bytes of the job, with the planned decode. */
  peakBytes: number;
  /** Pixel operations: pixels decoded (a progressive JPEG's once per scan), read and written by the steps (a filter's times its reach), and encoded (times the encoder's effort). */
  workPixels: number;
}

export const area = (s: Size) => s.width * s.height;

/** The size a step leaves the image at. */
function sizeAfter(step: Exclude<Step, { op: 'encode' }>, size: Size): Size {
  switch (step.op) {
    case 'crop':
      return { width: step.rect.width, height: step.rect.height };
    case 'resize':
      return { width: step.width, height: step.height };
    case 'extend':
    case 'blank':
      return step.canvas;
    case 'orient':
      return orientedSize(size, step.orientation);
    case 'rotate':
      return rotatedSize(size, step.degrees);
    default:
      return size;
  }
}

/** What running `steps` on an image of `start` size creates, holds at its peak, and touches. */
export function walkSteps(start: Size, steps: readonly Step[]): { size: Size; largest: number; peak: number; work: number } {
  let size = start;
  let largest = area(start);
  let peak = 0;
  let work = 0;
  for (const step of steps) {
    if (step.op === 'encode') {
      peak = Math.max(peak, area(size) * ENCODE_BYTES);
      work += area(size) * encodeWork(step.output);
      continue;
    }
    const next = sizeAfter(step, size);
    largest = Math.max(largest, area(next));
    peak = Math.max(peak, (area(size) + area(next)) * STEP_BYTES);
    work += area(size) + area(next);
    if (step.op === 'blur' || step.op === 'unsharp') work += area(size) * blurWork(step.radius);
    if (step.op === 'clip') {
      work += clipWork(step, size);
      peak = Math.max(peak, area(size) * CLIP_BYTES);
    }
    size = next;
  }
  return { size, largest, peak, work };
}

/**
 * What a source read by region (plan.ts, RegionRead) is charged: a TIFF's rect and nothing else, with
 * no full-size fallback (tiles shrunk as decoded hold only the rect, but each of its pixels was
 * decoded from shrink^2). A JPEG's, the whole decode it replaces: a file the kernel declines (CMYK,
 * arithmetic coding, tables between progressive scans) is decoded whole and cut, and a fast path
 * keeps the charges of the path it replaces. `heldPixels`: what the decode holds at its peak.
 */
export function regionDecode(source: SourcePlan & { read: RegionRead }): { decodePixels: number; fullDecodePixels: number; heldPixels: number; work: number } {
  const { rect } = source.read;
  if (source.format === 'jpeg') {
    const whole = area(source.size);
    return { decodePixels: whole, fullDecodePixels: whole, heldPixels: whole, work: decodeWork(source, source.size, source.size) };
  }
  const pixels = area(rect) * (source.read.shrink ?? 1) ** 2;
  return { decodePixels: pixels, fullDecodePixels: area(rect), heldPixels: area(rect), work: pixels + chunkWork(source, pixels) };
}

/** Walks the steps the worker will run for the plan's own shrink-on-load decision. */
export function singleFootprint(plan: SinglePlan): Footprint {
  const { source } = plan.layers[0];
  const full = source.size;
  const factor = source.shrink;
  const decoded = source.read ? source.read.rect : scaledSize(full, factor);
  const region = source.read ? regionDecode({ ...source, read: source.read }) : undefined;
  const walked = walkSteps(decoded, factor > 1 && plan.shrunk ? plan.shrunk : fullSteps(plan));
  return {
    decodePixels: region ? region.decodePixels : area(decoded),
    fullDecodePixels: region ? region.fullDecodePixels : area(full),
    largestPixels: walked.largest,
    peakBytes: Math.max((region ? region.heldPixels : area(decoded)) * decodeBytesOf(source), walked.peak),
    workPixels: (region ? region.work : decodeWork(source, full, decoded)) + walked.work,
  };
}

/** Bytes a full-size decode of the source would need, for the fallback when scaling is declined. */
export const fullDecodeBytes = (f: Footprint) => f.fullDecodePixels * DECODE_BYTES;

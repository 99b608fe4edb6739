import { fullSteps, type SinglePlan, type SourcePlan } from './plan.ts';
import type { Step } from './steps.ts';
import { scaledSize } from './shrink.ts';
import { rotatedSize } from './layer.ts';
import type { Size } from '../protocol/request.ts';

/**
 * What a plan will allocate, worked out from its steps before any job is queued: the largest image
 * any step creates, an estimate of the job's peak memory (JS and WASM together), and of its work
 * (every pixel decoded, read or written by a step, or encoded), by which the pool orders its queue.
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

export interface Footprint {
  /** The decoded source's pixels (after shrink-on-load, when the plan allows it). */
  decodePixels: number;
  /** The same for a full-size decode, which a decoder that declines to scale falls back to. */
  fullDecodePixels: number;
  /** The largest image any step creates, in pixels. */
  largestPixels: number;
  /** The peak bytes of the job, with the planned decode. */
  peakBytes: number;
  /** Pixels decoded, read and written by the steps, and encoded. */
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
      return step.orientation >= 5 ? { width: size.height, height: size.width } : size;
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
      work += area(size);
      continue;
    }
    const next = sizeAfter(step, size);
    largest = Math.max(largest, area(next));
    peak = Math.max(peak, (area(size) + area(next)) * STEP_BYTES);
    work += area(size) + area(next);
    size = next;
  }
  return { size, largest, peak, work };
}

/** Walks the steps the worker will run for the plan's own shrink-on-load decision. */
export function singleFootprint(plan: SinglePlan): Footprint {
  const { source } = plan.layers[0];
  const full = source.size;
  const factor = source.shrink;
  const decoded = scaledSize(full, factor);
  const walked = walkSteps(decoded, factor > 1 && plan.shrunk ? plan.shrunk : fullSteps(plan));
  return {
    decodePixels: area(decoded),
    fullDecodePixels: area(full),
    largestPixels: walked.largest,
    peakBytes: Math.max(area(decoded) * decodeBytesOf(source), walked.peak),
    workPixels: area(decoded) + walked.work,
  };
}

/** Bytes a full-size decode of the source would need, for the fallback when scaling is declined. */
export const fullDecodeBytes = (f: Footprint) => f.fullDecodePixels * DECODE_BYTES;

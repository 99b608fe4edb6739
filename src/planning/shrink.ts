import { SOURCE_FORMATS } from './source-formats.ts';
import type { SourceFormat } from './sniff.ts';
import type { Rect } from '../protocol/request.ts';
import type { Step } from './steps.ts';
import type { Size } from '../protocol/request.ts';

/**
 * Shrink-on-load: a JPEG wanted much smaller than it is gets decoded at 1/2, 1/4 or 1/8 of its size
 * in the DCT domain (wasm/jpegdec.ts), so a 6 MP photo headed for 0.4 MP costs a 1.5 MP decode; so
 * do the strips or tiles of a JPEG-compressed TIFF, each a JPEG.
 */
export type Shrink = 1 | 2 | 4 | 8;

export function scaledSize(size: Size, factor: Shrink): Size {
  return { width: Math.ceil(size.width / factor), height: Math.ceil(size.height / factor) };
}

/** A rectangle of the full image in an image decoded at 1/factor, grown to whole pixels. */
export function scaleRect(rect: Rect, factor: Shrink, bounds: Size): Rect {
  const x = Math.floor(rect.x / factor);
  const y = Math.floor(rect.y / factor);
  const right = Math.min(bounds.width, Math.ceil((rect.x + rect.width) / factor));
  const bottom = Math.min(bounds.height, Math.ceil((rect.y + rect.height) / factor));
  return { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y) };
}

/**
 * The box pre-shrink factor for a reduction, libvips' rule for Lanczos3 (vips_resize): only for
 * reductions of 4x or more, leaving Lanczos3 at least a 2x reduction on either axis. A box that
 * leaves less makes the result blurrier than Lanczos3's own (3.5x: 44 dB from it at q100 on line
 * art, against 65.6 dB without the box).
 */
export function boxFactor(srcW: number, srcH: number, width: number, height: number): number {
  const factor = Math.floor(Math.min(srcW / width, srcH / height) / 2);
  return factor >= 2 ? factor : 1;
}

type ResizeStep = Extract<Step, { op: 'resize' }>;

/** A source and every step after its decode: what shrink-on-load looks at. */
export interface Decoding {
  source: { format: SourceFormat; size: Size; shrinkable?: boolean };
  steps: Step[];
}

/**
 * The start of a plan shrink-on-load can serve: an optional crop (the whole image when there is
 * none), then a resize. Anything else first (a layer's rotation) needs the full pixels.
 */
function leadIn(plan: Decoding): { crop: Rect; cropped: boolean; resize: ResizeStep; after: Step[] } | undefined {
  const [first, ...rest] = plan.steps;
  const cropped = first?.op === 'crop';
  const [resize, ...after] = cropped ? rest : plan.steps;
  if (resize?.op !== 'resize') return undefined;
  return { crop: first?.op === 'crop' ? first.rect : { x: 0, y: 0, ...plan.source.size }, cropped, resize, after };
}

/**
 * The largest factor that still leaves the resampler at least the output size on both axes (the
 * rule of libvips and sharp); only for JPEG sources and JPEG-compressed TIFFs.
 */
export function shrinkOnLoad(plan: Decoding): Shrink {
  const lead = SOURCE_FORMATS[plan.source.format].shrinkOnLoad || plan.source.shrinkable ? leadIn(plan) : undefined;
  if (!lead) return 1;
  for (const factor of [8, 4, 2] as const) {
    const region = scaleRect(lead.crop, factor, scaledSize(plan.source.size, factor));
    if (region.width >= lead.resize.width && region.height >= lead.resize.height) return factor;
  }
  return 1;
}

/**
 * Which factor the decoder delivered (it may decline and decode in full), from the size of the
 * oriented image; undefined when the size fits neither, which means a malformed file.
 */
export function deliveredFactor(image: Size, source: Size, asked: Shrink): Shrink | undefined {
  if (image.width === source.width && image.height === source.height) return 1;
  const scaled = scaledSize(source, asked);
  return image.width === scaled.width && image.height === scaled.height ? asked : undefined;
}

/**
 * The steps for an image decoded at 1/factor: the crop moves to the smaller grid, grown to
 * whole pixels, and the resize samples exactly the span the full-size crop covered (its edges may
 * fall inside a pixel), so the output lines up with a full decode's to a fraction of a pixel.
 */
export function stepsAtScale(plan: Decoding, factor: Shrink): Step[] {
  const lead = factor === 1 ? undefined : leadIn(plan);
  if (!lead) return plan.steps;
  const { crop: exact, cropped, resize, after } = lead;
  const grown = scaleRect(exact, factor, scaledSize(plan.source.size, factor));
  // A tile's resize already samples part of its crop (plan.ts): that span moves to the smaller grid.
  const span = resize.region ?? { x: 0, y: 0, width: exact.width, height: exact.height };
  const region = { x: (exact.x + span.x) / factor - grown.x, y: (exact.y + span.y) / factor - grown.y, width: span.width / factor, height: span.height / factor };
  // A tile's box factor was the whole view's at full scale; at the smaller scale the kernel picks again.
  const resized: ResizeStep = { ...resize, region };
  delete resized.box;
  return [...(cropped ? [{ op: 'crop' as const, rect: grown }] : []), resized, ...after];
}

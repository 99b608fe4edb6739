import type { Rect } from '../protocol/request.ts';
import type { RenderPlan, Step } from './plan.ts';
import type { Size } from './view.ts';

/**
 * Shrink-on-load: a JPEG wanted much smaller than it is gets decoded at 1/2, 1/4 or 1/8 of its size
 * in the DCT domain (wasm/jpegdec.ts), so a 6 MP photo headed for 0.4 MP costs a 1.5 MP decode.
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
 * The largest factor that still leaves the resampler at least the output size on both axes (the
 * rule of libvips and sharp). Only for JPEG sources, and only when the plan starts with an optional
 * crop and a resize: anything else (a layer's rotation, a tile) needs the full pixels first.
 */
export function shrinkOnLoad(plan: RenderPlan): Shrink {
  if (plan.source.format !== 'jpeg') return 1;
  const [first, second] = plan.steps;
  const crop = first?.op === 'crop' ? first.rect : { x: 0, y: 0, ...plan.source.size };
  const resize = first?.op === 'crop' ? second : first;
  if (resize?.op !== 'resize') return 1;
  for (const factor of [8, 4, 2] as const) {
    const region = scaleRect(crop, factor, scaledSize(plan.source.size, factor));
    if (region.width >= resize.width && region.height >= resize.height) return factor;
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
 * The plan's steps for an image decoded at 1/factor: the crop moves to the smaller grid, grown to
 * whole pixels, and the resize samples exactly the span the full-size crop covered (its edges may
 * fall inside a pixel), so the output lines up with a full decode's to a fraction of a pixel.
 */
export function stepsAtScale(plan: RenderPlan, factor: Shrink): Step[] {
  if (factor === 1) return plan.steps;
  const [first, ...rest] = plan.steps;
  const cropped = first?.op === 'crop';
  const [resize, ...after] = cropped ? rest : plan.steps;
  if (resize?.op !== 'resize') return plan.steps;
  const exact = cropped ? first.rect : { x: 0, y: 0, ...plan.source.size };
  const grown = scaleRect(exact, factor, scaledSize(plan.source.size, factor));
  const region = { x: exact.x / factor - grown.x, y: exact.y / factor - grown.y, width: exact.width / factor, height: exact.height / factor };
  return [...(cropped ? [{ op: 'crop' as const, rect: grown }] : []), { ...resize, region }, ...after];
}

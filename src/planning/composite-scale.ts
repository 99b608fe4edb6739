import type { Rect, Size } from '../protocol/request.ts';
import type { TextImage } from '../text/shapes.ts';
import type { EffectPlan, LayerInput, PlacedLayer } from './composite-plan.ts';
import type { Step } from './steps.ts';

/**
 * Compositing at the resolution the view needs: "all processing and compositing is done at the
 * optimal resolution for the requested image size"
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-c).
 * Sizes, positions and res= keep their meaning in composite pixels; the view's crop and reduction
 * are taken over by drawing every layer at the view's scale, on a canvas of the part the view reads,
 * so a 1920x640 banner of a 2725x2225 composite draws 1920x640 pixels, not 2725x2225.
 */
export interface Drawing {
  /** Canvas pixels per composite pixel (at most 1: the view never draws finer than the composite). */
  scale: number;
  /** Where composite point (0, 0) lands on the canvas. */
  x: number;
  y: number;
  canvas: Size;
  /** The view's steps after its crop and reduction: a remaining resize when the scaled canvas is not the view. */
  steps: Step[];
}

/** Lanczos3 reads 3 pixels either side: a canvas a resize still reads keeps that much around the view. */
const REACH = 3;

/** EXIF-style flips (planning/layer.ts): which mirror each makes. */
const FLIPS: Record<number, { lr: boolean; ud: boolean }> = { 2: { lr: true, ud: false }, 3: { lr: true, ud: true }, 4: { lr: false, ud: true } };

/**
 * The drawing that takes over the view's leading crop and resize (its steps as planned over the
 * full-size composite), or undefined when the view reads the whole composite at 1:1 or more and
 * nothing is gained. comp's flip= and opac=, which come first, move after the resize: a fade is per
 * pixel, and a flip of the part the view reads is the mirrored part flipped (Lanczos is symmetric).
 */
export function drawingOf(steps: readonly Step[], composite: Size, reach = 0): Drawing | undefined {
  let lead = 0;
  let lr = false;
  let ud = false;
  for (let s = steps[lead]; s && (s.op === 'opacity' || (s.op === 'orient' && FLIPS[s.orientation])); s = steps[++lead]) {
    if (s.op === 'orient') {
      lr = lr !== FLIPS[s.orientation]!.lr;
      ud = ud !== FLIPS[s.orientation]!.ud;
    }
  }
  const moved = steps.slice(0, lead);
  const drawing = viewDrawing(mirrored(steps.slice(lead), composite, lr, ud), composite, reach);
  if (!drawing || moved.length === 0) return drawing;
  const at = drawing.steps[0]?.op === 'resize' ? 1 : 0;
  return { ...drawing, steps: [...drawing.steps.slice(0, at), ...moved, ...drawing.steps.slice(at)] };
}

/** The view's leading crop and resize region, mirrored onto the composite as it is before a flip. */
function mirrored(steps: Step[], composite: Size, lr: boolean, ud: boolean): Step[] {
  if (!lr && !ud) return steps;
  const flip = (r: Rect, within: Size): Rect => ({ ...r, x: lr ? within.width - r.x - r.width : r.x, y: ud ? within.height - r.y - r.height : r.y });
  const [first, ...rest] = steps;
  const crop = first?.op === 'crop' ? first.rect : { x: 0, y: 0, ...composite };
  const out = first?.op === 'crop' ? [{ ...first, rect: flip(first.rect, composite) }] : [];
  const tail = first?.op === 'crop' ? rest : steps;
  const [resize, ...after] = tail;
  if (resize?.op !== 'resize' || !resize.region) return [...out, ...tail];
  return [...out, { ...resize, region: flip(resize.region, crop) }, ...after];
}

/** `reach`: composite pixels the canvas keeps around the part the view reads (comp's effects are shaped from the canvas). */
function viewDrawing(steps: readonly Step[], composite: Size, reach: number): Drawing | undefined {
  const [first, ...rest] = steps;
  const crop = first?.op === 'crop' ? first.rect : { x: 0, y: 0, ...composite };
  const lead = first?.op === 'crop' ? rest : [...steps];
  const resize = lead[0]?.op === 'resize' ? lead[0] : undefined;
  const after = resize ? lead.slice(1) : lead;
  if (first?.op !== 'crop' && !resize) return undefined;
  if (!resize && reach === 0) return { scale: 1, x: -crop.x, y: -crop.y, canvas: { width: crop.width, height: crop.height }, steps: after };
  if (!resize) {
    const x0 = Math.max(0, crop.x - reach);
    const y0 = Math.max(0, crop.y - reach);
    const canvas = { width: Math.min(composite.width, crop.x + crop.width + reach) - x0, height: Math.min(composite.height, crop.y + crop.height + reach) - y0 };
    const cut: Step = { op: 'crop', rect: { ...crop, x: crop.x - x0, y: crop.y - y0 } };
    return { scale: 1, x: -x0, y: -y0, canvas, steps: [cut, ...after] };
  }
  // The span of the composite the view samples (a tile's resize samples part of its crop).
  const span = resize.region ?? { x: 0, y: 0, width: crop.width, height: crop.height };
  const left = crop.x + span.x;
  const top = crop.y + span.y;
  const scale = Math.min(1, Math.max(resize.width / span.width, resize.height / span.height));
  const width = span.width * scale;
  const height = span.height * scale;
  if (reach === 0 && Math.round(width) === resize.width && Math.round(height) === resize.height) {
    // The scaled span is the view to within a pixel: the canvas is the view, nothing resamples it again.
    return { scale, x: -left * scale, y: -top * scale, canvas: { width: resize.width, height: resize.height }, steps: after };
  }
  const margin = REACH + Math.ceil(reach * scale);
  const x0 = Math.max(0, Math.floor(left * scale) - margin);
  const y0 = Math.max(0, Math.floor(top * scale) - margin);
  const x1 = Math.min(Math.ceil(composite.width * scale), Math.ceil((left + span.width) * scale) + margin);
  const y1 = Math.min(Math.ceil(composite.height * scale), Math.ceil((top + span.height) * scale) + margin);
  const canvas = { width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
  if (scale === 1 && x0 === 0 && y0 === 0 && canvas.width === composite.width && canvas.height === composite.height) return undefined;
  const region = { x: left * scale - x0, y: top * scale - y0, width, height };
  const resampled: Step = { ...resize, region };
  delete resampled.box;
  return { scale, x: -x0, y: -y0, canvas, steps: [resampled, ...after] };
}

/** An effect's offset, op_grow and op_blur at the drawing's scale. */
export const scaleEffect = (effect: EffectPlan, scale: number): EffectPlan =>
  scale === 1 ? effect : { ...effect, x: Math.round(effect.x * scale), y: Math.round(effect.y * scale), grow: Math.round(effect.grow * scale), blur: effect.blur * scale };

/** A solid or text input made at the drawing's scale rather than resampled down to it. */
export function scaleInput(input: Extract<LayerInput, { kind: 'solid' | 'text' }>, scale: number): LayerInput {
  const scaled = (v: number) => Math.max(1, Math.round(v * scale));
  if (input.kind === 'solid') return { ...input, size: { width: scaled(input.size.width), height: scaled(input.size.height) } };
  return { kind: 'text', text: scaleText(input.text, scale) };
}

function scaleText(text: TextImage, scale: number): TextImage {
  const fills = text.fills.map((f) => ({ color: f.color, contours: f.contours.map((c) => c.map((v) => v * scale)) }));
  const anchor = text.anchor && { x: text.anchor.x * scale, y: text.anchor.y * scale };
  return { ...text, width: Math.max(1, Math.round(text.width * scale)), height: Math.max(1, Math.round(text.height * scale)), fills, ...(anchor ? { anchor } : {}) };
}

/**
 * A layer that reaches past the canvas made only as far as it shows: when its steps are a crop and a
 * resize, the resize makes the visible part alone (sampling the same span of the input, so its
 * pixels are those of the whole layer's), from a crop grown by the filter's reach. Layers with
 * effects are left whole: a shadow or glow is shaped from the whole layer.
 */
export function clipToCanvas(layer: PlacedLayer, input: Size, canvas: Size): PlacedLayer {
  // The steps' crop is within the input; without one the whole input is the crop.
  const [first, ...rest] = layer.steps;
  const crop = first?.op === 'crop' ? first.rect : { x: 0, y: 0, ...input };
  const tail = first?.op === 'crop' ? rest : layer.steps;
  const resize = tail[0];
  if (tail.length !== 1 || resize?.op !== 'resize' || layer.effects.length > 0) return layer;
  const span = resize.region ?? { x: 0, y: 0, width: crop.width, height: crop.height };
  const x = visible(layer.x, resize.width, canvas.width, { at: crop.x, length: crop.width }, { at: span.x, length: span.width });
  const y = visible(layer.y, resize.height, canvas.height, { at: crop.y, length: crop.height }, { at: span.y, length: span.height });
  if (!x || !y || (x.whole && y.whole)) return layer;
  const rect = { x: x.from, y: y.from, width: x.to - x.from, height: y.to - y.from };
  const region = { x: x.start - x.from, y: y.start - y.from, width: x.extent, height: y.extent };
  const clipped: Step = { ...resize, width: x.length, height: y.length, region };
  delete clipped.box;
  return { ...layer, steps: [{ op: 'crop', rect }, clipped], size: { width: x.length, height: y.length }, x: layer.x + x.skip, y: layer.y + y.skip };
}

/** One axis of clipToCanvas: the layer's output pixels inside the canvas, and the input span they sample. */
function visible(at: number, length: number, canvas: number, crop: { at: number; length: number }, span: { at: number; length: number }) {
  const skip = Math.max(0, -at);
  const end = Math.min(length, canvas - at);
  if (end <= skip) return undefined;
  const step = span.length / length;
  const start = crop.at + span.at + skip * step;
  const extent = (end - skip) * step;
  const reach = REACH * Math.max(1, step);
  const from = Math.max(crop.at, Math.floor(start - reach));
  const to = Math.min(crop.at + crop.length, Math.ceil(start + extent + reach));
  return { whole: skip === 0 && end === length, skip, length: end - skip, start, extent, from, to };
}

import type { CompositePlan, Composite, EffectPlan, LayerInput, PlacedLayer } from './composite-plan.ts';
import { area, blurWork, decodeBytesOf, decodeWork, regionDecode, singleFootprint, walkSteps, type Footprint } from './footprint.ts';
import { isComposite, type RenderPlan } from './composite-plan.ts';
import { scaledSize } from './shrink.ts';
import { CLIP_BYTES, clipWork } from './clip.ts';
import type { Size } from '../protocol/request.ts';
import { rasterWork } from '../text/shapes.ts';
import type { SourcePlan } from './plan.ts';

/**
 * A composite's footprint (see footprint.ts): the float canvas (16 bytes a pixel) and its 8-bit
 * copy live through the whole render; layers are made one at a time, so the largest layer's peak
 * comes on top, and decoded files a later layer reuses stay held (4 bytes a pixel).
 */
const CANVAS_BYTES = 20;
/** An effect holds its mask, its coloured image and the blur's copy. */
const EFFECT_BYTES = 13;
/**
 * Work per pixel of an effect's padded area besides its blur: the mask, op_grow's two passes (each a
 * few operations whatever the radius: pipeline/steps/effect.ts), the fill, the clip and the blend.
 */
const EFFECT_WORK = 12;

interface Tally {
  decodePixels: number;
  fullDecodePixels: number;
  largest: number;
  peak: number;
  work: number;
}

/** What any plan allocates: a single image's (footprint.ts) or a composite's. */
export function footprint(plan: RenderPlan): Footprint {
  return isComposite(plan) ? compositeFootprint(plan) : singleFootprint(plan);
}

function compositeFootprint(plan: CompositePlan): Footprint {
  const t = compositeTally(plan.composite);
  return { decodePixels: t.decodePixels, fullDecodePixels: t.fullDecodePixels, largestPixels: t.largest, peakBytes: t.peak, workPixels: t.work };
}

function compositeTally(composite: Composite): Tally {
  const canvas = area(composite.canvas);
  const t: Tally = { decodePixels: 0, fullDecodePixels: 0, largest: canvas, peak: 0, work: canvas };
  let layerPeak = 0;
  let held = 0;
  for (const layer of composite.layers) {
    const l = layerTally(layer);
    t.decodePixels += l.decodePixels;
    t.fullDecodePixels = Math.max(t.fullDecodePixels, l.fullDecodePixels);
    t.largest = Math.max(t.largest, l.largest);
    t.work += l.work;
    layerPeak = Math.max(layerPeak, l.peak);
    if (layer.input.kind === 'file') held += l.decodePixels * 4;
  }
  const effects = composite.effects.map((e) => paddedArea(composite.canvas, e.grow, e.blur));
  const view = walkSteps(composite.canvas, composite.steps);
  t.largest = Math.max(t.largest, view.largest, ...effects);
  t.work += view.work + effectsWork(composite.effects, effects) + (composite.clip ? clipWork(composite.clip, composite.canvas) : 0);
  // comp's clip runs on the flattened layers while the canvas is held.
  const clipPeak = composite.clip ? canvas * CLIP_BYTES : 0;
  t.peak = canvas * CANVAS_BYTES + held + Math.max(layerPeak, view.peak, clipPeak, ...effects.map((e) => e * EFFECT_BYTES));
  return t;
}

const paddedArea = (size: Size, grow: number, blur: number) => {
  const pad = 2 * (Math.abs(grow) + Math.ceil(blur * 3) + 1);
  return (size.width + pad) * (size.height + pad);
};

/** Each effect's work over its padded area: so ten effects cost ten times one. */
const effectsWork = (effects: readonly EffectPlan[], areas: readonly number[]) =>
  effects.reduce((sum, e, i) => sum + areas[i]! * (EFFECT_WORK + blurWork(e.blur)), 0);

function inputTally(input: LayerInput): Tally & { size: Size } {
  switch (input.kind) {
    case 'file': {
      if (input.read) {
        const rect = input.read.rect;
        const region = regionDecode({ ...input, read: input.read });
        return { size: rect, decodePixels: region.decodePixels, fullDecodePixels: region.fullDecodePixels, largest: area(rect), peak: region.heldPixels * decodeBytesOf(input), work: region.work };
      }
      const decoded = scaledSize(input.size, input.shrink);
      const n = area(decoded);
      return { size: decoded, decodePixels: n, fullDecodePixels: area(input.size), largest: n, peak: n * decodeBytesOf(input), work: decodeWork(input, input.size, decoded) };
    }
    case 'solid':
      return { size: input.size, decodePixels: 0, fullDecodePixels: 0, largest: area(input.size), peak: area(input.size) * 4, work: area(input.size) };
    case 'single': {
      const f = singleFootprint(input.plan);
      return { size: input.plan.output, decodePixels: f.decodePixels, fullDecodePixels: f.fullDecodePixels, largest: f.largestPixels, peak: f.peakBytes, work: f.workPixels };
    }
    case 'composite':
      return { ...compositeTally(input.composite), size: input.size };
    case 'text': {
      // The rasteriser's float area buffer (4 bytes a pixel) beside the RGBA image.
      const size = { width: input.text.width, height: input.text.height };
      return { size, decodePixels: 0, fullDecodePixels: 0, largest: area(size), peak: area(size) * 8, work: rasterWork(input.text) };
    }
  }
}

function layerTally(layer: PlacedLayer): Tally {
  const input = inputTally(layer.input);
  const mask = layer.mask ? inputTally(layer.mask.input) : undefined;
  const walked = walkSteps(input.size, layer.steps);
  const effects = layer.effects.map((e) => paddedArea(layer.size, e.grow, e.blur));
  return {
    decodePixels: input.decodePixels + (mask?.decodePixels ?? 0),
    fullDecodePixels: Math.max(input.fullDecodePixels, mask?.fullDecodePixels ?? 0),
    largest: Math.max(input.largest, mask?.largest ?? 0, walked.largest, ...effects),
    peak: Math.max(input.peak + (mask?.peak ?? 0), walked.peak, ...effects.map((e) => e * EFFECT_BYTES)),
    work: input.work + (mask?.work ?? 0) + walked.work + effectsWork(layer.effects, effects),
  };
}

/**
 * A decode of the job: a file at a shrink factor, or the region it reads (a layer and a nested
 * request of one file may read different parts of it, or one of them the whole).
 */
export const decodeKey = (file: number, source: Pick<SourcePlan, 'shrink' | 'read'>) => `${file}:${source.shrink}:${source.read ? JSON.stringify(source.read) : ''}`;

/** How many times each decode of the job is used, so the last use can take it (pipeline/decoded-sources.ts). */
export function decodeUses(plan: RenderPlan): Map<string, number> {
  const uses = new Map<string, number>();
  const count = (file: number, source: Pick<SourcePlan, 'shrink' | 'read'>) => uses.set(decodeKey(file, source), (uses.get(decodeKey(file, source)) ?? 0) + 1);
  const visitInput = (input: LayerInput) => {
    if (input.kind === 'file') count(input.file, input);
    else if (input.kind === 'single') count(input.plan.file ?? 0, input.plan.layers[0].source);
    else if (input.kind === 'composite') visitComposite(input.composite);
  };
  const visitComposite = (c: Composite) => {
    for (const layer of c.layers) {
      visitInput(layer.input);
      if (layer.mask) visitInput(layer.mask.input);
    }
  };
  if (isComposite(plan)) visitComposite(plan.composite);
  else count(plan.file ?? 0, plan.layers[0].source);
  return uses;
}

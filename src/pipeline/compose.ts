import { createPixels, type Pixels } from '../image/pixels.ts';
import { rasterize } from '../image/raster.ts';
import type { Composite, LayerInput, PlacedLayer } from '../planning/composite-plan.ts';
import { fullSteps, type SinglePlan } from '../planning/plan.ts';
import type { Step } from '../planning/steps.ts';
import type { MaskUse } from '../protocol/request.ts';
import { applyAll } from './apply.ts';
import type { DecodedSources } from './decoded-sources.ts';
import { createCanvas, draw, toPixels, type Canvas } from './steps/blend.ts';
import { shapeEffect } from './steps/effect.ts';
import { resize } from './steps/resize.ts';
import { clip } from './steps/clip.ts';

/** Steps that only move or resample pixels: a colour conversion gives the same after them as before (resampling: within rounding). */
const GEOMETRIC = new Set<Step['op']>(['crop', 'resize', 'orient']);

/**
 * A single image's first pixels, and the steps that go with the scale the decoder delivered. An
 * RGB source's colour conversion runs after the crop and resize that come first, on fewer pixels
 * (a 6 MP photo for a 0.4 MP reply converts 0.4 MP), before any filter that reads its colours.
 */
export async function startSingle(plan: SinglePlan, sources: DecodedSources): Promise<{ image: Pixels; steps: Step[] }> {
  const file = plan.file ?? 0;
  const source = plan.layers[0].source;
  const { image, factor, converting } = await sources.take(file, source, true);
  const steps = factor > 1 && plan.shrunk ? plan.shrunk : fullSteps(plan);
  if (!converting) return { image, steps };
  const first = steps.findIndex((s) => !GEOMETRIC.has(s.op));
  const lead = first < 0 ? steps : steps.slice(0, first);
  const moved = applyAll(image, lead);
  sources.convert(file, source, moved.data);
  return { image: moved, steps: steps.slice(lead.length) };
}

/** A layer's input as pixels: decoded, filled, or rendered from a nested plan. */
async function inputPixels(input: LayerInput, sources: DecodedSources): Promise<{ image: Pixels; factor: number }> {
  switch (input.kind) {
    case 'file':
      return sources.take(input.file, input);
    case 'solid':
      return { image: createPixels(input.size.width, input.size.height, input.color), factor: 1 };
    case 'single': {
      const { image, steps } = await startSingle(input.plan, sources);
      return { image: applyAll(image, steps), factor: 1 };
    }
    case 'composite':
      return { image: await renderComposite(input.composite, sources), factor: 1 };
    case 'text':
      return { image: rasterize(input.text.width, input.text.height, input.text.fills, input.text.antialias), factor: 1 };
  }
}

/** Layers drawn in order on a canvas the size of layer 0, then the composite's own steps. */
async function renderComposite(composite: Composite, sources: DecodedSources): Promise<Pixels> {
  return applyAll(await flattenLayers(composite, sources), composite.steps);
}

export async function flattenLayers(composite: Composite, sources: DecodedSources): Promise<Pixels> {
  const [zero, ...others] = composite.layers;
  const base = zero && (await layerImage(zero, sources));
  if (zero && base && overOpaque(composite, zero, base)) {
    const own = base.data.byteOffset === 0 && base.data.byteLength === base.data.buffer.byteLength ? base : { ...base, data: base.data.slice() };
    for (const layer of others) over(own, await layerImage(layer, sources), layer.x, layer.y);
    return own;
  }
  const canvas = createCanvas(composite.canvas.width, composite.canvas.height);
  const origin = composite.origin ?? { x: 0, y: 0 };
  for (const [index, layer] of composite.layers.entries()) {
    drawWithEffects(canvas, { ...layer, image: index === 0 && base ? base : await layerImage(layer, sources) }, index, origin);
  }
  const drawn = toPixels(canvas);
  const flat = composite.clip ? clip(drawn, composite.clip.keep, composite.clip.cut) : drawn;
  if (composite.effects.length === 0) return flat;
  // Effects on comp are shaped from the flattened (and clipped) composite, which is then their parent.
  const again = createCanvas(flat.width, flat.height);
  drawWithEffects(again, { image: flat, x: 0, y: 0, opacity: composite.fill ?? 1, blend: 'normal', effects: composite.effects }, composite.layers.length, origin);
  return toPixels(again);
}

/**
 * Whether the layers can be flattened in 8 bits on layer 0's own pixels, with no float canvas: layer
 * 0 covers the canvas exactly, opaque, and every layer is drawn plainly (normal blend, full opacity,
 * no effects), as is the composite (no clip, no effects). Each pixel then takes one rounding at most,
 * the float canvas's own (over()): the same bytes, without its 16 bytes a pixel written and read
 * back for the whole canvas (a fifth of a 1920x640 banner's time).
 */
function overOpaque(composite: Composite, zero: PlacedLayer, base: Pixels): boolean {
  const plain = (l: PlacedLayer) => l.blend === 'normal' && l.opacity === 1 && l.effects.length === 0;
  if (composite.clip || composite.effects.length > 0 || !composite.layers.every(plain)) return false;
  if (zero.x !== 0 || zero.y !== 0 || base.width !== composite.canvas.width || base.height !== composite.canvas.height) return false;
  return !hasTransparency(base.data);
}

/**
 * A straight-alpha image over opaque pixels, in place, clipped to them: each channel
 * round((src * a + dst * (255 - a)) / 255), which is never halfway, so the float canvas's
 * rounding of the same sum agrees.
 */
function over(base: Pixels, image: Pixels, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(base.width, x + image.width);
  const b = base.data;
  const s = image.data;
  for (let py = Math.max(0, y); py < Math.min(base.height, y + image.height); py++) {
    for (let px = x0, i = ((py - y) * image.width + x0 - x) * 4, o = (py * base.width + x0) * 4; px < x1; px++, i += 4, o += 4) {
      const a = s[i + 3]!;
      if (a === 0) continue;
      const keep = 255 - a;
      b[o] = ((s[i]! * a + b[o]! * keep + 127) / 255) | 0;
      b[o + 1] = ((s[i + 1]! * a + b[o + 1]! * keep + 127) / 255) | 0;
      b[o + 2] = ((s[i + 2]! * a + b[o + 2]! * keep + 127) / 255) | 0;
    }
  }
}

/** A layer's pixels as drawn: its input, its mask, its steps. */
async function layerImage(layer: PlacedLayer, sources: DecodedSources): Promise<Pixels> {
  const { image: input, factor } = await inputPixels(layer.input, sources);
  const steps = factor > 1 || !layer.fullSteps ? layer.steps : layer.fullSteps;
  const masked = layer.mask !== undefined || layer.maskUse !== 'normal';
  // op_blur blurs a layer's pixels, not its mask, as a filter on a Photoshop layer leaves its layer
  // mask alone: the background of r-op-blur's example (maskUse=invert&op_blur=20) stays opaque up
  // to the subject's edge instead of fading to the canvas there (docs/compatibility.md). The
  // colours are the unmasked layer's, blurred; the alpha the masked layer's, unblurred.
  const colours = masked && steps.some((s) => s.op === 'blur') ? applyAll({ ...input, data: input.data.slice() }, steps) : undefined;
  let image = input;
  if (layer.mask) {
    const { image: mask } = await inputPixels(layer.mask.input, sources);
    image = withMask(image, mask, layer.mask.fromAlpha);
  }
  image = useMask(image, layer.maskUse);
  image = applyAll(image, colours ? steps.filter((s) => s.op !== 'blur') : steps);
  return colours ? withAlphaOf(colours, image) : image;
}

/** `colours`' colours under `shape`'s alpha (the two the same size: the same steps made them). */
function withAlphaOf(colours: Pixels, shape: Pixels): Pixels {
  const d = colours.data;
  const a = shape.data;
  for (let i = 3; i < d.length; i += 4) d[i] = a[i]!;
  return colours;
}

function drawWithEffects(
  canvas: Canvas,
  layer: Pick<PlacedLayer, 'x' | 'y' | 'opacity' | 'blend' | 'effects'> & { image: Pixels },
  seed: number,
  origin: { x: number; y: number },
): void {
  const outer = layer.effects.filter((e) => !e.inner);
  const inner = layer.effects.filter((e) => e.inner);
  // Where the layer is in the composite as drawn: effects' op_noise is seeded by place, so tiles join.
  const at = { x: origin.x + layer.x, y: origin.y + layer.y };
  for (const effect of outer) {
    const shaped = shapeEffect(layer.image, effect, at);
    draw(canvas, shaped.image, layer.x + shaped.x, layer.y + shaped.y, 1, effect.blend, seed);
  }
  draw(canvas, layer.image, layer.x, layer.y, layer.opacity, layer.blend, seed);
  for (const effect of inner) {
    const shaped = shapeEffect(layer.image, effect, at);
    draw(canvas, shaped.image, layer.x + shaped.x, layer.y + shaped.y, 1, effect.blend, seed);
  }
}

/**
 * mask=: the mask's alpha becomes the image's, scaled to fit; a mask without alpha data (none, or
 * an alpha channel that is opaque throughout) gives its grey instead (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-mask).
 */
function withMask(image: Pixels, mask: Pixels, mayHaveAlpha: boolean): Pixels {
  const fitted = mask.width === image.width && mask.height === image.height ? mask : resize(mask, image.width, image.height, { premultiply: false, filter: 'bilinear' });
  const d = image.data;
  const m = fitted.data;
  const fromAlpha = mayHaveAlpha && hasTransparency(m);
  for (let i = 0; i < d.length; i += 4) {
    d[i + 3] = fromAlpha ? m[i + 3]! : 0.299 * m[i]! + 0.587 * m[i + 1]! + 0.114 * m[i + 2]!;
  }
  return image;
}

function hasTransparency(data: Uint8ClampedArray): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

/** maskUse=: invert hides what the mask shows (an opaque image disappears); off ignores the mask. */
function useMask(image: Pixels, use: MaskUse): Pixels {
  if (use === 'normal') return image;
  const d = image.data;
  for (let i = 3; i < d.length; i += 4) d[i] = use === 'off' ? 255 : 255 - d[i]!;
  return image;
}

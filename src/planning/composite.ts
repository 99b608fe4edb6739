import { typeset, type TextSetting } from '../text/typeset.ts';
import { deliveredOutput, type PlannedIcc } from './delivery.ts';
import type { CatalogAttributes } from '../catalog/catalog.ts';
import { forbidden } from '../protocol/errors.ts';
import type { EffectRequest, ImageRequest, LayerRequest, LayerSpec, PointSpec, Rect, Size } from '../protocol/request.ts';
import { placedLayers, type Composite, type CompositePlan, type EffectPlan, type LayerInput, type PlacedLayer } from './composite-plan.ts';
import { clipToCanvas, drawingOf, scaleEffect, scaleInput } from './composite-scale.ts';
import { orientedSize, planLayer } from './layer.ts';
import { fullSteps, type SinglePlan } from './plan.ts';
import { colorOf, compositeRegion, planRequest, type PlanSettings } from './plan-request.ts';
import { shrinkOnLoad, stepsAtScale, type Shrink } from './shrink.ts';
import type { SourceInfo } from './sniff.ts';
import type { Step } from './steps.ts';
import { IDENTITY, oriented, scaling, then, translation, type Affine } from './affine.ts';
import { boundsOf, clipStep, cubicsOf, flatten } from './clip.ts';
import type { PhotoshopPath } from './photoshop-paths.ts';
import { readLayerRegions } from './composite-reads.ts';

/**
 * Plans a layered request (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/layering-overview/c-layering-overview): each layer's steps from its request and
 * its input's header, layer 0's final size as the canvas, every other layer placed by
 * top-left = layer 0's origin + pos − the layer's origin, then the view on the composite with the
 * single-image planner. Pure: sources come in as headers, nested requests as resolved trees.
 */
export type ViewAttributes = Pick<CatalogAttributes, 'thumbnail' | 'defaultSize' | 'maxSize' | 'background'>;

export type Header = SourceInfo & { orientation: number };

export type ResolvedInput =
  | { kind: 'file'; file: number; header: Header }
  /** A nested request without layers: planned as a single image, without its encode. */
  | { kind: 'single'; file: number; header: Header; request: ImageRequest; attributes: ViewAttributes }
  | { kind: 'composite'; composite: ResolvedComposite }
  /** A text layer with its fonts loaded: laid out once its box is known (size=, or sizeN= of layer 0). */
  | { kind: 'text'; setting: TextSetting };

export interface ResolvedLayer {
  request: LayerRequest;
  /** The image of src=, of the path object, or of a nested request; absent for solid layers. */
  input?: ResolvedInput;
  mask?: ResolvedInput;
}

export interface ResolvedComposite {
  /** The view, the output, and comp's own commands (flip, opac, filters) as layer 0's transform. */
  request: ImageRequest;
  layers: ResolvedLayer[];
  effects: EffectRequest[];
  attributes: ViewAttributes;
  /** A nested request: no encode, no DefaultPix or MaxPix, alpha kept (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-request-nesting-and-embedding). */
  nested: boolean;
  /** effectMask= / attribute::ApplyEffectMask. */
  effectMask: boolean;
  alignGiven: boolean;
}

export interface CompositeSettings extends PlanSettings {
  /** --max-composite-pixels: the largest canvas of any composite. */
  maxCompositePixels: number;
  /** The outermost request's RGB space: every layer's source is converted to it (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-color-management). */
  icc?: PlannedIcc;
}

const TRANSPARENT = { r: 0, g: 0, b: 0, a: 0 };

export function planComposite(resolved: ResolvedComposite, given: CompositeSettings): CompositePlan {
  const settings = { ...given, icc: deliveredOutput(resolved.request.output, given.delivery ?? {}).icc };
  const { composite, output } = compose(resolved, settings);
  unifyShrink(composite);
  readLayerRegions(composite, headersOf(resolved));
  return { composite, output };
}

/** The headers of a composite's files, by file, nested requests' included. */
function headersOf(resolved: ResolvedComposite, headers = new Map<number, Header>()): Map<number, Header> {
  for (const layer of resolved.layers) {
    for (const input of [layer.input, layer.mask]) {
      if (input?.kind === 'file' || input?.kind === 'single') headers.set(input.file, input.header);
      else if (input?.kind === 'composite') headersOf(input.composite, headers);
    }
  }
  return headers;
}

function compose(resolved: ResolvedComposite, settings: CompositeSettings): { composite: Composite; output: Size } {
  const [zero, ...others] = resolved.layers;
  if (!zero || zero.request.number !== 0) throw forbidden('Layer 0 is required');
  const base = planOne(zero, undefined, settings);
  const canvas = base.size;
  const origin0 = originOf(zero.request, base);
  // Placed in composite pixels first: sizes, pos= and res= mean what the protocol says there.
  const placed: { layer: ResolvedLayer; planned: PlannedLayer; x: number; y: number }[] = [];
  if (!zero.request.hidden) placed.push({ layer: zero, planned: base, x: 0, y: 0 });
  for (const layer of others) {
    if (layer.request.hidden) continue;
    const planned = planOne(layer, canvas, settings);
    const origin = originOf(layer.request, planned);
    const pos = layer.request.position;
    const offset = pos ? (pos.normalized ? { x: pos.x * canvas.width, y: pos.y * canvas.height } : pos) : { x: 0, y: 0 };
    // Positions are rounded to whole pixels (docs/compatibility.md).
    const x = Math.round(origin0.x + offset.x - origin.x);
    const y = Math.round(origin0.y + offset.y - origin.y);
    placed.push({ layer, planned, x, y });
  }
  // comp's opac= fades the whole as a view step; its fill part only the layers, under comp's effects.
  const spec = resolved.request.layer;
  const split = resolved.effects.length > 0 && spec?.effectOpacity !== undefined && spec.effectOpacity > 0 ? spec.effectOpacity : undefined;
  const request = split !== undefined ? { ...resolved.request, layer: { ...spec!, opacity: split, effectOpacity: undefined } } : resolved.request;
  const view = viewPlan({ ...resolved, request }, canvas, settings);
  // Then drawn at the scale the view needs, on the part of the composite it reads (composite-scale.ts),
  // and as far around it as comp's effects reach: they are shaped from what is drawn.
  const compEffects = resolved.effects.map((e) => effectPlan(e, 1, resolved.effectMask));
  const drawing = drawingOf(fullSteps(view), canvas, Math.max(0, ...compEffects.map(effectReach)));
  const drawn = drawing?.canvas ?? canvas;
  if (drawn.width * drawn.height > settings.maxCompositePixels) {
    throw forbidden(`The composite would be ${drawn.width}x${drawn.height}; the limit is ${settings.maxCompositePixels} pixels`);
  }
  const scale = drawing?.scale ?? 1;
  const layers = placed.map(({ layer, planned, x, y }) => {
    const atScale = drawing ? drawnLayer(layer, planned, canvas, scale) : planned;
    const at = (v: number, shift: number) => (drawing ? Math.round(v * scale + shift) : v);
    const [left, top] = [at(x, drawing?.x ?? 0), at(y, drawing?.y ?? 0)];
    // Bounded where it is drawn: res= may make the composite's own coordinates large.
    if (Math.abs(left) > 1e7 || Math.abs(top) > 1e7) throw forbidden(`Layer ${layer.request.number} is placed too far away`);
    const placedLayer = place(atScale, layer.request, left, top, resolved.effectMask, scale);
    return clipToCanvas(placedLayer, inputSize(atScale.input), drawn);
  });
  const effects = compEffects.map((e) => scaleEffect(e, scale));
  // comp's clip is in the composite's pixels, which are layer 0's (its embedded paths are layer 0's source's), mapped onto the canvas drawn.
  const toDrawn = drawing ? then(scaling(scale, scale), translation(drawing.x, drawing.y)) : IDENTITY;
  const clip = clipStep(resolved.request.layered?.clip, base.embedded?.paths, then(base.embedded?.toLayer ?? IDENTITY, toDrawn), toDrawn);
  const steps = drawing?.steps ?? fullSteps(view);
  const composite: Composite = { canvas: drawn, layers, effects, steps: resolved.nested ? steps.filter((s) => s.op !== 'encode') : steps, ...(clip ? { clip } : {}) };
  if (drawing) composite.origin = { x: Math.round(-drawing.x), y: Math.round(-drawing.y) };
  if (split !== undefined) composite.fill = spec!.opacity! / split;
  return { composite, output: view.output };
}

/**
 * The composite's view (and for the top level its encode), planned as a single transparent image
 * over the full-size composite. What it allocates is checked on the composite's plan, as drawn.
 */
function viewPlan(resolved: ResolvedComposite, canvas: Size, settings: CompositeSettings): SinglePlan {
  const header: Header = { format: 'png', width: canvas.width, height: canvas.height, components: 4, hasAlpha: true, bitDepth: 8, hasIcc: false, hasXmp: false, orientation: 1 };
  return planRequest(resolved.request, viewAttributes(resolved), header, { ...settings, maxSourcePixels: Infinity }, resolved.alignGiven).plan;
}

/** A nested request ignores DefaultPix and MaxPix: its full-resolution result feeds the layer. */
function viewAttributes(resolved: { attributes: ViewAttributes; nested: boolean }): ViewAttributes {
  return resolved.nested ? { ...resolved.attributes, defaultSize: { width: 0, height: 0 }, maxSize: { width: 0, height: 0 } } : resolved.attributes;
}

interface PlannedLayer {
  input: LayerInput;
  mask?: PlacedLayer['mask'];
  steps: Step[];
  size: Size;
  /** Where the anchor ended up, when one was given. */
  anchor?: { x: number; y: number };
  /** opac= left to the compositor (a color= fill takes it into the steps instead). */
  opacity: number;
  /** A source file's embedded paths, and the map from its stored pixels to the layer's. */
  embedded?: { paths: PhotoshopPath[]; toLayer: Affine };
  /** A self-sizing layer's extent: its clipPath='s bounds. */
  extent?: Rect;
}

function planOne(layer: ResolvedLayer, canvas: Size | undefined, settings: CompositeSettings): PlannedLayer {
  const { transform } = layer.request;
  const extent = pathExtent(layer, canvas);
  const input = inputOf(layer, canvas, settings, extent);
  const planned = layerSteps(layer, input, canvas, 1, false, extent);
  const mask = layer.mask ? { input: inputOf({ ...layer, input: layer.mask }, canvas, settings), fromAlpha: hasAlpha(layer.mask) } : undefined;
  return {
    input,
    mask,
    steps: planned.steps,
    ...(planned.embedded ? { embedded: planned.embedded } : {}),
    ...(extent ? { extent } : {}),
    size: planned.size,
    anchor: planned.anchor,
    opacity: !isSolid(input) && layer.request.color && transform.opacity !== undefined ? 1 : (transform.opacity ?? 1),
  };
}

const isSolid = (input: LayerInput) => input.kind === 'solid';

/** A solid or text layer without a size takes its clipPath='s extent, its top-left there, its origin the path's (0,0). */
function pathExtent(layer: ResolvedLayer, canvas: Size | undefined): Rect | undefined {
  const { request } = layer;
  const explicit = request.clip?.keep?.explicit;
  const selfSizing = (!layer.input || layer.input.kind === 'text') && !request.transform.size && !relativeSize(request, canvas) && explicit !== undefined;
  return selfSizing ? boundsOf(flatten(cubicsOf(explicit, IDENTITY))) : undefined;
}

/**
 * A layer's transforms (layer.ts) on its input, at the scale the composite is drawn at, and its clip:
 * explicit path data in the layer's pixels (scaled with the drawing), embedded paths through every
 * transform from the stored source's pixels.
 */
function layerSteps(layer: ResolvedLayer, input: LayerInput, canvas: Size | undefined, drawScale: number, prescaled: boolean, extent?: Rect) {
  const { request } = layer;
  const { transform } = request;
  const size = inputSize(input);
  // Solid and text layers are made at their size=: scaling them again would be wrong.
  const madeToSize = isSolid(input) || input.kind === 'text';
  const spec: LayerSpec = madeToSize ? { ...transform, size: undefined, scale: undefined } : { ...transform, size: transform.size ?? relativeSize(request, canvas) };
  const pathOrigin = extent && { x: -extent.x * drawScale, y: -extent.y * drawScale };
  const anchor = pathOrigin ?? anchorPoint(request.anchor, size) ?? (input.kind === 'text' ? input.text.anchor : undefined);
  const filters: Step[] = [];
  if (request.filters.color.length > 0) filters.push({ op: 'color', ops: request.filters.color });
  if (request.filters.blur) filters.push({ op: 'blur', radius: request.filters.blur * drawScale });
  const fill = isSolid(input) ? undefined : request.color;
  const planned = planLayer(spec, size, compositeRegion(request.crop, size), { filters, fill, anchor, drawScale, prescaled });
  const header = layer.input?.kind === 'file' ? layer.input.header : undefined;
  const embedded = header?.paths ? { paths: header.paths, toLayer: then(oriented(header.orientation, header), planned.toLayer) } : undefined;
  const explicitTo = then(translation(-(extent?.x ?? 0), -(extent?.y ?? 0)), scaling(drawScale, drawScale));
  const clip = clipStep(request.clip, embedded?.paths, embedded?.toLayer ?? IDENTITY, explicitTo);
  return { ...planned, steps: clip ? [...planned.steps, clip] : planned.steps, ...(embedded ? { embedded } : {}) };
}

/**
 * A layer as drawn at `scale`: solid and text layers (without crop=) made at that scale, every
 * other input resampled to it by the layer's own resize, which shrink-on-load then serves.
 */
function drawnLayer(layer: ResolvedLayer, planned: PlannedLayer, canvas: Size, scale: number): PlannedLayer {
  const { input } = planned;
  const prescaled = (input.kind === 'solid' || input.kind === 'text') && !layer.request.crop;
  const drawnInput = prescaled ? scaleInput(input, scale) : input;
  const { steps, size } = layerSteps(layer, drawnInput, canvas, scale, prescaled, planned.extent);
  return { ...planned, input: drawnInput, steps, size };
}

const hasAlpha = (input: ResolvedInput) => input.kind === 'composite' || input.kind === 'text' || input.header.hasAlpha;

function relativeSize(request: LayerRequest, canvas: Size | undefined): Size | undefined {
  if (!request.relativeSize || !canvas) return undefined;
  return { width: Math.round(request.relativeSize.width * canvas.width), height: Math.round(request.relativeSize.height * canvas.height) };
}

function inputOf(layer: ResolvedLayer, canvas: Size | undefined, settings: CompositeSettings, extent?: Size): LayerInput {
  const { input, request } = layer;
  if (!input) {
    const size = request.transform.size ?? relativeSize(request, canvas) ?? extent;
    if (!size || size.width < 1 || size.height < 1) throw forbidden(`Layer ${request.number} needs size= with both values`);
    if (size.width * size.height > settings.maxSourcePixels) throw forbidden(`Layer ${request.number} would have ${size.width * size.height} pixels; the limit is ${settings.maxSourcePixels}`);
    return { kind: 'solid', size, color: request.color ?? TRANSPARENT };
  }
  switch (input.kind) {
    case 'file': {
      const { header } = input;
      const size = orientedSize(header, header.orientation);
      const color = colorOf(header, settings.icc, settings.assumed);
      const scans = header.scans ? { scans: header.scans } : {};
      const shrinkable = header.shrinkable ? { shrinkable: true } : {};
      const chunks = header.tiff ? { chunkPixels: header.tiff.chunkPixels } : {};
      return { kind: 'file', file: input.file, format: header.format, orientation: header.orientation, size, shrink: 1, ...scans, ...shrinkable, ...chunks, ...(color ? { color } : {}) };
    }
    case 'single': {
      // Its own reply is png-alpha (nothing is delivered of it), in the outer request's space.
      const plan = planRequest(input.request, viewAttributes({ attributes: input.attributes, nested: true }), input.header, { ...settings, delivery: undefined }, false).plan;
      const strip = (steps: Step[]) => steps.filter((s) => s.op !== 'encode');
      return {
        kind: 'single',
        plan: { ...plan, file: input.file, steps: strip(plan.steps), ...(plan.shrunk ? { shrunk: strip(plan.shrunk) } : {}) },
      };
    }
    case 'composite': {
      // A nested composite keeps its own png-alpha reply, in the outer request's space (as a nested single image).
      const { composite, output } = compose(input.composite, { ...settings, delivery: undefined });
      return { kind: 'composite', composite, size: output };
    }
    case 'text': {
      const text = typeset(input.setting, request.transform.size ?? relativeSize(request, canvas) ?? extent);
      if (text.width * text.height > settings.maxSourcePixels) {
        throw forbidden(`Text layer ${request.number} would have ${text.width}x${text.height} pixels; the limit is ${settings.maxSourcePixels}`);
      }
      return { kind: 'text', text };
    }
  }
}

function inputSize(input: LayerInput): Size {
  switch (input.kind) {
    case 'file':
    case 'solid':
      return input.size;
    case 'single':
      return input.plan.output;
    case 'composite':
      return input.size;
    case 'text':
      return { width: input.text.width, height: input.text.height };
  }
}

/** anchor= in source pixels; anchorN from the source's centre, ±0.5 at its edges (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-anchor). */
function anchorPoint(anchor: PointSpec | undefined, size: Size): { x: number; y: number } | undefined {
  if (!anchor) return undefined;
  return anchor.normalized ? { x: size.width / 2 + anchor.x * size.width, y: size.height / 2 + anchor.y * size.height } : anchor;
}

/** origin= / originN= on the final layer, else the anchor carried through, else the centre (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-origin). */
function originOf(request: LayerRequest, planned: PlannedLayer): { x: number; y: number } {
  const { size } = planned;
  const o = request.origin;
  if (o) return o.normalized ? { x: size.width / 2 + o.x * size.width, y: size.height / 2 + o.y * size.height } : o;
  return planned.anchor ?? { x: size.width / 2, y: size.height / 2 };
}

function place(planned: PlannedLayer, request: LayerRequest, x: number, y: number, effectMask: boolean, scale: number): PlacedLayer {
  const outer = request.effects.filter((e) => e.number < 0);
  const inner = request.effects.filter((e) => e.number > 0);
  return {
    input: planned.input,
    mask: planned.mask,
    maskUse: request.maskUse,
    steps: planned.steps,
    size: planned.size,
    x,
    y,
    opacity: planned.opacity,
    // blendMode= is ignored on layer 0 (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-blendmode).
    blend: request.number === 0 ? 'normal' : request.blend,
    effects: [...outer, ...inner].map((e) => scaleEffect(effectPlan(e, request.transform.effectOpacity ?? request.transform.opacity ?? 1, effectMask), scale)),
  };
}

/** An effect's opacity is its parent's primary opacity (not its fill opacity) times its own (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-opac), times its colour's alpha. */
/** How far from its parent's pixels an effect reaches (its offset, op_grow and op_blur), in the parent's pixels. */
const effectReach = (e: EffectPlan) => Math.max(Math.abs(e.x), Math.abs(e.y)) + Math.abs(e.grow) + Math.ceil(e.blur * 3) + 1;

function effectPlan(effect: EffectRequest, parentOpacity: number, effectMask: boolean): EffectPlan {
  return {
    inner: effect.number > 0,
    x: effect.offset.x,
    y: effect.offset.y,
    color: effect.color,
    opacity: parentOpacity * effect.opacity * (effect.color.a / 255),
    grow: effect.grow,
    blur: effect.blur,
    noise: effect.noise,
    blend: effect.blend,
    maskUse: effect.maskUse,
    masked: effectMask,
  };
}

/**
 * Shrink-on-load per layer, one factor per file: every use of a file gets the smallest factor any
 * of them allows, so the file is decoded once (pipeline/decoded-sources.ts).
 */
function unifyShrink(composite: Composite): void {
  const layers = placedLayers(composite);
  const fileLayers = layers.filter((l) => l.input.kind === 'file' && !l.mask && l.maskUse === 'normal');
  const files = new Map<number, Shrink>();
  const usedOtherwise = new Set<number>();
  for (const l of layers) {
    if (l.mask?.input.kind === 'file') usedOtherwise.add(l.mask.input.file);
    if (l.input.kind === 'file' && (l.mask || l.maskUse !== 'normal')) usedOtherwise.add(l.input.file);
  }
  for (const l of fileLayers) {
    const input = l.input as Extract<LayerInput, { kind: 'file' }>;
    const factor = usedOtherwise.has(input.file) ? 1 : shrinkOnLoad({ source: input, steps: l.steps });
    files.set(input.file, Math.min(files.get(input.file) ?? 8, factor) as Shrink);
  }
  for (const l of fileLayers) {
    const input = l.input as Extract<LayerInput, { kind: 'file' }>;
    const factor = files.get(input.file) ?? 1;
    if (factor === 1) continue;
    l.fullSteps = l.steps;
    l.steps = stepsAtScale({ source: input, steps: l.steps }, factor);
    l.input = { ...input, shrink: factor };
  }
}

import type { PlannedOutput } from './delivery.ts';
import type { SourceFormat } from './sniff.ts';
import type { Rgba } from '../protocol/color.ts';
import { keepsAlpha } from '../protocol/formats.ts';
import type { FilterSpec, Intent, Rect, Resampling } from '../protocol/request.ts';
import type { RgbSpaceName } from '../protocol/icc-names.ts';
import type { LayerPlan } from './layer.ts';
import type { Size } from '../protocol/request.ts';
import { boxFactor, shrinkOnLoad, stepsAtScale, type Shrink } from './shrink.ts';
import type { Step } from './steps.ts';
import type { ViewLayout } from './view.ts';

/**
 * A source read by region, the decoder delivering `rect` alone. A TIFF's (tiff-region.ts): of the
 * pyramid's level in `directory` (a page of `size`), only the strips or tiles that `rect` touches
 * are decoded. A JPEG's (jpeg-region.ts): the frame at full size (directory 0), decoded band by band
 * up to the rect's last row.
 */
export interface RegionRead {
  directory: number;
  size: Size;
  rect: Rect;
  /** Each tile box-shrunk by this as decoded: `size` and `rect` are of the page at 1/shrink (ceil). */
  shrink?: number;
}

/** A layer's source as the planner decided to decode it. */
export interface SourcePlan {
  format: SourceFormat;
  orientation: number;
  /** After EXIF orientation. */
  size: Size;
  /**
   * false: a full-size decode would pass the job's memory limit, so a decoder that declines to
   * shrink on load must refuse instead (planning/footprint.ts).
   */
  fullDecode?: boolean;
  /** Shrink-on-load, decided here (shrink.ts): the decoder is asked for 1/shrink of the size. */
  shrink: Shrink;
  /** A TIFF read by region (tiff-region.ts): the decoder delivers that rect of that level alone. */
  read?: RegionRead;
  /** A JPEG's scans when more than one (sniff.ts), for the job's work (footprint.ts). */
  scans?: number;
  /** SourceInfo.shrinkable: a JPEG-compressed TIFF, which shrinks on load as a JPEG does. */
  shrinkable?: boolean;
  /** A TIFF's pixels per strip or tile (SourceInfo.tiff), for the job's work (footprint.ts). */
  chunkPixels?: number;
  /**
   * Colour management: a CMYK JPEG's inks, or pixels with an embedded profile, go to the reply's
   * RGB space (sRGB, a built-in one, or a matrix profile of the catalog's map in `targetFile`) right
   * after the decode (pipeline/steps/icc.ts); sRGB sources bound for sRGB are left as they are.
   * `wide`: a 16-bit PNG, converted from its 16-bit samples before they are reduced to 8 bits.
   */
  color?: { space: 'cmyk' | 'profiled'; intent: Intent; bpc: boolean; target: RgbSpaceName; assumed?: AssumedProfile; targetFile?: number; wide?: boolean };
}

/**
 * The profile of a source that embeds none (attribute::IccProfileSrcRgb, IccProfileSrcCmyk, IccProfileSrcGray): a file
 * of the job (one of the catalog's profiles), or a built-in RGB space.
 */
export type AssumedProfile = { file: number } | { space: RgbSpaceName };

/** One layer of the composite: its source, and the steps that make the layer's image from it. */
interface LayerNode {
  source: SourcePlan;
  steps: Step[];
}

/**
 * The plan of one image, built in the main thread from the request and the source header, so a
 * worker only executes named steps (steps.ts): layer 0 is the composite, and its steps run on into
 * the view's. A layered request's plan is composite-plan.ts's.
 */
export interface SinglePlan {
  /** Which of the job's source files layer 0 is (0 at the top level). */
  file?: number;
  layers: [LayerNode, ...LayerNode[]];
  steps: Step[];
  output: Size;
  /**
   * Every step from layer 0's decode on, for an image decoded at 1/shrink: what the worker runs
   * when the decoder delivers that scale (it runs layer 0's and the composite's steps when the
   * decoder declines). Absent without shrink-on-load.
   */
  shrunk?: Step[];
}

/** Every step from layer 0's decode on, at full scale: its own, then the composite's. */
export const fullSteps = (plan: SinglePlan): Step[] => [...plan.layers[0].steps, ...plan.steps];

export interface PlanInput {
  layout: ViewLayout;
  /** Size of the source after EXIF orientation. */
  source: Size;
  /** The composite the layout was computed for, in source pixels (crop=; may reach outside). */
  composite: Rect;
  /** Layer transforms run first; the composite is then the whole layer. */
  layer?: LayerPlan;
  /** The layer's own scale (size=/scale=), so filters know the total scale. */
  layerScale?: number;
  format: SourceFormat;
  orientation: number;
  /** SourcePlan.scans. */
  scans?: number;
  /** SourcePlan.shrinkable. */
  shrinkable?: boolean;
  /** SourcePlan.chunkPixels. */
  chunkPixels?: number;
  hasAlpha: boolean;
  /** What colour management the decode needs (SourcePlan.color). */
  color?: SourcePlan['color'];
  output: PlannedOutput;
  filters: FilterSpec;
  resampling: Resampling;
  /** bgc= if given, else attribute::BkgColor. */
  background: Rgba;
  /** req=mask: the alpha channel becomes the image. */
  mask?: boolean;
}

const TRANSPARENT: Rgba = { r: 0, g: 0, b: 0, a: 0 };
const EPSILON = 1e-6;

/**
 * One axis: which source span lands on which integer span of the canvas. Source coordinate u lands
 * at offset + u * scale; only [low, high) holds real pixels (the crop within the image).
 */
function axis(offset: number, scale: number, low: number, high: number, canvasLength: number) {
  if (high <= low) return undefined;
  const start = Math.max(0, offset + low * scale);
  const end = Math.min(canvasLength, offset + high * scale);
  const dest0 = Math.round(start);
  const dest1 = Math.round(end);
  if (dest1 <= dest0) return undefined;
  const src0 = Math.max(low, Math.floor((dest0 - offset) / scale + EPSILON));
  const src1 = Math.min(high, Math.ceil((dest1 - offset) / scale - EPSILON));
  return { dest0, dest1, src0, src1: Math.max(src1, src0 + 1) };
}

/** The plan, with shrink-on-load decided on layer 0 and the steps for it worked out. */
export function planRender(input: PlanInput): SinglePlan {
  const { source, layerSteps, steps, output } = planFlat(input);
  const flat = { source, steps: [...layerSteps, ...steps] };
  const shrink = shrinkOnLoad(flat);
  return {
    layers: [{ source: { ...source, shrink, ...(input.color ? { color: input.color } : {}) }, steps: layerSteps }],
    steps,
    output,
    ...(shrink > 1 ? { shrunk: stepsAtScale(flat, shrink) } : {}),
  };
}

interface FlatPlan {
  source: Omit<SourcePlan, 'shrink'>;
  /** Layer 0's own transforms. */
  layerSteps: Step[];
  /** The composite's. */
  steps: Step[];
  output: Size;
}

function planFlat(input: PlanInput): FlatPlan {
  const { layer } = input;
  if (!layer) return planView(input);
  const view = planView({
    ...input,
    source: layer.size,
    composite: { x: 0, y: 0, ...layer.size },
    hasAlpha: input.hasAlpha || layer.padded,
    layer: undefined,
    layerScale: layer.scale,
  });
  return { ...view, source: { ...view.source, size: input.source }, layerSteps: layer.steps };
}

/**
 * Filters run on the view image, after all scaling (op_sharpen and op_usm by the reference; op_blur
 * by our decision, its radius scaled like op_usm's, docs/compatibility.md), before its padding. `scale` is the total
 * scale from the full-resolution source to the view.
 */
function filterSteps(filters: FilterSpec, scale: number, origin: { x: number; y: number }): Step[] {
  const steps: Step[] = [];
  if (filters.color.length > 0) steps.push({ op: 'color', ops: filters.color, origin });
  if (filters.blur) steps.push({ op: 'blur', radius: filters.blur * scale });
  const usm = filters.unsharp;
  if (usm && usm.amount > 0 && usm.radius > 0) {
    const radius = usm.radiusScales ? usm.radius * Math.min(1, scale) : usm.radius;
    steps.push({ op: 'unsharp', amount: usm.amount, radius: Math.max(0.25, radius), threshold: usm.threshold, monochrome: usm.monochrome });
  }
  // A basic sharpen: a small-radius unsharp mask.
  if (filters.sharpen) steps.push({ op: 'unsharp', amount: 1, radius: 0.5, threshold: 0, monochrome: false });
  return steps;
}

/**
 * How far, in view pixels, the filters read around a pixel: a window, or a view that cuts the
 * composite, is filtered with this much more of it on each side, then cut, so its pixels are the
 * whole view's (r-rect: strips stack into the whole view). A Gaussian's weights reach ceil(3 sigma) (wasm/resize.ts).
 */
function filterReach(steps: readonly Step[]): number {
  let reach = 0;
  for (const step of steps) {
    if (step.op === 'blur' || step.op === 'unsharp') reach += Math.ceil(step.radius * 3);
  }
  return reach;
}

/** One axis of a view, as axis() gives it, and where it samples the source when it is a window. */
interface Span {
  dest0: number;
  dest1: number;
  src0: number;
  src1: number;
  /** The source span the output covers, relative to src0 (a window's; fractional). */
  region?: { offset: number; extent: number };
  /** The whole view's box pre-shrink factor on this axis's resize. */
  box?: number;
  /** The view pixels read before and after [dest0, dest1) for the filters, cut after them (a window, or a view that cuts the composite). */
  margin?: { before: number; after: number };
}

/** Lanczos3 reaches 3 output pixels either side; a window's crop keeps that much more source. */
const FILTER_REACH = 3;

/**
 * The part of a whole view's axis a window [at, at + length) shows: the same source-to-view mapping
 * (so the same resampling weights), its crop grown by the filter's reach and aligned to the view's
 * box pre-shrink grid, so the window's pixels are the view's.
 */
function windowOf(full: Span, at: number, length: number, box: number): Span | undefined {
  const j0 = Math.max(full.dest0, at);
  const j1 = Math.min(full.dest1, at + length);
  if (j1 <= j0) return undefined;
  const step = (full.src1 - full.src0) / (full.dest1 - full.dest0);
  const start = full.src0 + (j0 - full.dest0) * step;
  const end = full.src0 + (j1 - full.dest0) * step;
  // At 1:1 the window is a plain crop.
  if (step === 1 && Number.isInteger(start)) return { dest0: j0 - at, dest1: j1 - at, src0: start, src1: end };
  const reach = FILTER_REACH * Math.max(1, step) + 2 * box;
  const src0 = full.src0 + Math.floor(Math.max(0, start - reach - full.src0) / box) * box;
  const src1 = Math.min(full.src1, full.src0 + Math.ceil((end + reach - full.src0) / box) * box);
  return { dest0: j0 - at, dest1: j1 - at, src0, src1, region: { offset: start - src0, extent: end - start }, box };
}

/** windowOf, grown by the filters' reach within the view's image, with that margin recorded. */
function filteredWindow(full: Span, at: number, length: number, box: number, reach: number): Span | undefined {
  const inner = windowOf(full, at, length, box);
  if (!inner || reach === 0) return inner;
  const outer = windowOf(full, at - reach, length + 2 * reach, box)!;
  const before = inner.dest0 + at - (outer.dest0 + at - reach);
  const after = outer.dest1 + at - reach - (inner.dest1 + at);
  return { ...outer, dest0: inner.dest0, dest1: inner.dest1, margin: { before, after } };
}

/** A view's span read over the grown canvas's (shifted by `reach`), its own pixels kept as the margin's middle. */
function grownSpan(inner: Span, grown: Span, reach: number): Span {
  const before = inner.dest0 + reach - grown.dest0;
  const after = grown.dest1 - (inner.dest1 + reach);
  if (before === 0 && after === 0) return inner;
  return { ...grown, dest0: inner.dest0, dest1: inner.dest1, margin: { before, after } };
}

/**
 * The view's two axes over the source: the layout places composite pixel 0 at its offset (plus
 * `shift`, a window's place in the whole view), within a canvas of `canvas`; only the crop within
 * the image holds pixels.
 */
function axes(input: PlanInput, shift: { x: number; y: number }, canvas: Size) {
  const { layout, source, composite } = input;
  const x = axis(layout.offsetX + shift.x - composite.x * layout.scaleX, layout.scaleX, Math.max(0, composite.x), Math.min(source.width, composite.x + composite.width), canvas.width);
  const y = axis(layout.offsetY + shift.y - composite.y * layout.scaleY, layout.scaleY, Math.max(0, composite.y), Math.min(source.height, composite.y + composite.height), canvas.height);
  return { x, y };
}

function planView(input: PlanInput): FlatPlan {
  const { layout } = input;
  let x: Span | undefined;
  let y: Span | undefined;
  const reach = filterReach(filterSteps(input.filters, filterScale(input), { x: 0, y: 0 }));
  if (layout.window) {
    // rect=: the view's axes are laid out as for the whole image, then each is cut to the window
    // (windowOf), so a tile is exactly that part of the whole view.
    const { window } = layout;
    const full = axes(input, window, window);
    const box = full.x && full.y ? boxFactor(full.x.src1 - full.x.src0, full.y.src1 - full.y.src0, full.x.dest1 - full.x.dest0, full.y.dest1 - full.y.dest0) : 1;
    x = full.x && filteredWindow(full.x, window.x, layout.canvas.width, box, reach);
    y = full.y && filteredWindow(full.y, window.y, layout.canvas.height, box, reach);
  } else {
    ({ x, y } = axes(input, { x: 0, y: 0 }, layout.canvas));
    if (reach > 0 && x && y) {
      // A view that cuts the composite (rgn=, fit=crop, an alignment) is filtered with the
      // composite's pixels beyond its edge too, as a window is, so rgn= at scl=1 is that part of
      // the whole view.
      const grown = axes(input, { x: reach, y: reach }, { width: layout.canvas.width + 2 * reach, height: layout.canvas.height + 2 * reach });
      x = grownSpan(x, grown.x!, reach);
      y = grownSpan(y, grown.y!, reach);
    }
  }
  return { source: { format: input.format, orientation: input.orientation, size: input.source, ...(input.scans ? { scans: input.scans } : {}), ...(input.shrinkable ? { shrinkable: true } : {}), ...(input.chunkPixels ? { chunkPixels: input.chunkPixels } : {}) }, layerSteps: [], steps: viewSteps(input, x, y), output: layout.canvas };
}

const filterScale = (input: PlanInput) => input.layout.scaleX * (input.layerScale ?? 1);

function viewSteps(input: PlanInput, x: Span | undefined, y: Span | undefined): Step[] {
  const { source, output, layout } = input;
  const { canvas } = layout;
  // A mask keeps alpha until it becomes the image: padding is then black (transparent).
  const alpha = keepsAlpha(output.format) || input.mask === true;
  // bgc is ignored for the -alpha formats: padding stays transparent (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-bgc).
  const padding = alpha ? TRANSPARENT : input.background;
  const steps: Step[] = [];
  if (!x || !y) {
    steps.push({ op: 'blank', canvas, background: padding });
  } else {
    const crop = { x: x.src0, y: y.src0, width: x.src1 - x.src0, height: y.src1 - y.src0 };
    if (crop.width !== source.width || crop.height !== source.height) steps.push({ op: 'crop', rect: crop });
    const mx = x.margin ?? { before: 0, after: 0 };
    const my = y.margin ?? { before: 0, after: 0 };
    const width = x.dest1 - x.dest0;
    const height = y.dest1 - y.dest0;
    const readWidth = width + mx.before + mx.after;
    const readHeight = height + my.before + my.after;
    const windowed = x.region !== undefined || y.region !== undefined;
    const rx = x.region ?? { offset: 0, extent: crop.width };
    const ry = y.region ?? { offset: 0, extent: crop.height };
    if (windowed && (readWidth !== rx.extent || readHeight !== ry.extent || rx.offset !== 0 || ry.offset !== 0)) {
      const region = { x: rx.offset, y: ry.offset, width: rx.extent, height: ry.extent };
      steps.push({ op: 'resize', width: readWidth, height: readHeight, premultiply: input.hasAlpha, filter: input.resampling, region, box: x.box ?? y.box });
    } else if (!windowed && (readWidth !== crop.width || readHeight !== crop.height)) {
      steps.push({ op: 'resize', width: readWidth, height: readHeight, premultiply: input.hasAlpha, filter: input.resampling });
    }
    // The filters act on the scaled image before the view's padding is added: the padding stays
    // exactly bgc, and a sharpened edge is the image's own edge, not a halo against the padding
    // (docs/compatibility.md). Their place in the scaled composite seeds op_noise, so a window's
    // noise (rect=, rgn=) is the whole view's there.
    const origin = { x: x.dest0 - mx.before - Math.round(layout.offsetX), y: y.dest0 - my.before - Math.round(layout.offsetY) };
    steps.push(...filterSteps(input.filters, filterScale(input), origin));
    if (readWidth !== width || readHeight !== height) steps.push({ op: 'crop', rect: { x: mx.before, y: my.before, width, height } });
    if (width !== canvas.width || height !== canvas.height) {
      steps.push({ op: 'extend', canvas, x: x.dest0, y: y.dest0, background: padding });
    }
    if (input.hasAlpha && !alpha) steps.push({ op: 'flatten', background: input.background });
  }
  if (input.mask) steps.push({ op: 'mask' });
  steps.push({ op: 'encode', output });
  return steps;
}

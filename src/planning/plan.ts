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
 * A TIFF read by region (tiff-region.ts): of the pyramid's level in `directory` (a page of `size`),
 * only the strips or tiles that `rect` touches are decoded, and the decoder delivers `rect` alone.
 */
export interface TiffRead {
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
  read?: TiffRead;
  /** A JPEG's scans when more than one (sniff.ts), for the job's work (footprint.ts). */
  scans?: number;
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
function filterSteps(filters: FilterSpec, scale: number): Step[] {
  const steps: Step[] = [];
  if (filters.color.length > 0) steps.push({ op: 'color', ops: filters.color });
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
  if (layout.window) {
    // rect=: the view's axes are laid out as for the whole image, then each is cut to the window
    // (windowOf), so a tile is exactly that part of the whole view.
    const { window } = layout;
    const full = axes(input, window, window);
    const box = full.x && full.y ? boxFactor(full.x.src1 - full.x.src0, full.y.src1 - full.y.src0, full.x.dest1 - full.x.dest0, full.y.dest1 - full.y.dest0) : 1;
    x = full.x && windowOf(full.x, window.x, layout.canvas.width, box);
    y = full.y && windowOf(full.y, window.y, layout.canvas.height, box);
    // The filters read their neighbours: the window is made larger by their reach, filtered, then cut
    // back, so its pixels are the filtered whole view's (a zoom tile with op_usm has no seams).
    const reach = filterReach(filterSteps(input.filters, layout.scaleX * (input.layerScale ?? 1)));
    if (x && y && reach > 0) {
      x = windowOf(full.x!, window.x - reach, layout.canvas.width + 2 * reach, box);
      y = windowOf(full.y!, window.y - reach, layout.canvas.height + 2 * reach, box);
      return { ...flat(input), steps: viewSteps(input, x, y, reach) };
    }
  } else {
    ({ x, y } = axes(input, { x: 0, y: 0 }, layout.canvas));
  }
  return { ...flat(input), steps: viewSteps(input, x, y) };
}

const flat = (input: PlanInput): Omit<FlatPlan, 'steps'> => ({
  source: { format: input.format, orientation: input.orientation, size: input.source, ...(input.scans ? { scans: input.scans } : {}) },
  layerSteps: [],
  output: input.layout.canvas,
});

/** How far the filters reach, in view pixels: a Gaussian's taps (wasm/resize.ts) and one more, for each filter in turn. */
const filterReach = (steps: Step[]) => steps.reduce((sum, s) => sum + (s.op === 'blur' || s.op === 'unsharp' ? Math.ceil(s.radius * 3) + 2 : 0), 0);

/** `grown`: the spans are of the window grown by this on every side, cut back after the filters. */
function viewSteps(input: PlanInput, x: Span | undefined, y: Span | undefined, grown = 0): Step[] {
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
    const width = x.dest1 - x.dest0;
    const height = y.dest1 - y.dest0;
    const windowed = x.region !== undefined || y.region !== undefined;
    const rx = x.region ?? { offset: 0, extent: crop.width };
    const ry = y.region ?? { offset: 0, extent: crop.height };
    if (windowed && (width !== rx.extent || height !== ry.extent || rx.offset !== 0 || ry.offset !== 0)) {
      const region = { x: rx.offset, y: ry.offset, width: rx.extent, height: ry.extent };
      steps.push({ op: 'resize', width, height, premultiply: input.hasAlpha, filter: input.resampling, region, box: x.box ?? y.box });
    } else if (!windowed && (width !== crop.width || height !== crop.height)) {
      steps.push({ op: 'resize', width, height, premultiply: input.hasAlpha, filter: input.resampling });
    }
    // The filters act on the scaled image before the view's padding is added: the padding stays
    // exactly bgc, and a sharpened edge is the image's own edge, not a halo against the padding
    // (docs/compatibility.md).
    steps.push(...filterSteps(input.filters, layout.scaleX * (input.layerScale ?? 1)));
    // The part of a grown window's image inside the canvas (its reach cut back), and where it lands.
    const left = Math.max(x.dest0, grown);
    const top = Math.max(y.dest0, grown);
    const kept = { width: Math.min(x.dest1, grown + canvas.width) - left, height: Math.min(y.dest1, grown + canvas.height) - top };
    if (kept.width !== width || kept.height !== height) steps.push({ op: 'crop', rect: { x: left - x.dest0, y: top - y.dest0, ...kept } });
    if (kept.width !== canvas.width || kept.height !== canvas.height) {
      steps.push({ op: 'extend', canvas, x: left - grown, y: top - grown, background: padding });
    }
    if (input.hasAlpha && !alpha) steps.push({ op: 'flatten', background: input.background });
  }
  if (input.mask) steps.push({ op: 'mask' });
  steps.push({ op: 'encode', output });
  return steps;
}

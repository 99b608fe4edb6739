import { deliveredOutput, type Delivery, type PlannedIcc } from './delivery.ts';
import type { CatalogAttributes } from '../catalog/catalog.ts';
import { forbidden } from '../protocol/errors.ts';
import type { CropSpec, ImageRequest, Rect, Size } from '../protocol/request.ts';
import { fullDecodeBytes, type Footprint } from './footprint.ts';
import { footprint } from './composite-footprint.ts';
import { orientedSize, planLayer } from './layer.ts';
import { planRender, type AssumedProfile, type SinglePlan, type SourcePlan } from './plan.ts';
import type { RenderPlan } from './composite-plan.ts';
import type { SourceInfo } from './sniff.ts';
import { pixelType, SOURCE_FORMATS } from './source-formats.ts';
import { thumbnailView } from './thumbnail.ts';
import { planRegionRead } from './tiff-region.ts';
import { layoutView } from './view.ts';

/**
 * The one planning function, used by the server and the CLI alike: a typed request, its catalog's
 * attributes and its source's header in, a render plan and what it will allocate out, or a 403.
 * Pure: no file, no worker, no WASM.
 */
export interface PlanSettings {
  /** --max-source-pixels: the largest source, and the largest image any step may create. */
  maxSourcePixels: number;
  /** --max-worker-memory in bytes: above it a full-size decode is not allowed as a fallback. */
  jobBytes: number;
  pngLevel: number;
  upscaleWithoutFit: boolean;
  /** req=props: MaxPix refuses no view, as no image is sent (ViewLimits.describeOnly). */
  describeOnly?: boolean;
  /** The catalog's profiles for sources that embed none, by the sources' kind. */
  assumed?: { rgb?: AssumedProfile; cmyk?: AssumedProfile; gray?: AssumedProfile };
  /** What the service chose of the reply: the format by Accept, the reply's profile file. */
  delivery?: Delivery;
  /** The reply's profile as planned, when it is an outer request's (a nested request converts into it). */
  icc?: PlannedIcc;
}

/**
 * The size limits of a source's header: --max-source-pixels, and for a tiled TIFF from the image
 * root (read by tile, never whole) --max-tiled-source-pixels, what it decodes then held to the
 * first by the plan's footprint.
 */
export type SourceLimits = Pick<PlanSettings, 'maxSourcePixels'> & { maxTiledSourcePixels?: number };

/** The header checks that come before anything else is read of the file. */
export function checkSourceHeader(info: SourceInfo, limits: SourceLimits): void {
  const limit = info.tiff?.tiled && limits.maxTiledSourcePixels !== undefined ? limits.maxTiledSourcePixels : limits.maxSourcePixels;
  if (info.width * info.height > limit) {
    throw forbidden(`The source image is too large (${info.width}x${info.height}); the limit is ${limit} pixels`);
  }
}

/**
 * Which colour conversion a source needs (SourcePlan.color): CMYK always, others when they carry a
 * profile, and every source when the reply is not sRGB (an untagged one is taken as sRGB). A reply
 * bound for a device profile (CMYK, grey, LUT RGB) is worked in sRGB and separated at the end.
 */
export function colorOf(info: SourceInfo, output: PlannedIcc | undefined, assumed: PlanSettings['assumed'] = {}): SourcePlan['color'] {
  const direct = output && !output.device;
  const target = (direct && output.space) || 'srgb';
  const targetFile = direct ? output.file : undefined;
  const intent = output?.intent ?? 'relative';
  const bpc = output?.bpc ?? false;
  const cmyk = pixelType(info) === 'cmyk';
  // An untagged source takes the catalog's profile for its kind (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-color-management).
  const given = info.hasIcc ? undefined : cmyk ? assumed.cmyk : info.components >= 3 ? assumed.rgb : assumed.gray;
  // Taken as the very space the reply is in: nothing to convert.
  if (given && 'space' in given && given.space === target && targetFile === undefined) return undefined;
  const extra = { ...(given ? { assumed: given } : {}), ...(targetFile !== undefined ? { targetFile } : {}) };
  if (cmyk) return { space: 'cmyk', intent, bpc, target, ...extra };
  const converts = info.hasIcc || info.chromaticity || given || target !== 'srgb' || targetFile !== undefined;
  const wide = SOURCE_FORMATS[info.format].wide && info.bitDepth === 16 ? { wide: true } : {};
  return converts ? { space: 'profiled', intent, bpc, target, ...extra, ...wide } : undefined;
}

export interface PlannedRequest {
  plan: SinglePlan;
  /** What the plan allocates; checked against the limits before any job is queued. */
  footprint: Footprint;
}

/** Layer 0's crop in source pixels: the whole source without crop=/cropN=; it may reach outside. */
export function compositeRegion(given: CropSpec | undefined, source: Size): Rect {
  if (!given) return { x: 0, y: 0, width: source.width, height: source.height };
  // A zero size reaches to the far edge: real pages send crop=0,0,0,0 as "no crop" (docs/compatibility.md).
  const far = given.normalized ? 1 : undefined;
  const crop = {
    ...given,
    width: given.width > 0 ? given.width : (far ?? source.width) - given.x,
    height: given.height > 0 ? given.height : (far ?? source.height) - given.y,
  };
  if (crop.width <= 0 || crop.height <= 0) throw forbidden('crop= starts past the far edge of the image');
  if (!crop.normalized) return crop;
  const x = Math.round(crop.x * source.width);
  const y = Math.round(crop.y * source.height);
  return {
    x,
    y,
    width: Math.max(1, Math.round((crop.x + crop.width) * source.width) - x),
    height: Math.max(1, Math.round((crop.y + crop.height) * source.height) - y),
  };
}

export function planRequest(
  request: ImageRequest,
  attributes: Pick<CatalogAttributes, 'thumbnail' | 'defaultSize' | 'maxSize' | 'background'>,
  source: SourceInfo & { orientation: number },
  settings: PlanSettings,
  /** align= was given (thumbnails keep their own alignment otherwise). */
  alignGiven: boolean,
): PlannedRequest {
  const { orientation } = source;
  const delivered = deliveredOutput(request.output, settings.delivery ?? {});
  const output = settings.icc ? { ...delivered, icc: settings.icc } : delivered;
  const size = orientedSize(source, orientation);
  const composite = compositeRegion(request.crop, size);
  const layer = request.layer ? planLayer(request.layer, size, composite) : undefined;
  const thumbnail = request.kind === 'thumbnail';
  const view = thumbnail ? thumbnailView(request.view, attributes.thumbnail, alignGiven) : request.view;
  const layout = layoutView(view, layer ? layer.size : { width: composite.width, height: composite.height }, {
    // DefaultThumbPix takes DefaultPix's place for thumbnails (thumbnailView already applied it).
    defaultSize: thumbnail ? { width: 0, height: 0 } : attributes.defaultSize,
    // MaxPix limits replies; saved images have their own limit (a decision of ours, docs/compatibility.md).
    maxSize: request.kind === 'saveToFile' ? undefined : attributes.maxSize,
    upscaleWithoutFit: settings.upscaleWithoutFit,
    describeOnly: settings.describeOnly,
  });
  // A TIFF decodes only the tiles or strips its view reads, of the smallest level that serves it.
  const planned = planRender({
    layout,
    source: size,
    composite,
    layer,
    format: source.format,
    orientation,
    ...(source.scans ? { scans: source.scans } : {}),
    ...(source.shrinkable ? { shrinkable: true } : {}),
    ...(source.tiff ? { chunkPixels: source.tiff.chunkPixels } : {}),
    hasAlpha: source.hasAlpha,
    color: colorOf(source, output.icc, settings.assumed),
    output: { ...output, pngLevel: settings.pngLevel },
    filters: request.filters,
    resampling: request.resampling,
    background: view.background ?? attributes.background,
    mask: request.kind === 'mask',
  });
  const plan = planRegionRead(planned, source);
  const needs = checkFootprint(plan, settings.maxSourcePixels);
  const [zero, ...others] = plan.layers;
  return { plan: { ...plan, layers: [{ ...zero, source: { ...zero.source, fullDecode: fullDecodeBytes(needs) <= settings.jobBytes } }, ...others] }, footprint: needs };
}

/**
 * Every image the plan creates must fit the pixel limit of sources: `extend=9000,9000,9000,9000` on a
 * small image passes every limit of the source and the reply, but not this. The job's peak memory is
 * checked against the worker's by the pool, which knows a fresh worker's own heap.
 */
export function checkFootprint(plan: RenderPlan, maxPixels: number): Footprint {
  const needs = footprint(plan);
  if (needs.largestPixels > maxPixels) {
    throw forbidden(`An intermediate image would have ${needs.largestPixels} pixels; the limit is ${maxPixels}`);
  }
  return needs;
}

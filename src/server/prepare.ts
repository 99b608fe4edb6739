import type { ResolvedObject } from '../catalog/resolve.ts';
import { interpretImageRequest } from '../protocol/commands.ts';
import { forbidden } from '../protocol/errors.ts';
import type { formatOptionsOf } from '../protocol/reply-format.ts';
import type { CropSpec, ImageRequest, Rect } from '../protocol/request.ts';
import type { Modifier } from '../protocol/url.ts';
import { planLayer } from '../planning/layer.ts';
import { thumbnailView } from '../planning/thumbnail.ts';
import { footprint, fullDecodeBytes, type Footprint } from '../planning/footprint.ts';
import { planRender, type RenderPlan } from '../planning/plan.ts';
import { sniff, type SourceInfo } from '../planning/sniff.ts';
import { layoutView } from '../planning/view.ts';
import type { Size } from '../protocol/request.ts';
import type { ServerContext } from './context.ts';
import { readOrientation, readSourceFile } from './source.ts';
import { exactBuffer } from '../image/bytes.ts';


/** What every /is/image handler gets: the object, the commands it really carries, the settings. */
export interface ImageContext {
  ctx: ServerContext;
  object: ResolvedObject;
  modifiers: Modifier[];
  commands: Map<string, string | undefined>;
  format: ReturnType<typeof formatOptionsOf>;
  /** The path object as requested, e.g. `sample/landscape`. */
  objectPath: string;
}

/** What planning needs of a request: the object, its commands and the settings (also the CLI's). */
export type PlanningInput = Pick<ImageContext, 'object' | 'modifiers' | 'commands'> & { ctx: Pick<ServerContext, 'config'> };

export function interpret(image: Pick<ImageContext, 'object' | 'modifiers'>): ImageRequest {
  const { jpegQuality, resampling, resolution } = image.object.catalog.attributes;
  return interpretImageRequest(image.modifiers, { jpegQuality, resampling, resolution });
}

export interface Prepared {
  plan: RenderPlan;
  /** What the plan allocates; checked against the limits before any job is queued. */
  footprint: Footprint;
  info: SourceInfo;
  /** The source file, in an exact ArrayBuffer the worker can take ownership of. */
  source: { bytes: Uint8Array; buffer: ArrayBuffer; modified: Date };
}

/** Layer 0's crop in source pixels: the whole source without crop=/cropN=; it may reach outside. */
function compositeRegion(crop: CropSpec | undefined, source: Size): Rect {
  if (!crop) return { x: 0, y: 0, width: source.width, height: source.height };
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

/** Reads and checks the source, then plans the render in the main thread. */
export async function prepare(request: ImageRequest, image: PlanningInput): Promise<Prepared> {
  const { ctx, object } = image;
  const { bytes, modified } = await readSourceFile(object);
  const info = sniff(bytes);
  if (info.width * info.height > ctx.config['max-source-pixels']) {
    throw forbidden(`The source image is too large (${info.width}x${info.height}); the limit is ${ctx.config['max-source-pixels']} pixels`);
  }
  if (info.format === 'jpeg' && info.components === 4) throw forbidden('CMYK JPEG sources are not supported');
  const orientation = await readOrientation(bytes);
  const swap = orientation >= 5;
  const size = { width: swap ? info.height : info.width, height: swap ? info.width : info.height };
  const attributes = object.catalog.attributes;
  const composite = compositeRegion(request.crop, size);
  const layer = request.layer ? planLayer(request.layer, size, composite) : undefined;
  const thumbnail = request.kind === 'thumbnail';
  const view = thumbnail ? thumbnailView(request.view, attributes.thumbnail, image.commands.has('align')) : request.view;
  const layout = layoutView(view, layer ? layer.size : { width: composite.width, height: composite.height }, {
    // DefaultThumbPix takes DefaultPix's place for thumbnails (thumbnailView already applied it).
    defaultSize: thumbnail ? { width: 0, height: 0 } : attributes.defaultSize,
    // MaxPix limits replies; saved images have their own limit (an [I] decision, docs/compatibility.md).
    maxSize: request.kind === 'saveToFile' ? undefined : attributes.maxSize,
    upscaleWithoutFit: ctx.config['upscale-without-fit'],
  });
  const plan = planRender({
    layout,
    source: size,
    composite,
    layer,
    format: info.format,
    orientation,
    hasAlpha: info.hasAlpha,
    output: { ...request.output, pngLevel: ctx.config['png-level'] },
    filters: request.filters,
    resampling: request.resampling,
    background: view.background ?? attributes.background,
    mask: request.kind === 'mask',
  });
  const needs = checkFootprint(plan, ctx.config);
  return { plan: { ...plan, source: { ...plan.source, fullDecode: fullDecodeBytes(needs) <= jobBytesLimit(ctx.config) } }, footprint: needs, info, source: { bytes, buffer: exactBuffer(bytes), modified } };
}

const jobBytesLimit = (config: PlanningInput['ctx']['config']) => config['max-worker-memory'] * 1024 * 1024;

/**
 * Every image the plan creates must fit the pixel limit of sources: `extend=9000,9000,9000,9000` on a
 * small image passes every limit of the source and the reply, but not this. The job's peak memory is
 * checked against the worker's by the pool, which knows a fresh worker's own heap.
 */
function checkFootprint(plan: RenderPlan, config: PlanningInput['ctx']['config']): Footprint {
  const needs = footprint(plan);
  const maxPixels = config['max-source-pixels'];
  if (needs.largestPixels > maxPixels) {
    throw forbidden(`An intermediate image would have ${needs.largestPixels} pixels; the limit is ${maxPixels}`);
  }
  return needs;
}

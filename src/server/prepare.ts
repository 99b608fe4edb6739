import type { ResolvedObject } from '../catalog/resolve.ts';
import { interpretImageRequest } from '../protocol/commands.ts';
import type { formatOptionsOf } from '../protocol/reply-format.ts';
import type { ImageRequest } from '../protocol/request.ts';
import type { Modifier } from '../protocol/url.ts';
import type { Footprint } from '../planning/footprint.ts';
import type { RenderPlan } from '../planning/plan.ts';
import { checkSourceHeader, planRequest } from '../planning/plan-request.ts';
import { sniff, type SourceInfo } from '../planning/sniff.ts';
import type { ServerContext } from './context.ts';
import { readOrientation, readSourceFile } from './source.ts';
import { exactBuffer } from '../image/bytes.ts';

/** What every /is/image handler gets: the object, the commands it really carries, the settings. */
export interface ImageContext {
  ctx: ServerContext;
  object: ResolvedObject;
  modifiers: Modifier[];
  commands: Map<string, string | undefined>;
  /** req=, read once from the commands (catalog modifiers included) and checked. */
  type: string;
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

/** Reads and checks the source, then plans the render in the main thread (planning/plan-request.ts). */
export async function prepare(request: ImageRequest, image: PlanningInput): Promise<Prepared> {
  const { ctx, object } = image;
  const { config } = ctx;
  const { bytes, modified } = await readSourceFile(object);
  const info = sniff(bytes);
  const settings = {
    maxSourcePixels: config['max-source-pixels'],
    jobBytes: config['max-worker-memory'] * 1024 * 1024,
    pngLevel: config['png-level'],
    upscaleWithoutFit: config['upscale-without-fit'],
  };
  checkSourceHeader(info, settings);
  const orientation = await readOrientation(bytes);
  const { plan, footprint } = planRequest(request, object.catalog.attributes, { ...info, orientation }, settings, image.commands.has('align'));
  return { plan, footprint, info, source: { bytes, buffer: exactBuffer(bytes), modified } };
}

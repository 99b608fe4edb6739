import type { ResolvedObject } from '../catalog/resolve.ts';
import { interpretRequest } from '../protocol/layers.ts';
import type { formatOptionsOf } from '../protocol/reply-format.ts';
import type { ImageRequest } from '../protocol/request.ts';
import type { Modifier } from '../protocol/url.ts';
import type { Footprint } from '../planning/footprint.ts';
import type { RenderPlan } from '../planning/composite-plan.ts';
import { checkFootprint, checkSourceHeader, planRequest } from '../planning/plan-request.ts';
import { planComposite, type CompositeSettings } from '../planning/composite.ts';
import { sniff } from '../planning/sniff.ts';
import { resolveComposition } from './composition.ts';
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
  /** The request's substitution variables, which its nested requests see. */
  variables: ReadonlyMap<string, string>;
}

/** What planning needs of a request: the object, its commands and the settings (also the CLI's). */
export type PlanningInput = Pick<ImageContext, 'object' | 'modifiers' | 'commands' | 'variables'> & { ctx: Pick<ServerContext, 'config' | 'catalogs'> };

export function interpret(image: Pick<ImageContext, 'object' | 'modifiers'>): ImageRequest {
  const { jpegQuality, resampling, resolution } = image.object.catalog.attributes;
  return interpretRequest(image.modifiers, { jpegQuality, resampling, resolution });
}

export interface Prepared {
  plan: RenderPlan;
  /** What the plan allocates; checked against the limits before any job is queued. */
  footprint: Footprint;
  /** Whether the rendered image can hold transparency (before the output format drops it). */
  hasAlpha: boolean;
  /** The source files, each in an exact ArrayBuffer the worker can take ownership of. */
  sources: ArrayBuffer[];
  /** Their bytes, for versions, and the newest modification time (Last-Modified). */
  bytes: Uint8Array[];
  modified: Date;
}

function planSettings(config: ServerContext['config']): CompositeSettings {
  return {
    maxSourcePixels: config['max-source-pixels'],
    jobBytes: config['max-worker-memory'] * 1024 * 1024,
    pngLevel: config['png-level'],
    upscaleWithoutFit: config['upscale-without-fit'],
    maxCompositePixels: config['max-composite-pixels'],
  };
}

/**
 * Reads and checks the sources, then plans the render in the main thread: one image
 * (planning/plan-request.ts) or, for a layered request, the whole tree (planning/composite.ts).
 */
export async function prepare(request: ImageRequest, image: PlanningInput): Promise<Prepared> {
  const { ctx, object } = image;
  const settings = planSettings(ctx.config);
  if (request.layered) {
    const { resolved, files } = await resolveComposition(request, { ctx, object, modifiers: image.modifiers, variables: image.variables, alignGiven: image.commands.has('align') });
    const plan = planComposite(resolved, settings);
    const needs = checkFootprint(plan, settings.maxSourcePixels);
    return { plan, footprint: needs, hasAlpha: true, sources: files.bytes.map(exactBuffer), bytes: files.bytes, modified: files.modified };
  }
  const { bytes, modified } = await readSourceFile(object);
  const info = sniff(bytes);
  checkSourceHeader(info, settings);
  const orientation = await readOrientation(bytes);
  const { plan, footprint } = planRequest(request, object.catalog.attributes, { ...info, orientation }, settings, image.commands.has('align'));
  return { plan, footprint, hasAlpha: info.hasAlpha, sources: [exactBuffer(bytes)], bytes: [bytes], modified };
}

import { deliveredOutput, type Delivery, type PlannedOutput } from '../planning/delivery.ts';
import type { OutputFormat } from '../protocol/formats.ts';
import type { ResolvedObject } from '../catalog/resolve.ts';
import type { RequestType } from '../protocol/command-map.ts';
import type { Account, InflateBudget } from '../protocol/account.ts';
import { interpretRequest } from '../protocol/layers.ts';
import type { formatOptionsOf } from '../protocol/reply-format.ts';
import type { ImageRequest } from '../protocol/request.ts';
import type { Modifier } from '../protocol/url.ts';
import type { Footprint } from '../planning/footprint.ts';
import type { RenderPlan } from '../planning/composite-plan.ts';
import { checkFootprint, planRequest, type PlanSettings } from '../planning/plan-request.ts';
import type { AssumedProfile } from '../planning/plan.ts';
import type { ProfileFile, SourceProfile, SourceProfiles } from '../inputs/profiles.ts';
import { sourceVersion } from '../inputs/source.ts';
import type { OutputKind } from '../image/icc-pcs.ts';
import { planComposite, type CompositeSettings, type ResolvedComposite } from '../planning/composite.ts';
import { layerReads } from '../planning/composite-reads.ts';
import { clipSegments } from '../planning/clip.ts';
import { resolveComposition, resolveWatermarked } from './composition.ts';
import { JobFiles, sourceLimits } from './job-files.ts';
import type { Client, ServerContext } from './context.ts';
import { requestDefaults } from './request-defaults.ts';
import { convertedFormat, hintedPixelRatio, negotiatedFormat } from '../protocol/negotiate.ts';

/** What every /is/image handler gets: the object, the commands it really carries, the settings. */
export interface ImageContext {
  /** The client's Accept and DPR hints (smart imaging). */
  hints?: Client['hints'];
  ctx: ServerContext;
  object: ResolvedObject;
  modifiers: Modifier[];
  commands: Map<string, string | undefined>;
  /** req=, read once from the commands (catalog modifiers included) and checked. */
  type: RequestType;
  format: ReturnType<typeof formatOptionsOf>;
  /** The path object as requested, e.g. `sample/landscape`. */
  objectPath: string;
  /** The request's substitution variables, which its nested requests see. */
  variables: ReadonlyMap<string, string>;
  /** The request as the render cache may remember it (image.ts); only set for a plain image request. */
  rememberAs?: string;
  /** What the request may still cost (protocol/account.ts); nested requests charge it too. */
  account: Account;
  /** The client's address: the catalogs of its layers and nested requests check it, and the pool limits its renders. */
  clientAddress?: string;
}

/** What one embedded profile of the request may inflate to: the lesser of its cap and what the account has left. */
export const inflateBudgetOf = (image: Pick<ImageContext, 'account'> & { ctx: Pick<ServerContext, 'config'> }): InflateBudget => ({
  account: image.account,
  maxProfileBytes: image.ctx.config['max-profile-inflate'] * 1024 * 1024,
});

/** What planning needs of a request: the object, its commands and the settings (also the CLI's). */
export type PlanningInput = Pick<ImageContext, 'object' | 'modifiers' | 'commands' | 'variables' | 'hints' | 'account' | 'clientAddress'> & { ctx: Pick<ServerContext, 'config' | 'catalogs' | 'sourceHeaders' | 'sourceReads' | 'origins' | 'originAllow' | 'fonts' | 'profiles'> };

/** The typed request; dpr=on without a value takes the client's DPR hint when hints are on. */
export function interpret(image: Pick<ImageContext, 'object' | 'modifiers' | 'hints'> & { ctx: Pick<ServerContext, 'config'> }): ImageRequest {
  const { attributes } = image.object.catalog;
  const clientPixelRatio = clientHintsOn(image) ? hintedPixelRatio(image.hints?.secChDpr, image.hints?.dpr) : undefined;
  return interpretRequest(image.modifiers, { ...requestDefaults(attributes, image.ctx.config), clientPixelRatio });
}

const clientHintsOn = (image: Pick<ImageContext, 'object'> & { ctx: Pick<ServerContext, 'config'> }) =>
  image.object.catalog.attributes.clientHints ?? image.ctx.config['client-hints'];

/**
 * Smart imaging's choices for a reply: the format by Accept (fmt=auto, bfc=on; never for saves,
 * masks, gray, CMYK, device-profile or jpegSize replies) and the headers a cache must vary on.
 */
export function negotiate(request: ImageRequest, image: Pick<ImageContext, 'object' | 'hints'> & { ctx: Pick<ServerContext, 'config'> }, alpha: boolean, profile?: OutputKind): Negotiated {
  const { output } = request;
  const vary: string[] = [];
  const acceptHints: string[] = [];
  let format = output.format;
  let why: string | undefined;
  // A grey, CMYK or table (device) profile makes a reply of its own pixel type, whatever its format.
  const typed = profile !== undefined && profile !== 'matrix';
  const eligible = (request.kind === 'img' || request.kind === 'thumbnail') && !output.gray && !output.cmyk && !typed && output.maxKilobytes === undefined;
  if (output.negotiate && eligible) {
    const accept = image.hints?.accept;
    format = output.negotiate === 'auto' ? negotiatedFormat(accept, alpha, alpha ? 'png-alpha' : 'jpeg') : convertedFormat(accept, output.format);
    vary.push('Accept');
    why = `${format} by Accept (${output.negotiate === 'auto' ? 'fmt=auto' : 'bfc=on'})`;
  }
  if (request.view.pixelRatioFromClient && clientHintsOn(image)) {
    vary.push('Sec-CH-DPR', 'DPR');
    acceptHints.push('Sec-CH-DPR', 'DPR');
    const ratio = request.view.devicePixelRatio;
    why = [why, `dpr ${ratio ?? 'not hinted'}`].filter(Boolean).join(', ');
  }
  return { format, vary, acceptHints, why };
}

export interface Negotiated {
  /** The reply's format: the request's, or the one smart imaging chose. */
  format: OutputFormat;
  vary: string[];
  acceptHints: string[];
  why?: string;
}

export interface Prepared {
  plan: RenderPlan;
  /** What the plan allocates; checked against the limits before any job is queued. */
  footprint: Footprint;
  /** Whether the rendered image can hold transparency (before the output format drops it). */
  hasAlpha: boolean;
  /** The job's files (service/job-files.ts), read when first asked for (a cached render needs none). */
  sources(): Promise<ArrayBufferLike[]>;
  /** Their version (req=props' image.version), and the newest modification time (Last-Modified). */
  version: string;
  modified: Date;
  /** Smart imaging's format and what the reply varies on. */
  negotiated: Negotiated;
  /** The reply as planned: the request's output with the format and profile the service chose. */
  output: PlannedOutput;
  /** Each source's identity (file-identity.ts): with the plan, the render cache's key. */
  inputs: string[];
  /** The request is done with its files (a job has taken them, or none will): call once it is. */
  release(): void;
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
export async function prepare(given: ImageRequest, image: PlanningInput, describeOnly = false): Promise<Prepared> {
  const { ctx, object } = image;
  const settings = { ...planSettings(ctx.config), describeOnly };
  const profiles = await ctx.profiles.forSources(object.catalog, ctx.catalogs.defaultCatalog);
  const chosen = given.output.icc?.profile ? await ctx.profiles.output(given.output, object.catalog, ctx.catalogs.defaultCatalog) : undefined;
  const kind = chosen?.kind;
  const watermark = watermarkOf(given, object.catalog.attributes.watermark);
  if (given.layered || watermark !== undefined) {
    // fmt=auto falls back to JPEG for a composite (its transparency is not known before it is made), unless a clip
    // cuts its canvas; a watermarked image goes by its source.
    const input = { ctx, object, variables: image.variables, alignGiven: image.commands.has('align'), account: image.account, clientAddress: image.clientAddress };
    const { resolved, files, sourceAlpha }: Awaited<ReturnType<typeof resolveWatermarked>> = watermark === undefined ? await resolveComposition(given, input) : await resolveWatermarked(given, watermark, input);
    try {
      const negotiated = negotiate(given, image, sourceAlpha ?? cutsCanvas(resolved), kind);
      const add = (p: ProfileFile) => files.addProfile(p.key, p.identity, p.bytes);
      const delivery: Delivery = { format: negotiated.format, profile: chosen && kind ? { kind, file: add(chosen.file) } : undefined };
      const plan = planComposite(resolved, { ...settings, assumed: assumedOf(profiles, add), delivery });
      const needs = checkFootprint(plan, settings.maxSourcePixels);
      image.account.charge('pixels', needs.decodePixels);
      for (const [file, read] of layerReads(plan.composite)) files.readRegion(file, read);
      return preparedOf(files, { plan, footprint: needs, hasAlpha: sourceAlpha ?? true, negotiated, output: deliveredOutput(given.output, delivery) });
    } catch (err) {
      files.release();
      throw err;
    }
  }
  const files = new JobFiles(ctx.sourceHeaders, sourceLimits(ctx.config), image.account, ctx.sourceReads.holder());
  try {
    const { file, header } = await files.add(object);
    const add = (p: ProfileFile) => files.addProfile(p.key, p.identity, p.bytes);
    const negotiated = negotiate(given, image, header.hasAlpha, kind);
    const delivery: Delivery = { format: negotiated.format, profile: chosen && kind ? { kind, file: add(chosen.file) } : undefined };
    const assumed = header.hasIcc ? undefined : assumedOf(profiles, add);
    const { plan, footprint } = planRequest(given, object.catalog.attributes, header, { ...settings, assumed, delivery }, image.commands.has('align'));
    image.account.charge('pixels', footprint.decodePixels);
    const read = plan.layers[0].source.read;
    if (read) files.readRegion(file, read);
    return preparedOf(files, { plan, footprint, hasAlpha: header.hasAlpha, negotiated, output: deliveredOutput(given.output, delivery) });
  } catch (err) {
    // The bytes a refused source was read for (a header read whole) are held until let go here.
    files.release();
    throw err;
  }
}

/** Whether a clip on comp or layer 0 finds a path to cut with: the composite then has transparency, which fmt=auto keeps. */
function cutsCanvas(resolved: ResolvedComposite): boolean {
  const zero = resolved.layers.find((l) => l.request.number === 0);
  const paths = zero?.input?.kind === 'file' ? zero.input.header.paths : undefined;
  return clipSegments(resolved.request.layered?.clip, paths) + clipSegments(zero?.request.clip, paths) > 0;
}

/**
 * The watermark a reply gets: its catalog's, on image replies and saves, not on thumbnails
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-watermarks) nor on req=mask's alpha.
 */
const watermarkOf = (request: ImageRequest, id: string): string | undefined => (id !== '' && (request.kind === 'img' || request.kind === 'saveToFile') ? id : undefined);

/** A planned render with its job's files. */
const preparedOf = (files: JobFiles, planned: Pick<Prepared, 'plan' | 'footprint' | 'hasAlpha' | 'negotiated' | 'output'>): Prepared => ({
  ...planned,
  sources: () => files.buffers(),
  version: sourceVersion(files.sourceIdentities),
  modified: files.modified,
  inputs: files.identities,
  release: () => files.release(),
});

/** The sources' profiles as the planner takes them: a built-in space, or the job file `add` makes of a profile's bytes. */
function assumedOf(profiles: SourceProfiles, add: (file: ProfileFile) => number): PlanSettings['assumed'] {
  const one = (p: SourceProfile | undefined): AssumedProfile | undefined => (p === undefined ? undefined : 'space' in p ? { space: p.space } : { file: add(p) });
  const entries = (['rgb', 'cmyk', 'gray'] as const).map((kind) => [kind, one(profiles[kind])] as const).filter(([, p]) => p !== undefined);
  return Object.fromEntries(entries);
}

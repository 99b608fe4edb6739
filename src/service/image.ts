import { effectiveModifiers } from '../catalog/modifiers.ts';
import { objectOfPath, resolveLayerObject, resolveObject, type ResolvedObject } from '../catalog/resolve.ts';
import { isComposite, type RenderPlan } from '../planning/composite-plan.ts';
import { Account, shareOf } from '../protocol/account.ts';
import { admitClient, allows } from '../protocol/addresses.ts';
import { isLayered } from '../protocol/layers.ts';
import { clientCacheAllowed, lastWins, requestType, serverCacheMode } from '../protocol/command-map.ts';
import { RenderCache } from './render-cache.ts';
import { Deadline } from '../protocol/deadline.ts';
import { forbidden, IsError, unavailable } from '../protocol/errors.ts';
import { formatProperties } from '../protocol/properties.ts';
import { unlockQuery } from '../protocol/lock.ts';
import { CONTENT_TYPES, formatOptionsOf } from '../protocol/reply-format.ts';
import { parseModifiers, type Modifier, type ParsedUrl } from '../protocol/url.ts';
import { resolveSaveTarget } from '../save/path.ts';
import { writeAtomically } from '../save/write.ts';
import type { Client, ServerContext } from './context.ts';
import { catalogProps, exists, imageProps, message, props, resolveReply, userData, validateReply } from './info.ts';
import { inflateBudgetOf, interpret, prepare, type ImageContext, type Prepared } from './prepare.ts';
import { FORMATS } from '../protocol/formats.ts';
import { log } from '../observe/log.ts';
import { etagOfMd5, type Reply } from './reply.ts';
import { preprocess, ruleHeaders, withOverrides } from './preprocess.ts';
import { checkedSourceIdentity } from '../inputs/source-headers.ts';
import { fvctxReply, imageSetReply, mapReply, setReply, targetsReply, viewerError, xmpReply } from './viewer.ts';


const BANNER = (): Reply => ({
  body: formatProperties([['copyright', 'Isle, an open-source server of the Scene7 Image Serving protocol']]),
  contentType: CONTENT_TYPES.text,
});

/**
 * /is/image: the banner, then each req= type. `signature` (requestSignature of the request as
 * received) is what the render cache may remember a plain image request by.
 */
export async function handleImage(received: ParsedUrl, ctx: ServerContext, client: Client, signature?: string): Promise<Reply> {
  if (received.path.length === 0 && received.modifiers.length === 0) return BANNER();
  // Rule sets first: they may rewrite the request, refuse it, or override catalog attributes.
  const { url, overrides, headers: ruleSetHeaders } = preprocess(received, ctx.catalogs);
  // The URL's own req=, read once: catalogprops needs no object, and a failure is answered by it
  // when the request failed before its catalog's modifiers were read.
  const asked = requestType(lastWins(url.modifiers));
  if (asked === 'catalogprops') return catalogProps(url, ctx, client);
  const object = withOverrides(objectOfPath(url.path, ctx.catalogs, ctx.config.root), overrides);
  let image: ImageContext | undefined;
  const account = accountOf(ctx.config);
  try {
    image = imageContext(url, ctx, client, object, account);
    // Only a plain image request without rule-set headers is remembered (renderOnce decides the rest).
    if (ruleSetHeaders.length === 0 && (image.type === 'img' || image.type === 'tmb')) image.rememberAs = signature;
    const served = await serveObject(image, client);
    const reply = object.catalog.attributes.clientFilter ? { ...served, private: true } : served;
    return ruleSetHeaders.length > 0 ? { ...reply, headers: ruleHeaders(ruleSetHeaders, image.variables) } : reply;
  } catch (err) {
    if (!(err instanceof IsError)) throw err;
    const { attributes } = object.catalog;
    // The request type with the catalog's modifiers applied, as the request was served.
    const type = image?.type ?? asked;
    // ErrorImage answers failed image requests with an image (200, not cacheable).
    // Not to a client the catalog's filter refuses: the catalog answers it nothing.
    const admitted = !attributes.clientFilter || allows(attributes.clientFilter, client.address);
    if (err.status === 403 && attributes.errorImage !== '' && admitted && (type === 'img' || type === 'tmb')) {
      const substitute = await errorImage(url, ctx, attributes.errorImage, client).catch(() => undefined);
      if (substitute) return substitute;
    }
    // ErrorDetail 0 and 1 give the title only, for public servers that tell nothing of the cause.
    throw attributes.errorDetail < 2 ? new IsError(err.status, ERROR_TITLE, err.retryAfter, false, err.logReason, err.limit) : err;
  } finally {
    ctx.metrics.account(account);
  }
}

const ERROR_TITLE = 'The request could not be served';

const MIB = 1024 * 1024;

/** A request's account, from the table of limits (protocol/account.ts). */
export const accountOf = (config: ServerContext['config']) =>
  new Account({
    query: config['max-query-bytes'],
    glyphs: config['max-glyphs'],
    points: config['max-text-points'],
    inflated: config['max-inflate'] * MIB,
    fetched: config['max-fetch-bytes'] * MIB,
    read: config['max-read-bytes'] * MIB,
    pixels: config['max-request-pixels'],
    chunks: config['max-header-chunks'],
    header: config['max-header-bytes'] * MIB,
    work: config['max-request-work'] * 1e6,
    paths: config['max-path-segments'],
  });

/** A request as the render cache remembers it: its target as received and the request headers smart imaging reads. */
export const requestSignature = (target: string, client: Client) => [target, client.hints?.accept, client.hints?.secChDpr, client.hints?.dpr].join('\n');

/**
 * The reply to a request the render cache answered before, while what that answer rested on holds
 * (render-cache.ts); anything else takes the whole way, which gives every refusal its own reason.
 * Nothing here waits: a hit costs two Map lookups, and a stat once per --cache-validation ms.
 */
export function rememberedReply(signature: string, ctx: ServerContext, client: Client): Reply | undefined {
  const remembered = ctx.cache.recall(signature);
  if (!remembered || remembered.catalogs !== ctx.catalogs) return undefined;
  if (remembered.clientFilter && !allows(remembered.clientFilter, client.address)) return undefined;
  // A stat was about a quarter of a hit's time beyond node:http's (a probe of the tiny request):
  // a recent look at the source is trusted instead.
  const now = Date.now();
  if (now - remembered.checkedAt >= ctx.config['cache-validation']) {
    if (checkedSourceIdentity(remembered.source) !== remembered.identity) return undefined;
    remembered.checkedAt = now;
  }
  const cached = ctx.cache.get(remembered.key)!;
  return { ...cached, ttlHours: remembered.ttlHours, private: remembered.clientFilter !== undefined, lastModified: remembered.lastModified, cacheHit: true };
}

/** The ErrorImage with the request's wid, hei, fmt and qlt. */
async function errorImage(url: ParsedUrl, ctx: ServerContext, name: string, client: Client): Promise<Reply> {
  const kept = url.modifiers.filter((m) => ['wid', 'hei', 'fmt', 'qlt'].includes(m.name));
  return renderOnce(substituteImage(ctx, name, kept, client), undefined);
}

/** The commands a request really carries: the URL's (unlocked) with the catalog's macros and modifiers. */
function imageContext(url: ParsedUrl, ctx: ServerContext, client: Client, object: ResolvedObject, account: Account): ImageContext {
  const { attributes } = object.catalog;
  admitClient(attributes.clientFilter, client.address);
  const urlModifiers = attributes.requestLock ? parseModifiers(unlockQuery(url.rawQuery)) : url.modifiers;
  const objectPath = url.path.join('/');
  if (urlModifiers.length > ctx.config['max-modifiers']) throw forbidden(`The request has more than ${ctx.config['max-modifiers']} commands`);
  // template=: the record's Modifier is the request and the path object is only $object$ (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-template).
  const template = lastWins(urlModifiers).get('template');
  const body = template === undefined ? object : resolveLayerObject(template, object.catalog, ctx.catalogs, ctx.config.root);
  const rest = template === undefined ? urlModifiers : urlModifiers.filter((m) => m.name !== 'template');
  const { modifiers, variables } = effectiveModifiers(body, rest, ctx.catalogs, objectPath, { maxCommands: ctx.config['max-modifiers'], account });
  return { ...contextOf(ctx, body, modifiers, objectPath, account, variables), hints: client.hints, clientAddress: client.address };
}

/** The commands, the request type and the reply format, each read once from the modifiers. */
function contextOf(ctx: ServerContext, object: ResolvedObject, modifiers: Modifier[], objectPath: string, account: Account, variables = new Map<string, string>()): ImageContext {
  const commands = lastWins(modifiers);
  return { ctx, object, modifiers, commands, type: requestType(commands), format: formatOptionsOf(modifiers), objectPath, variables, account };
}

async function serveObject(image: ImageContext, client: Client): Promise<Reply> {
  const { ctx } = image;
  switch (image.type) {
    case 'savetofile':
      // A HEAD must have no side effect, and a save is nothing but one.
      if (client.method !== 'GET') throw new IsError(405, 'req=saveToFile needs GET: it writes a file');
      if (!allows(ctx.saveClients, client.address)) throw forbidden('Access denied: this client address may not save files');
      return saveToFile(image);
    case 'resolve':
      return resolveReply(image);
    case 'validate':
      return validateReply(image);
    case 'imageprops':
      return imageProps(image);
    case 'exists':
      return exists(image);
    case 'userdata':
      return userData(image);
    case 'message':
      return message(image);
    case 'props':
    case 'ctx':
      return props(image);
    case 'set':
    case 'imageset':
    case 'targets':
    case 'map':
    case 'fvctx':
      return viewerRequest(image);
    case 'xmp':
      return xmpReply(image);
    case 'loadcache': {
      const reply = await renderImage(image);
      return { body: formatProperties([['image.length', reply.body.length]]), contentType: CONTENT_TYPES.text };
    }
    default:
      return renderImage(image);
  }
}

const VIEWER_REPLIES = { set: setReply, imageset: imageSetReply, targets: targetsReply, map: mapReply, fvctx: fvctxReply } as const;

/** A viewer's request; in JSON form its errors are the SDK's s7jsonError callback with 200 (viewer.ts). */
async function viewerRequest(image: ImageContext): Promise<Reply> {
  try {
    return await VIEWER_REPLIES[image.type as keyof typeof VIEWER_REPLIES](image);
  } catch (err) {
    if (err instanceof IsError && image.format.format === 'json') return viewerError(image, err);
    throw err;
  }
}

/** Renders, or, when the source is missing, renders the default image instead (req=img and tmb). */
async function renderImage(image: ImageContext): Promise<Reply> {
  try {
    return await renderOnce(image, image.object.record?.expiration ?? image.object.catalog.attributes.expiration);
  } catch (err) {
    const fallback = err instanceof IsError && err.missingImage ? defaultImageOf(image) : undefined;
    if (!fallback) throw err;
    return renderOnce(fallback, image.object.catalog.attributes.defaultExpiration);
  }
}

/**
 * defaultImage= (empty disables it), else the DefaultImage attribute. DefaultImageMode 0 keeps only
 * wid, hei, fmt and qlt of the request (and its req=); mode 1 keeps every command.
 */
function defaultImageOf(image: ImageContext): ImageContext | undefined {
  const attributes = image.object.catalog.attributes;
  const name = image.commands.has('defaultimage') ? (image.commands.get('defaultimage') ?? '') : attributes.defaultImage;
  if (name === '' || (image.type !== 'img' && image.type !== 'tmb')) return undefined;
  // A composite that still misses an image (its path image, or a nested request's: DefaultImageMode 1
  // has already replaced missing src= images layer by layer) is replaced whole, as mode 0 does.
  const layered = isLayered(image.modifiers);
  const kept =
    attributes.defaultImageMode === 0 || layered
      ? image.modifiers.filter((m) => ['wid', 'hei', 'fmt', 'qlt', 'req'].includes(m.name))
      : image.modifiers.filter((m) => m.name !== 'defaultimage');
  return substituteImage(image.ctx, name, kept, { address: image.clientAddress, hints: image.hints });
}

/**
 * Another object (a default or error image) rendered with some of the request's commands, for the
 * same client: its catalog's filter and the client's limits apply as to the request it stands in for.
 */
function substituteImage(ctx: ServerContext, name: string, kept: Modifier[], client: Pick<Client, 'address' | 'hints'>): ImageContext {
  const object = resolveObject(name.split('/').filter((e) => e !== ''), ctx.catalogs, ctx.config.root);
  admitClient(object.catalog.attributes.clientFilter, client.address);
  const modifiers = [...object.modifiers, ...kept, ...object.postModifiers];
  // An account of its own: the request it stands in for may have spent its own.
  return { ...contextOf(ctx, object, modifiers, name, accountOf(ctx.config)), hints: client.hints, clientAddress: client.address };
}

/** Renders one image; `ttlHours` undefined makes the reply non-cacheable. */
async function renderOnce(image: ImageContext, ttlHours: number | undefined): Promise<Reply> {
  const { ctx } = image;
  const request = interpret(image);
  // Before the source is looked at: a file changed during the render is not trusted for longer.
  const checkedAt = Date.now();
  const deadline = Deadline.after(ctx.config['render-timeout'], () => unavailable('Rendering took too long and was stopped', 1));
  const prepared = await prepare(request, image);
  const { plan, sources, modified, footprint, negotiated, inputs } = prepared;
  try {
    checkPixels(plan, ctx.config['max-reply-pixels'], 'reply image');
    const freshness = {
      ttlHours: ttlHours !== undefined && clientCacheAllowed(image.commands) ? ttlHours : undefined,
      lastModified: image.object.catalog.attributes.useLastModified ? modified : undefined,
    };
    // cache= off (its server part) renders without the cache; update renders and keeps the new reply.
    const mode = serverCacheMode(image.commands);
    const key = ctx.cache.enabled && mode !== 'off' ? RenderCache.keyOf(plan, inputs) : undefined;
    // A single-source render (no profile or font files among its inputs, no layers, no watermark) is
    // remembered by request; not an update, which must render each time it is asked for.
    const remember = () => {
      if (key === undefined || mode === 'update' || image.rememberAs === undefined || isComposite(plan) || inputs.length !== 1) return;
      const { file, root, catalog } = image.object;
      ctx.cache.remember(image.rememberAs, { key, catalogs: ctx.catalogs, source: { file, root }, identity: inputs[0]!, checkedAt, clientFilter: catalog.attributes.clientFilter, ...freshness });
    };
    const cached = key !== undefined && mode !== 'update' ? ctx.cache.get(key) : undefined;
    if (cached) {
      remember();
      return { ...cached, ...freshness, cacheHit: true };
    }
    const { image: rendered, md5, workerId, queueMs } = await renderJob(image, { plan, sources, footprint }, deadline);
    const body = new Uint8Array(rendered);
    const reply = {
      body,
      etag: etagOfMd5(md5),
      contentType: FORMATS[negotiated.format].mime,
      vary: negotiated.vary,
      acceptHints: negotiated.acceptHints,
      negotiated: negotiated.why,
    };
    if (key !== undefined) {
      ctx.cache.set(key, reply);
      remember();
    }
    return { ...reply, ...freshness, render: { workerId, queueMs } };
  } finally {
    // The foreign bodies it held count against the server's budget until the render is done.
    prepared.release();
  }
}

/** A job on the pool with the request's share of its account; what the worker inflated is charged back. */
async function renderJob(image: ImageContext, job: Pick<Prepared, 'plan' | 'sources' | 'footprint'>, deadline: Deadline) {
  const { plan, sources, footprint } = job;
  // Before any worker takes it: the smallest-job-first queue orders by the same estimate.
  image.account.charge('work', footprint.workPixels);
  const result = await image.ctx.pool.run(await sources(), plan, { deadline, memoryBytes: footprint.peakBytes, work: footprint.workPixels, inflate: shareOf(inflateBudgetOf(image)), client: image.clientAddress });
  // Within the share the worker was given, so within the limit: the account shows what the request cost.
  image.account.charge('inflated', result.inflated);
  return result;
}

function checkPixels(plan: RenderPlan, limit: number, what: string): number {
  const pixels = plan.output.width * plan.output.height;
  if (pixels > limit) throw forbidden(`The ${what} would have ${pixels} pixels; the limit is ${limit}`);
  return pixels;
}

async function saveToFile(image: ImageContext): Promise<Reply> {
  const { ctx, object } = image;
  const request = interpret(image);
  if (request.kind !== 'saveToFile') throw forbidden('req=saveToFile needs name=');
  // The operator's --save-timeout is both the default and the most a client may ask for.
  const timeoutMs = Math.min(request.save.timeoutMs ?? Infinity, ctx.config['save-timeout']);
  const deadline = Deadline.after(timeoutMs, () => forbidden(`Saving timed out after ${timeoutMs} ms`));
  let release: (() => void) | undefined;
  try {
    const target = resolveSaveTarget(ctx.config['save-dir'], object.catalog.attributes.savePath, request.save.name);
    release = await ctx.saves.acquire(deadline);
    const prepared = await prepare(request, image);
    const saving = async () => {
      const pixels = checkPixels(prepared.plan, ctx.config['max-save-pixels'], 'saved image');
      deadline.check();
      return { pixels, ...(await renderJob(image, prepared, deadline)) };
    };
    // The foreign bodies it held count against the server's budget until the render is done.
    const { pixels, image: rendered, workerId, queueMs } = await saving().finally(() => prepared.release());
    const { createdMs } = await writeAtomically(target.folder, target.file, new Uint8Array(rendered), deadline);
    ctx.metrics.saves.inc({ outcome: 'success' });
    ctx.metrics.savedBytes.inc(rendered.byteLength);
    log.info({ save: 'done', name: request.save.name, pixels, bytes: rendered.byteLength }, 'saveToFile');
    return {
      render: { workerId, queueMs },
      body: formatProperties([
        ['lastUpdated', createdMs],
        ['pixelsTotal', pixels],
        ['status', 'done'],
      ]),
      contentType: CONTENT_TYPES.text,
    };
  } catch (err) {
    const outcome = err === deadline.error ? 'timeout' : 'failure';
    ctx.metrics.saves.inc({ outcome });
    log.warn({ save: outcome, name: request.save.name, reason: err instanceof Error ? err.message : String(err) }, 'saveToFile failed');
    throw err;
  } finally {
    release?.();
  }
}

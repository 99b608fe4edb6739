import { interpretImageRequest } from '../protocol/commands.ts';
import { forbidden, unavailable } from '../protocol/errors.ts';
import { formatProperties } from '../protocol/properties.ts';
import type { ImageRequest } from '../protocol/request.ts';
import { unlockQuery } from '../protocol/lock.ts';
import { parseModifiers, type ParsedUrl } from '../protocol/url.ts';
import { allows } from '../config/addresses.ts';
import { resolveObject, type ResolvedObject } from '../catalog/resolve.ts';
import { planRender, type RenderPlan } from '../render/plan.ts';
import { sniff } from '../render/sniff.ts';
import { layoutView } from '../render/view.ts';
import { resolveSaveTarget } from '../save/path.ts';
import { writeAtomically } from '../save/write.ts';
import type { ServerContext } from './context.ts';
import type { Reply } from './respond.ts';
import { readOrientation, readSource } from './source.ts';

const CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png', 'png-alpha': 'image/png' } as const;

const BANNER = (): Reply => ({
  kind: 'text',
  body: formatProperties([['copyright', 'Isle, an open-source server of the Scene7 Image Serving protocol']]),
  cacheable: false,
});

/** /is/image: the banner, req=img and req=saveToFile. */
export async function handleImage(url: ParsedUrl, ctx: ServerContext, clientAddress: string | undefined): Promise<Reply> {
  if (url.path.length === 0 && url.modifiers.length === 0) return BANNER();
  const object = resolveObject(url.path, ctx.catalogs, ctx.config.root);
  const { attributes } = object.catalog;
  if (attributes.clientFilter && !allows(attributes.clientFilter, clientAddress)) {
    throw forbidden('Access denied: this client address is not allowed for this catalog');
  }
  const urlModifiers = attributes.requestLock ? parseModifiers(unlockQuery(url.rawQuery)) : url.modifiers;
  const modifiers = [...object.modifiers, ...urlModifiers, ...object.postModifiers];
  const request = interpretImageRequest(modifiers, { jpegQuality: attributes.jpegQuality });
  if (request.kind === 'saveToFile') {
    if (!allows(ctx.saveClients, clientAddress)) throw forbidden('Access denied: this client address may not save files');
    return saveToFile(request, object, ctx);
  }
  const deadline = Date.now() + ctx.config['render-timeout'];
  const { plan, source } = await prepare(request, object, ctx);
  checkPixels(plan, ctx.config['max-reply-pixels'], 'reply image');
  const image = await ctx.pool.run(source, plan, {
    timeoutMs: Math.max(1, deadline - Date.now()),
    timeoutError: unavailable('Rendering took too long and was stopped', 1),
  });
  return { kind: 'image', body: new Uint8Array(image), contentType: CONTENT_TYPES[request.output.format] };
}

/** Reads and checks the source, then plans the render in the main thread. */
async function prepare(request: ImageRequest, object: ResolvedObject, ctx: ServerContext) {
  const bytes = await readSource(object);
  const info = sniff(bytes);
  if (info.width * info.height > ctx.config['max-source-pixels']) {
    throw forbidden(`The source image is too large (${info.width}x${info.height}); the limit is ${ctx.config['max-source-pixels']} pixels`);
  }
  if (info.format === 'jpeg' && info.components === 4) throw forbidden('CMYK JPEG sources are not supported');
  const orientation = await readOrientation(bytes);
  const swap = orientation >= 5;
  const size = { width: swap ? info.height : info.width, height: swap ? info.width : info.height };
  const attributes = object.catalog.attributes;
  const layout = layoutView(request.view, size, {
    defaultSize: attributes.defaultSize,
    // MaxPix limits replies; saved images have their own limit (an [I] decision, docs/compatibility.md).
    maxSize: request.kind === 'saveToFile' ? undefined : attributes.maxSize,
    upscaleWithoutFit: ctx.config['upscale-without-fit'],
  });
  const plan: RenderPlan = planRender({
    layout,
    source: size,
    format: info.format,
    orientation,
    hasAlpha: info.hasAlpha,
    output: request.output,
    background: request.view.background ?? attributes.background,
  });
  // Hand the worker an exact ArrayBuffer it can take ownership of.
  const source = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return { plan, source: source as ArrayBuffer };
}

function checkPixels(plan: RenderPlan, limit: number, what: string): number {
  const pixels = plan.output.width * plan.output.height;
  if (pixels > limit) throw forbidden(`The ${what} would have ${pixels} pixels; the limit is ${limit}`);
  return pixels;
}

async function saveToFile(request: ImageRequest, object: ResolvedObject, ctx: ServerContext): Promise<Reply> {
  const timeoutMs = request.save!.timeoutMs ?? ctx.config['save-timeout'];
  const deadline = Date.now() + timeoutMs;
  const timedOut = forbidden(`Saving timed out after ${timeoutMs} ms`);
  const target = resolveSaveTarget(ctx.config['save-dir'], object.catalog.attributes.savePath, request.save!.name);
  const release = await ctx.saves.acquire(deadline, timedOut);
  try {
    const { plan, source } = await prepare(request, object, ctx);
    const pixels = checkPixels(plan, ctx.config['max-save-pixels'], 'saved image');
    if (Date.now() >= deadline) throw timedOut;
    const image = await ctx.pool.run(source, plan, { timeoutMs: deadline - Date.now(), timeoutError: timedOut });
    const { createdMs } = await writeAtomically(target.folder, target.file, new Uint8Array(image), { at: deadline, error: timedOut });
    return savedReply(createdMs, pixels);
  } finally {
    release();
  }
}

function savedReply(createdMs: number, pixels: number): Reply {
  return {
    kind: 'text',
    body: formatProperties([
      ['lastUpdated', createdMs],
      ['pixelsTotal', pixels],
      ['status', 'done'],
    ]),
    cacheable: false,
  };
}

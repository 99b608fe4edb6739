import { basename } from 'node:path';
import type { AssetEntry } from '../catalog/asset-index.ts';
import { resolveObject } from '../catalog/resolve.ts';
import { orientedSize } from '../planning/layer.ts';
import { formatOf, SOURCE_FORMATS } from '../planning/source-formats.ts';
import { admitClient } from '../protocol/addresses.ts';
import { assetUuid, CONVENIENCE, deliveryCommands, imageTargetOf, parseDeliveryPath, parseDeliveryQuery, type DeliveryRoute } from '../protocol/delivery-api.ts';
import { checkDeliveryToken, tokenParams } from '../protocol/delivery-token.ts';
import { badRequest, forbidden, IsError, notFound } from '../protocol/errors.ts';
import type { OutputFormat } from '../protocol/formats.ts';
import { lockValue } from '../protocol/lock.ts';
import { preferredWebp } from '../protocol/negotiate.ts';
import { parseRequestTarget } from '../protocol/url.ts';
import { sourceHead, statSource } from '../inputs/source.ts';
import type { Client, ServerContext } from './context.ts';
import { accountOf, handleImage } from './image.ts';
import { sourceLimits } from './job-files.ts';
import { identityEtag, type Reply } from './reply.ts';

/**
 * Dynamic Media with OpenAPI's delivery URLs (protocol/delivery-api.ts) on the one engine: an image or
 * a rendition is the /is/image request it translates to, served by handleImage (rule sets, limits,
 * the request account, the render cache, smart imaging and logs as for any); the original, the
 * metadata and the refusals are answered here. Errors become problem documents in server/respond.ts.
 */
export async function handleDelivery(target: string, ctx: ServerContext, client: Client): Promise<Reply> {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  const route = parseDeliveryPath(rawPath);
  if (route.kind === 'video') throw notFound('Isle delivers no video: the player and playback manifests are not served');
  const entry = assetOf(route.assetId, ctx, client);
  const { attributes } = entry.catalog;
  if (attributes.deliveryTokenSecret !== '') {
    const { token, expiryTime } = tokenParams(rawQuery);
    checkDeliveryToken(attributes.deliveryTokenSecret, rawPath, token, expiryTime, Math.floor(Date.now() / 1000));
  }
  const served = await serve(route, rawQuery, entry, ctx, client).catch((err: unknown) => {
    // A record whose file is missing is an asset that is not there.
    throw err instanceof IsError && err.missingImage ? notFound(`The asset ${route.assetId} has no image`) : err;
  });
  return attributes.clientFilter ? { ...served, private: true } : served;
}

/** The record an asset id names, for a client its catalog's filter admits. */
function assetOf(assetId: string, ctx: ServerContext, client: Client): AssetEntry {
  const entry = ctx.catalogs.assets.get(assetUuid(assetId)!);
  if (!entry) throw notFound(`No asset has the id ${assetId}`);
  admitClient(entry.catalog.attributes.clientFilter, client.address);
  return entry;
}

/** The playground's view of a delivery URL of an image or a rendition: the /is/image request it is served as. */
export async function deliveryTranslation(target: string, ctx: ServerContext, client: Client): Promise<string> {
  const q = target.indexOf('?');
  const route = parseDeliveryPath(q < 0 ? target : target.slice(0, q));
  if (route.kind !== 'image' && route.kind !== 'rendition') throw badRequest('Only image and rendition URLs are served as /is/image requests');
  const entry = assetOf(route.assetId, ctx, client);
  return (await translatedTarget(route, q < 0 ? '' : target.slice(q + 1), entry, ctx, client.hints?.accept)).target;
}

function serve(route: Exclude<DeliveryRoute, { kind: 'video' }>, rawQuery: string, entry: AssetEntry, ctx: ServerContext, client: Client): Promise<Reply> {
  switch (route.kind) {
    case 'metadata':
      return metadataReply(route.assetId, entry, ctx);
    case 'original':
      // A catalog that marks its images keeps their unmarked files to itself.
      if (entry.catalog.attributes.watermark !== '') throw forbidden('The asset\'s catalog marks its images (Watermark): its original is not served');
      return originalReply(entry, ctx);
    default:
      return imageReply(route, rawQuery, entry, ctx, client);
  }
}

/** The object path of a record in /is/image: `rootId/id`, or `id` in the default catalog. */
const pathOf = (entry: AssetEntry, recordId = entry.recordId) => [...(entry.catalog.rootId ? [entry.catalog.rootId] : []), ...recordId.split('/')];

/** The /is/image request a delivery URL of an image or a rendition stands for, and whether its format was chosen by Accept. */
async function translatedTarget(
  route: Extract<DeliveryRoute, { kind: 'image' | 'rendition' }>,
  rawQuery: string,
  entry: AssetEntry,
  ctx: ServerContext,
  accept: string | undefined,
): Promise<{ target: string; byAccept: boolean }> {
  const query = parseDeliveryQuery(rawQuery, route.experimental);
  const { catalog } = entry;
  let recordId = entry.recordId;
  if (query.smartcrop !== undefined) recordId = smartCropOf(entry, query.smartcrop);
  const preset = route.kind === 'rendition' ? presetOf(entry, ctx, route.rendition) : [];
  const convenience = route.kind === 'image' && route.format === undefined;
  // A rendition without an extension keeps its preset's format.
  const asked = (route.format ?? (convenience ? 'jpeg' : undefined)) as OutputFormat | undefined;
  // Only a JPEG or PNG may become WebP: the other formats' replies do not vary.
  const byAccept = (asked === 'jpeg' || asked === 'png-alpha') && !query.autoFormat && (query.preferWebp || convenience);
  const format = asked === undefined ? undefined : byAccept ? preferredWebp(accept, asked) : asked;
  const source = query.crop && !query.crop.percent ? await sourceSize(entry, ctx) : undefined;
  const commands = deliveryCommands(query, {
    format,
    negotiate: query.autoFormat,
    maxSize: catalog.attributes.maxSize,
    source,
    baseQuality: catalog.attributes.jpegQuality.quality,
    defaults: convenience ? CONVENIENCE : undefined,
  });
  const target = imageTargetOf(pathOf(entry, recordId), [...preset, ...commands]);
  // A RequestLock guards /is/image URLs against edits; this request is the server's own, checked by its
  // own rules (and token), so it carries the lock (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-request-locking).
  const locked = catalog.attributes.requestLock ? `${target}&${lockValue(target.slice(target.indexOf('?') + 1)).toString(16).padStart(4, '0')}` : target;
  return { target: locked, byAccept };
}

async function imageReply(route: Extract<DeliveryRoute, { kind: 'image' | 'rendition' }>, rawQuery: string, entry: AssetEntry, ctx: ServerContext, client: Client): Promise<Reply> {
  const { target, byAccept } = await translatedTarget(route, rawQuery, entry, ctx, client.hints?.accept);
  const reply = { ...(await handleImage(parseRequestTarget(target), ctx, client)), servedAs: target };
  return byAccept ? { ...reply, vary: [...new Set([...(reply.vary ?? []), 'Accept'])] } : reply;
}

/**
 * Each catalog's record ids by their lower case (the first of ids that differ in case only), made
 * once per catalog (a reload makes new ones): a walk of every record per request cost 9 ms of the
 * main thread for a catalog of 300,000 records, whatever the request.
 */
const idsByLowerCase = new WeakMap<AssetEntry['catalog'], Map<string, string>>();

function lowerCaseIds(catalog: AssetEntry['catalog']): Map<string, string> {
  let ids = idsByLowerCase.get(catalog);
  if (!ids) {
    ids = new Map();
    for (const id of catalog.records.keys()) if (!ids.has(id.toLowerCase())) ids.set(id.toLowerCase(), id);
    idsByLowerCase.set(catalog, ids);
  }
  return ids;
}

/** smartcrop=<name>: the record `<id>:<name>` (the asset:Crop records req=set reports), the name in any case. */
function smartCropOf(entry: AssetEntry, name: string): string {
  const exact = `${entry.recordId}:${name}`;
  if (entry.catalog.records.has(exact)) return exact;
  const id = lowerCaseIds(entry.catalog).get(exact.toLowerCase());
  if (id === undefined) throw notFound(`The asset has no smart crop named ${name}`);
  return id;
}

/** A rendition: a $preset$ macro of the asset's catalog (or the default catalog's), by name in any case. */
function presetOf(entry: AssetEntry, ctx: ServerContext, name: string) {
  const key = name.toLowerCase();
  if (!/^[a-z0-9._-]+$/.test(key) || !(entry.catalog.macros.has(key) || ctx.catalogs.defaultCatalog.macros.has(key))) {
    throw notFound(`No rendition is named ${name.slice(0, 80)}`);
  }
  return [{ name: `$${key}$`, value: undefined }];
}

async function sourceOf(entry: AssetEntry, ctx: ServerContext) {
  const object = resolveObject(pathOf(entry), ctx.catalogs, ctx.config.root);
  const account = accountOf(ctx.config);
  try {
    return { object, source: await ctx.sourceHeaders.of(object, sourceLimits(ctx.config), account) };
  } finally {
    ctx.metrics.account(account);
  }
}

async function sourceSize(entry: AssetEntry, ctx: ServerContext) {
  const { source } = await sourceOf(entry, ctx);
  return orientedSize(source.info, source.orientation);
}

/**
 * The original file as it is, with its catalog's image Expiration: streamed from disk, as the client
 * reads it, so its size costs neither memory nor main-thread time (no header walk, no MD5 of the body:
 * the ETag is the file's identity, as a static file server's).
 */
async function originalReply(entry: AssetEntry, ctx: ServerContext): Promise<Reply> {
  const object = resolveObject(pathOf(entry), ctx.catalogs, ctx.config.root);
  const { real, size, modified, identity, head } = await sourceHead(object, FORMAT_HEAD_BYTES);
  const spec = formatOf(head);
  if (!spec) throw forbidden('The asset\'s file is not an image Isle serves');
  const ttlHours = object.record?.expiration ?? entry.catalog.attributes.expiration;
  const etag = identityEtag(identity);
  return { body: new Uint8Array(0), file: { path: real, size }, etag, contentType: spec.mediaType, ttlHours, lastModified: modified };
}

/** Enough of a file to tell its format by (PICT's test reads 526 bytes). */
const FORMAT_HEAD_BYTES = 4096;

/**
 * The asset's metadata in the reference's two groups: `repositoryMetadata` (repo:name, repo:size,
 * repo:modifyDate, dc:format) and `assetMetadata` (the pixel size as tiff:ImageWidth and
 * tiff:ImageLength, after EXIF orientation, and dc:format).
 */
async function metadataReply(assetId: string, entry: AssetEntry, ctx: ServerContext): Promise<Reply> {
  const { object, source } = await sourceOf(entry, ctx);
  const { width, height } = orientedSize(source.info, source.orientation);
  // The size the file has on disk: reading it whole for its length would cost the file's bytes.
  const { size } = await statSource(object);
  const id = `urn:aaid:aem:${assetUuid(assetId)}`;
  const format = SOURCE_FORMATS[source.info.format].mediaType;
  const metadata = {
    assetId: id,
    repositoryMetadata: {
      'repo:assetId': id,
      'repo:name': basename(object.file),
      'repo:size': size,
      'repo:modifyDate': source.modified.toISOString(),
      'dc:format': format,
    },
    assetMetadata: { 'dc:format': format, 'tiff:ImageWidth': width, 'tiff:ImageLength': height },
  };
  return { body: JSON.stringify(metadata), contentType: 'application/json', ttlHours: entry.catalog.attributes.nonImgExpiration, lastModified: source.modified };
}

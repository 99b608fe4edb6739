import { orientedSize } from '../planning/layer.ts';
import { resolveLayerObject, type ResolvedObject } from '../catalog/resolve.ts';
import { forbidden, IsError } from '../protocol/errors.ts';
import { describeSet, setToXml, type MemberInfo, type SetNode } from '../protocol/media-set.ts';
import { propertyPairs } from '../protocol/properties.ts';
import { CONTENT_TYPES, errorText, formatReply } from '../protocol/reply-format.ts';
import { sniff } from '../planning/source-formats.ts';
import { extractXmp } from '../image/metadata.ts';
import type { ImageContext } from './prepare.ts';
import { log } from '../observe/log.ts';
import type { Reply } from './reply.ts';
import { readSourceFile, sourceVersion } from '../inputs/source.ts';
import { sourceLimits } from './job-files.ts';

/**
 * The requests Dynamic Media's viewers and AEM send: req=set, imageset,
 * targets, xmp, map, ctx and fvctx. The reply shapes are in docs/compatibility.md.
 */

/** The object as the viewers name it: `rootId/objId`. */
const nameOf = (object: ResolvedObject, id: string) => (object.catalog.rootId ? `${object.catalog.rootId}/${id}` : id);

/** What a set member is: its size after EXIF orientation, version, UserData, and its own set. */
async function memberInfo(image: ImageContext, id: string): Promise<MemberInfo> {
  const { ctx, object: main } = image;
  const object = resolveLayerObject(id, main.catalog, ctx.catalogs, ctx.config.root);
  const recordId = object.record?.id ?? id;
  const info: MemberInfo = {
    name: object.record ? nameOf(object, recordId) : id,
    width: 0,
    height: 0,
    version: '',
    userData: Object.fromEntries(propertyPairs(object.record?.userData ?? '')),
    imageSet: object.record?.imageSet || undefined,
    assetType: object.record?.assetType || undefined,
  };
  if (info.imageSet) return info;
  // The header as the renders read it (cached by the file's identity), and its version from that identity.
  const holder = ctx.sourceReads.holder();
  try {
    const source = await ctx.sourceHeaders.of(object, sourceLimits(ctx.config), image.account, holder);
    const { width, height } = orientedSize(source.info, source.orientation);
    return { ...info, width, height, version: sourceVersion([source.identity]) };
  } finally {
    holder.release();
  }
}

/**
 * A member of a set, or undefined when it cannot be read (missing, not an image, too large): the set
 * lists the others, so one bad asset does not blank a product viewer (docs/compatibility.md). The
 * path object itself is not a member: its error stays the reply's.
 */
async function readableMember(image: ImageContext, id: string): Promise<MemberInfo | undefined> {
  try {
    return await memberInfo(image, id);
  } catch (err) {
    if (!(err instanceof IsError)) throw err;
    log.warn({ object: image.objectPath, member: id, reason: err.message }, 'req=set: a member that cannot be read is left out');
    return undefined;
  }
}

/** The smart crops of a record (records `<id>:<name>`), as AEM reads them: `set.relation[].userdata`. */
function relations(image: ImageContext): SetNode[] {
  const { record, catalog } = image.object;
  if (!record) return [];
  return [...catalog.records.values()]
    .filter((r) => r.id.startsWith(`${record.id}:`))
    .map((r) => ({ n: nameOf(image.object, r.id), userdata: Object.fromEntries(propertyPairs(r.userData)) }));
}

/** JSONP of a tree, with the request's handler and id echoed (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/response-data/properties/r-json-properties). */
function jsonp(image: ImageContext, value: unknown): string {
  const json = JSON.stringify(value).replace(/</g, '\\u003c');
  return `/*jsonp*/${image.format.handler}(${json},${JSON.stringify(image.format.requestId).replace(/</g, '\\u003c')});`;
}

/**
 * A viewer request's error in JSON form: 200 and `s7jsonError({"message":…},"<id>")`, the callback
 * the viewer SDK defines; a script that answered 403 would only fire the browser's onerror
 * (docs/compatibility.md). Other formats keep the 403.
 */
export function viewerError(image: ImageContext, err: IsError): Reply {
  const json = JSON.stringify({ message: errorText(err.message) }).replace(/</g, '\\u003c');
  return { body: `/*jsonp*/s7jsonError(${json},${JSON.stringify(image.format.requestId).replace(/</g, '\\u003c')});`, contentType: CONTENT_TYPES.json };
}

/** req=set: the media set description of the path record, or of imageSet= (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-set). */
export async function setReply(image: ImageContext): Promise<Reply> {
  if (image.objectPath.includes(':')) throw forbidden('The colon character is not allowed in req=set requests');
  const { object, commands } = image;
  const given = commands.get('imageset');
  const imageSet = given !== undefined ? given.replace(/^\s*[{(]([\s\S]*)[})]\s*$/, '$1') : (object.record?.imageSet ?? '');
  const name = object.record ? nameOf(object, object.record.id) : image.objectPath;
  const set = await describeSet(name, imageSet, given !== undefined ? '' : (object.record?.assetType ?? ''), (id) => (id === name ? memberInfo(image, image.objectPath) : readableMember(image, id)), {
    labelKey: commands.get('labelkey'),
    relation: relations(image),
  });
  const ttlHours = object.catalog.attributes.nonImgExpiration;
  if (image.format.format === 'json') return { body: jsonp(image, { set }), contentType: CONTENT_TYPES.json, ttlHours };
  return { body: `<?xml version="1.0" encoding="UTF-8"?>\n${setToXml(set)}\n`, contentType: CONTENT_TYPES.xml, ttlHours };
}

/** req=imageset: the record's ImageSet as it is (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-imageset-req); `IMAGE_SET` in the property forms. */
export function imageSetReply(image: ImageContext): Reply {
  const value = image.object.record?.imageSet ?? '';
  const ttlHours = image.object.catalog.attributes.nonImgExpiration;
  if (image.format.format === 'text') return { body: `${value}\r\n`, contentType: CONTENT_TYPES.text, ttlHours };
  return { body: formatReply([['IMAGE_SET', value]], image.format), contentType: CONTENT_TYPES[image.format.format], ttlHours };
}

/** req=targets: the record's zoom targets (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-targets): text with `??` as line breaks, else property forms. */
export function targetsReply(image: ImageContext): Reply {
  const value = image.object.record?.targets ?? '';
  const ttlHours = image.object.catalog.attributes.expiration;
  if (image.format.format === 'text') return { body: `${value.split('??').join('\r\n')}\r\n`, contentType: CONTENT_TYPES.text, ttlHours };
  return { body: formatReply(propertyPairs(value), image.format), contentType: CONTENT_TYPES[image.format.format], ttlHours };
}

const EMPTY_XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>';

/** req=xmp: the XMP packet of the path image, or an empty one (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-xmp). */
export async function xmpReply(image: ImageContext): Promise<Reply> {
  const holder = image.ctx.sourceReads.holder();
  try {
    const { bytes } = await readSourceFile(image.object, image.account, holder);
    sniff(bytes, image.account);
    return { body: extractXmp(bytes) ?? EMPTY_XMP, contentType: CONTENT_TYPES.xml, ttlHours: image.object.catalog.attributes.expiration };
  } finally {
    holder.release();
  }
}

/** The AREA elements of an image map as objects (the legacy viewers' `req=map,json`). */
function areas(map: string): Record<string, string>[] {
  return [...map.matchAll(/<area\b([^>]*)>/gi)].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([a-z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((a) => [a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? ''])),
  );
}

/** req=map: the record's image map as it is (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-map-req), or its areas as a JSON array. */
export function mapReply(image: ImageContext): Reply {
  const map = image.object.record?.map ?? '';
  const ttlHours = image.object.catalog.attributes.nonImgExpiration;
  if (image.format.format === 'json') return { body: jsonp(image, areas(map)), contentType: CONTENT_TYPES.json, ttlHours };
  if (image.format.format === 'xml') {
    const xml = areas(map).map((a) => `<area${Object.entries(a).map(([k, v]) => ` ${k}="${v.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}"`).join('')}/>`).join('');
    return { body: `<?xml version="1.0" encoding="UTF-8"?>\n<map>${xml}</map>\n`, contentType: CONTENT_TYPES.xml, ttlHours };
  }
  return { body: map, contentType: CONTENT_TYPES.text, ttlHours };
}

/** req=fvctx (Flash-era viewers, undocumented): `<fset iv dx dy><i n/></fset>`. */
export async function fvctxReply(image: ImageContext): Promise<Reply> {
  const info = await memberInfo(image, image.objectPath);
  const xml = setToXml({ iv: info.version, dx: String(info.width), dy: String(info.height), i: { n: info.name } }, 'fset');
  return { body: `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`, contentType: CONTENT_TYPES.xml, ttlHours: image.object.catalog.attributes.nonImgExpiration };
}

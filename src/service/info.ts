import { orientedSize } from '../planning/layer.ts';
import { catalogOfPath } from '../catalog/resolve.ts';
import { stat } from 'node:fs/promises';
import { admitClient } from '../protocol/addresses.ts';
import { toHex } from '../protocol/color.ts';
import { formatModifiers } from '../protocol/expand.ts';
import { propertyPairs, userDataText } from '../protocol/properties.ts';
import { parseProfile, profileDescription } from '../image/icc.ts';
import { extractIcc, sourceDensity } from '../image/metadata.ts';
import { CONTENT_TYPES, formatOptionsOf, formatReply } from '../protocol/reply-format.ts';
import { FORMATS, keepsAlpha } from '../protocol/formats.ts';
import type { ParsedUrl } from '../protocol/url.ts';
import { pixelType, sniff } from '../planning/source-formats.ts';
import type { SourceInfo } from '../planning/sniff.ts';
import type { Client, ServerContext } from './context.ts';
import { inflateBudgetOf, interpret, prepare, type ImageContext } from './prepare.ts';
import { log } from '../observe/log.ts';
import type { Reply } from './reply.ts';
import { RenderCache } from './render-cache.ts';
import { readOrientation, readSource, statSource } from '../inputs/source.ts';

/** The property and text requests (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-req): everything of /is/image that is not an image. */

type Entries = [string, string | number][];

function properties(image: ImageContext, entries: Entries, ttlHours?: number): Reply {
  return { body: formatReply(entries, image.format), contentType: CONTENT_TYPES[image.format.format], ttlHours };
}

/** req=resolve: the request after catalog lookup, Modifier/PostModifier, macros and variables. */
export function resolveReply(image: ImageContext): Reply {
  return { body: `${image.objectPath}?${formatModifiers(image.modifiers)}\n`, contentType: CONTENT_TYPES.text };
}

/** req=validate: parses the request as req=img would; the standard error if that fails. */
export function validateReply(image: ImageContext): Reply {
  interpret(image);
  return properties(image, [['request.isValid', 1]]);
}

/**
 * req=props (and req=ctx): the reply image req=img would return, without rendering it; a view
 * larger than MaxPix is described too (the image request stays refused).
 */
export async function props(image: ImageContext): Promise<Reply> {
  const request = interpret(image);
  const prepared = await prepare({ ...request, kind: 'img' }, image, true);
  // Nothing is rendered or read: the files (and foreign bodies) are let go at once.
  prepared.release();
  const { plan, hasAlpha, output, inputs, version } = prepared;
  const attributes = image.object.catalog.attributes;
  const alpha = keepsAlpha(output.format);
  return properties(
    image,
    [
      ['image.bgc', toHex(request.view.background ?? attributes.background)],
      ['image.width', plan.output.width],
      ['image.height', plan.output.height],
      ['image.iccEmbed', 0],
      ['image.iccProfile', ''],
      // The reply's length when the render cache holds it; else it is not known (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-props: 0).
      ['image.length', image.ctx.cache.lengthOf(RenderCache.keyOf(plan, inputs))],
      ['image.mask', alpha && hasAlpha ? 1 : 0],
      ['image.pixTyp', output.gray ? 'BW' : output.cmyk ? 'CMYK' : 'RGB'],
      // Whether the reply holds paths (the source's are imageprops' embeddedPhotoshopPaths): Isle writes none yet.
      ['image.pathEmbed', 0],
      ['image.printRes', output.printRes ?? DEFAULT_PRINT_RES],
      ['image.quality', `${output.quality},${output.fullChroma ? 1 : 0}`],
      ['image.type', FORMATS[output.format].mime],
      ['image.version', version],
      ['image.xmpEmbed', 0],
      ['metadata.version', version],
      // req=ctx (the legacy DHTML zoom viewer) waits for image.rect besides req=props' fields.
      ...(image.type === 'ctx' ? ([['image.rect', `0,0,${plan.output.width},${plan.output.height}`]] as Entries) : []),
    ],
    attributes.nonImgExpiration,
  );
}

function iccName(bytes: Uint8Array, image: ImageContext): string {
  const icc = extractIcc(bytes, inflateBudgetOf(image));
  if (!icc) return '';
  try {
    return profileDescription(parseProfile(icc));
  } catch {
    return '';
  }
}

const PIXEL_TYPES = { rgb: 'RGB', cmyk: 'CMYK', gray: 'BW' } as const;
/**
 * The print resolution of a reply or source that declares none: what Isle's TIFF and PDF writers
 * write and what readers take a JPEG or PNG without a density to be (docs/compatibility.md).
 */
const DEFAULT_PRINT_RES = 72;

/** attribute::ThumbType's values 1, 2, 3. */
const THUMB_TYPES = ['crop', 'fit', 'texture'] as const;

/**
 * A source's pixel type. A PNG's is its IHDR colour type (byte 25): 0 and 4 are grey (4 with alpha),
 * 2, 3 and 6 colour (a palette is RGB; 6 is RGB with alpha, not CMYK); other formats by their components.
 */
function pixelTypeName(info: SourceInfo, bytes: Uint8Array): 'CMYK' | 'RGB' | 'BW' {
  if (info.format === 'png') return bytes[25] === 0 || bytes[25] === 4 ? 'BW' : 'RGB';
  return PIXEL_TYPES[pixelType(info)];
}

/** req=imageprops: the source image and its catalog record; the file's bytes held (--max-read-held) while they are read. */
export async function imageProps(image: ImageContext): Promise<Reply> {
  const holder = image.ctx.sourceReads.holder();
  try {
    return await sourcePropertiesOf(image, await readSource(image.object, image.account, holder));
  } finally {
    holder.release();
  }
}

async function sourcePropertiesOf(image: ImageContext, bytes: Uint8Array): Promise<Reply> {
  const { object } = image;
  const info = sniff(bytes, image.account);
  const orientation = await readOrientation(bytes);
  const { width, height } = orientedSize(info, orientation);
  const modified = await stat(object.file);
  const { attributes } = object.catalog;
  return properties(
    image,
    [
      ['image.anchor', object.record?.anchor ? `${object.record.anchor.x},${object.record.anchor.y}` : `${Math.floor(width / 2)},${Math.floor(height / 2)}`],
      ['image.expiration', object.catalog.attributes.expiration],
      ['image.width', width],
      ['image.height', height],
      // The embedded profile's description (the reference names the profile map's entry; Isle has no map yet).
      ['image.iccProfile', iccName(bytes, image)],
      ['image.embeddedIccProfile', info.hasIcc ? 1 : 0],
      ['image.embeddedPhotoshopPaths', info.paths ? 1 : 0],
      ['image.embeddedXmpData', info.hasXmp ? 1 : 0],
      // 1: associated (premultiplied) alpha, as a TIFF may store it; 2: not premultiplied, as PNG stores it.
      ['image.mask', info.hasAlpha ? (info.premultiplied ? 1 : 2) : 0],
      ['image.modifier', object.record?.modifier ?? ''],
      ['image.photoshopPathNames', info.paths?.map((p) => p.name).join(',') ?? ''],
      ['image.pixTyp', pixelTypeName(info, bytes)],
      ['image.postModifier', object.record?.postModifier ?? ''],
      ['image.printRes', info.dpi ?? sourceDensity(bytes) ?? DEFAULT_PRINT_RES],
      ['image.resolution', attributes.resolution],
      ['image.timeStamp', new Date(modified.mtimeMs).toUTCString()],
      // Isle reads no ThumbRes: texture thumbnails are placed unscaled, as if ThumbRes were Resolution.
      ['image.thumbRes', attributes.resolution],
      ['image.thumbType', THUMB_TYPES.indexOf(attributes.thumbnail.type) + 1],
      ['image.translatedId', object.record?.id ?? image.objectPath],
    ],
    attributes.nonImgExpiration,
  );
}

/** req=exists: whether the object is a catalog record or an existing file under its root. */
export async function exists(image: ImageContext): Promise<Reply> {
  const { object } = image;
  let found = object.record !== undefined;
  // The check renders make (statSource: the real path, symlinks followed, inside the real root),
  // so a file answers 1 exactly when it could be rendered.
  if (!found) found = await statSource(object).then(() => true, () => false);
  return properties(image, [['catalogRecord.exists', found ? 1 : 0]], object.catalog.attributes.nonImgExpiration);
}

/** req=userdata: the record's UserData, `??` separating its pairs. */
export function userData(image: ImageContext): Reply {
  const { object } = image;
  const data = object.record?.userData ?? '';
  const ttl = object.catalog.attributes.expiration;
  if (image.format.format === 'text') {
    return { body: userDataText(data), contentType: CONTENT_TYPES.text, ttlHours: ttl };
  }
  return properties(image, propertyPairs(data), ttl);
}

/** req=message: logs message= and answers an empty body. */
export function message(image: ImageContext): Reply {
  log.info({ message: (image.commands.get('message') ?? '').slice(0, 1000), object: image.objectPath }, 'req=message');
  return { body: '', contentType: CONTENT_TYPES.text };
}

/**
 * req=catalogprops: the attributes of the catalog named by the path (the default catalog without
 * one), as Adobe lists them
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-catalogprops).
 */
export function catalogProps(url: ParsedUrl, ctx: ServerContext, client: Client): Reply {
  const catalog = catalogOfPath(url.path, ctx.catalogs);
  const a = catalog.attributes;
  admitClient(a.clientFilter, client.address);
  const format = formatOptionsOf(url.modifiers);
  const entries: Entries = [
    ['catalog.bkgColor', toHex(a.background)],
    ['catalog.defaultExt', a.defaultExt],
    ['catalog.defaultPix', `${a.defaultSize.width},${a.defaultSize.height}`],
    ['catalog.expiration', a.expiration],
    ['catalog.defaultExpiration', a.defaultExpiration],
    ['catalog.nonImgExpiration', a.nonImgExpiration],
    ['catalog.jpegQuality', `${a.jpegQuality.quality},${a.jpegQuality.fullChroma ? 1 : 0}`],
    ['catalog.maxPix', `${a.maxSize.width},${a.maxSize.height}`],
    ['catalog.watermark', a.watermark],
  ];
  return { body: formatReply(entries, format), contentType: CONTENT_TYPES[format.format], ttlHours: a.nonImgExpiration, private: a.clientFilter !== undefined };
}

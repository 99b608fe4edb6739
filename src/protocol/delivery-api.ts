import { badRequest, notFound } from './errors.ts';
import type { Size } from './request.ts';
import type { Modifier } from './url.ts';

/**
 * Dynamic Media with OpenAPI's delivery URLs (https://experienceleague.adobe.com/en/docs/experience-manager-cloud-service/content/assets/dynamicmedia/dynamic-media-open-apis/deliver-assets-apis),
 * translated into the /is/image commands Isle already serves. Pure: a path and a query in, a route,
 * its parameters and the commands out. Every decision it takes is a row of docs/compatibility.md.
 */

/** The extensions `{format}` may take, and the /is/image format of each (transparency kept where the format has it). */
const DELIVERY_FORMATS: Readonly<Record<string, string>> = { jpg: 'jpeg', jpeg: 'jpeg', png: 'png-alpha', webp: 'webp-alpha', gif: 'gif', avif: 'avif-alpha' };

/** The convenience route's defaults (`/as/{seoName}` without an extension): JPEG or WebP by Accept, quality 65, width 1024. */
export const CONVENIENCE = { quality: 65, width: 1024 } as const;

export type DeliveryRoute =
  | { kind: 'image'; assetId: string; seoName: string; format?: string; experimental: boolean }
  | { kind: 'rendition'; assetId: string; rendition: string; seoName: string; format?: string; experimental: boolean }
  | { kind: 'original'; assetId: string; seoName: string }
  | { kind: 'metadata'; assetId: string }
  | { kind: 'video'; assetId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A bare UUID in lower case, else undefined. */
export function bareUuid(text: string): string | undefined {
  const lower = text.toLowerCase();
  return UUID.test(lower) ? lower : undefined;
}

/** The UUID of `urn:aaid:aem:<uuid>` or `dm-aid--<uuid>` (lower case), else undefined. */
export function assetUuid(id: string): string | undefined {
  const lower = id.toLowerCase();
  return bareUuid(lower.startsWith('urn:aaid:aem:') ? lower.slice(13) : lower.startsWith('dm-aid--') ? lower.slice(8) : '');
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('Malformed URL encoding in the path');
  }
}

/** `{seoName}.{format}`: the format of a known extension; an unknown one is a 400 naming those known. */
function formatOf(seoName: string, required: boolean): string | undefined {
  const dot = seoName.lastIndexOf('.');
  if (dot <= 0) {
    if (required) throw badRequest(`The name needs a format extension: ${Object.keys(DELIVERY_FORMATS).join(', ')}`);
    return undefined;
  }
  const ext = seoName.slice(dot + 1).toLowerCase();
  const format = DELIVERY_FORMATS[ext];
  if (!format) throw badRequest(`Unsupported format '${ext.slice(0, 20)}': the supported formats are ${Object.keys(DELIVERY_FORMATS).join(', ')}`);
  return format;
}

const unknownRoute = () => notFound('Unknown delivery route');

/**
 * The route of a path under /adobe/: `/adobe/assets/{assetId}/…`, the same under the experimental
 * prefix `/adobe/experimental/advancemodifiers-expires-YYYYMMDD/assets/…`, and the live sites'
 * `/adobe/dynamicmedia/deliver/{assetId}/{seoName}`. The asset id is checked for its form only.
 */
export function parseDeliveryPath(rawPath: string): DeliveryRoute {
  const segments = rawPath.split('/').filter((s) => s !== '').map(decoded);
  if (segments[0] !== 'adobe') throw unknownRoute();
  let rest = segments.slice(1);
  let experimental = false;
  if (rest[0] === 'experimental') {
    if (!/^advancemodifiers-expires-\d{8}$/.test(rest[1] ?? '')) throw unknownRoute();
    experimental = true;
    rest = rest.slice(2);
  }
  if (rest[0] === 'dynamicmedia' && rest[1] === 'deliver' && !experimental) {
    if (rest.length !== 4) throw unknownRoute();
    return { kind: 'image', assetId: checkedId(rest[2]!), seoName: rest[3]!, format: formatOf(rest[3]!, false), experimental };
  }
  if (rest[0] !== 'assets' || rest.length < 3) throw unknownRoute();
  const assetId = checkedId(rest[1]!);
  const tail = rest.slice(2);
  if (tail[0] === 'as' && tail.length === 2) return { kind: 'image', assetId, seoName: tail[1]!, format: formatOf(tail[1]!, false), experimental };
  if (tail[0] === 'original' && tail[1] === 'as' && tail.length === 3) return { kind: 'original', assetId, seoName: tail[2]! };
  if (tail[0] === 'renditions' && tail[2] === 'as' && tail.length === 4) {
    return { kind: 'rendition', assetId, rendition: tail[1]!, seoName: tail[3]!, format: formatOf(tail[3]!, false), experimental };
  }
  if (tail[0] === 'metadata' && tail.length === 1) return { kind: 'metadata', assetId };
  // The video player and the playback manifests: Isle serves no video.
  if (tail[0] === 'play' || tail[0]!.startsWith('manifest')) return { kind: 'video', assetId };
  throw unknownRoute();
}

function checkedId(id: string): string {
  if (!assetUuid(id)) throw notFound(`No asset has the id '${id.slice(0, 80)}': asset ids are urn:aaid:aem:<uuid> or dm-aid--<uuid>`);
  return id;
}

/** The query of an image or rendition route, each parameter checked; unknown names are ignored. */
export interface DeliveryQuery {
  rotate?: 90 | 180 | 270;
  /** x, y, width, height: pixels, or percentages of the (rotated) image when `percent`. */
  crop?: { x: number; y: number; width: number; height: number; percent: boolean };
  flip?: 'h' | 'v' | 'hv';
  width?: number;
  height?: number;
  quality?: number;
  preferWebp: boolean;
  smartcrop?: string;
  /** Experimental only. */
  dpr?: number;
  blur?: number;
  sharpen?: boolean;
  autoFormat: boolean;
  maxQuality?: number;
}

const integer = (value: string, name: string, min: number, max: number): number => {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

const real = (value: string, name: string, min: number, max: number, exclusiveMin = false): number => {
  const n = /^\d{1,9}(\.\d{1,9})?$|^\.\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max) || (exclusiveMin && n === min)) throw badRequest(`${name} must be a number ${exclusiveMin ? 'above' : 'from'} ${min} ${exclusiveMin ? 'and at most' : 'to'} ${max}`);
  return n;
};

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false };
const flag = (value: string, name: string): boolean => {
  const b = BOOLEANS[value.toLowerCase()];
  if (b === undefined) throw badRequest(`${name} must be true or false`);
  return b;
};

const FLIPS: Readonly<Record<string, 'h' | 'v' | 'hv'>> = { h: 'h', v: 'v', hv: 'hv' };

/** `x,y,w,h` in pixels, or `16.7p,0.0p,66.7p,100.0p` in percentages (wcm.io's form); not mixed. */
function parseCrop(value: string): NonNullable<DeliveryQuery['crop']> {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length !== 4) throw badRequest('crop must be x,y,width,height in pixels, or in percentages written 10.0p');
  const percent = parts.every((p) => /p$/i.test(p));
  if (!percent && parts.some((p) => /p$/i.test(p))) throw badRequest('crop must be all pixels or all percentages');
  const [x, y, w, h] = percent ? parts.map((p, i) => real(p.slice(0, -1), 'a crop percentage', 0, 100, i >= 2)) : parts.map((p, i) => integer(p, 'a crop value', i >= 2 ? 1 : 0, 1e9));
  if (percent && (x! + w! > 100 + 1e-9 || y! + h! > 100 + 1e-9)) throw badRequest('crop lies outside the image: x + width and y + height may be 100p at most');
  // Fractions are written to a millionth; a size that small would read as cropN's 0, "to the far edge".
  if (percent && (w! < 0.01 || h! < 0.01)) throw badRequest('a crop\'s width and height must be 0.01p at least');
  return { x: x!, y: y!, width: w!, height: h!, percent };
}

/** The experimental versions' extra parameters; the stable route ignores them as it does any unknown name. */
const EXPERIMENTAL = new Set(['dpr', 'blur', 'sharpen', 'auto-format', 'max-quality']);

/**
 * Reads the query. Each name's last occurrence wins; names are matched in any case; a known name with
 * a bad value is a 400; the order they come in changes nothing (the translation has its own).
 */
export function parseDeliveryQuery(rawQuery: string, experimental: boolean): DeliveryQuery {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQuery)) params.set(name.toLowerCase(), value.trim());
  const q: DeliveryQuery = { preferWebp: false, autoFormat: experimental };
  for (const [name, value] of params) {
    if (EXPERIMENTAL.has(name) && !experimental) continue;
    switch (name) {
      case 'rotate': {
        const r = integer(value, 'rotate', 0, 1e9);
        if (r !== 90 && r !== 180 && r !== 270) throw badRequest('rotate must be 90, 180 or 270');
        q.rotate = r;
        break;
      }
      case 'flip':
        q.flip = FLIPS[value.toLowerCase()] ?? badFlip();
        break;
      case 'crop':
        q.crop = parseCrop(value);
        break;
      case 'size': {
        const [w, h, ...more] = value.split(/[,x]/i);
        if (h === undefined || more.length > 0) throw badRequest('size must be width,height in pixels');
        q.width = integer(w!.trim(), 'size width', 1, 1e9);
        q.height = integer(h.trim(), 'size height', 1, 1e9);
        break;
      }
      case 'quality':
        q.quality = integer(value, 'quality', 1, 100);
        break;
      case 'preferwebp':
        q.preferWebp = flag(value, 'preferwebp');
        break;
      case 'smartcrop':
        if (!/^[\w.-]{1,100}$/.test(value)) throw badRequest('smartcrop must be the name of one of the asset\'s smart crops');
        q.smartcrop = value;
        break;
      case 'dpr':
        q.dpr = real(value, 'dpr', 0, 10, true);
        break;
      case 'blur':
        q.blur = real(value, 'blur', 0, 100);
        break;
      case 'sharpen':
        q.sharpen = flag(value, 'sharpen');
        break;
      case 'auto-format':
        q.autoFormat = flag(value, 'auto-format');
        break;
      case 'max-quality':
        q.maxQuality = integer(value, 'max-quality', 1, 100);
        break;
    }
  }
  // width and height come after size in the fixed order, so they replace its sides.
  if (params.has('width')) q.width = integer(params.get('width')!, 'width', 1, 1e9);
  if (params.has('height')) q.height = integer(params.get('height')!, 'height', 1, 1e9);
  if (q.crop && q.smartcrop) throw badRequest('crop and smartcrop cannot be combined: a smart crop is a crop of its own');
  return q;
}

function badFlip(): never {
  throw badRequest('flip must be h, v or hv');
}

/** What the service decided beside the query: the reply's format, the catalog's limits, the source's size. */
export interface TranslationInput {
  /** The /is/image fmt= value (the extension's, or the one the negotiation chose); none leaves a rendition's preset its own. */
  format?: string;
  /** auto-format: AVIF or WebP by Accept through smart imaging (bfc=on). */
  negotiate: boolean;
  /** The catalog's MaxPix (0,0: none): a width or height past it is a 400. */
  maxSize: Size;
  /** The source's size after EXIF orientation; needed for a pixel crop only. */
  source?: Size;
  /** The catalog's JPEG quality, which max-quality caps when the URL gives no quality. */
  baseQuality: number;
  /** The convenience route's defaults. */
  defaults?: { quality: number; width: number };
}

/** A rectangle given in the image turned by `degrees`, as fractions of the source (before the turn). */
function unturned(r: { x: number; y: number; w: number; h: number }, degrees: number) {
  if (degrees === 90) return { x: r.y, y: 1 - r.x - r.w, w: r.h, h: r.w };
  if (degrees === 180) return { x: 1 - r.x - r.w, y: 1 - r.y - r.h, w: r.w, h: r.h };
  if (degrees === 270) return { x: 1 - r.y - r.h, y: r.x, w: r.h, h: r.w };
  return r;
}

const fraction = (n: number) => String(Math.round(n * 1e6) / 1e6);

/**
 * The /is/image commands of a delivery query, in the API's fixed order: rotate, crop, flip, size,
 * preferwebp, height, width, quality, smartcrop (the smart crop is the object, chosen by the service).
 * Isle's own order is crop, scale, flip, rotate: so the crop, given in the turned image, is turned
 * back into the source, and after a quarter turn a mirror is the other one.
 */
export function deliveryCommands(q: DeliveryQuery, input: TranslationInput): Modifier[] {
  const out: Modifier[] = [];
  const add = (name: string, value: string) => out.push({ name, value });
  const degrees = q.rotate ?? 0;
  const quarter = degrees === 90 || degrees === 270;
  if (q.crop) {
    const c = q.crop;
    if (c.percent) {
      const r = unturned({ x: c.x / 100, y: c.y / 100, w: c.width / 100, h: c.height / 100 }, degrees);
      add('cropN', [r.x, r.y, r.w, r.h].map((v) => fraction(Math.max(0, v))).join(','));
    } else {
      if (!input.source) throw new Error('a pixel crop needs the source size');
      const turned = quarter ? { width: input.source.height, height: input.source.width } : input.source;
      if (c.x + c.width > turned.width || c.y + c.height > turned.height) {
        throw badRequest(`crop lies outside the ${turned.width}x${turned.height} image`);
      }
      const r = unturned({ x: c.x / turned.width, y: c.y / turned.height, w: c.width / turned.width, h: c.height / turned.height }, degrees);
      const { width: sw, height: sh } = input.source;
      add('crop', [Math.round(r.x * sw), Math.round(r.y * sh), Math.round(r.w * sw), Math.round(r.h * sh)].join(','));
    }
  }
  if (q.flip) add('flip', { h: quarter ? 'ud' : 'lr', v: quarter ? 'lr' : 'ud', hv: 'lrud' }[q.flip]);
  if (degrees) add('rotate', String(degrees));
  const { maxSize } = input;
  if (q.width !== undefined && maxSize.width > 0 && q.width > maxSize.width) throw badRequest(`width may be ${maxSize.width} at most`);
  // The convenience route's width, within the catalog's MaxPix: the client did not ask for it.
  const fallback = q.height === undefined ? input.defaults?.width : undefined;
  const width = q.width ?? (fallback !== undefined && maxSize.width > 0 ? Math.min(fallback, maxSize.width) : fallback);
  if (q.height !== undefined && maxSize.height > 0 && q.height > maxSize.height) throw badRequest(`height may be ${maxSize.height} at most`);
  if (width !== undefined) add('wid', String(width));
  if (q.height !== undefined) add('hei', String(q.height));
  // Both sides: the image fits inside them, its aspect kept and nothing padded.
  if (width !== undefined && q.height !== undefined) add('fit', 'constrain,1');
  if (q.dpr !== undefined) add('dpr', `on,${q.dpr}`);
  if (q.blur) add('op_blur', String(q.blur));
  if (q.sharpen) add('op_sharpen', '1');
  if (input.format !== undefined) add('fmt', input.format);
  const quality = q.quality ?? input.defaults?.quality ?? (q.maxQuality !== undefined ? input.baseQuality : undefined);
  if (quality !== undefined) add('qlt', String(Math.min(quality, q.maxQuality ?? 100)));
  // Explicit either way: a server or catalog that converts by default does not convert what this API asked not to.
  add('bfc', input.negotiate ? 'on' : 'off');
  return out;
}

/** The /is/image target of an object and its commands, as the playground shows it and the service serves it. */
export function imageTargetOf(path: readonly string[], commands: readonly Modifier[]): string {
  const query = commands.map((m) => (m.value === undefined ? m.name : `${m.name}=${encodeURIComponent(m.value).replace(/%2C/g, ',')}`)).join('&');
  return `/is/image/${path.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
}

import type { BlockList } from 'node:net';
import { parseColor, type Rgba } from '../protocol/color.ts';
import { parseAddressList } from '../protocol/addresses.ts';
import { IsError } from '../protocol/errors.ts';
import { parseFlag, parseInt32, parseReal, parts } from '../protocol/values.ts';
import type { Size } from '../protocol/request.ts';
import type { Modifier } from '../protocol/url.ts';
import type { Intent, Resampling } from '../protocol/request.ts';
import type { RuleSet } from './rule-set.ts';
import type { FontEntry } from './font-map.ts';

/** A catalog: attributes (inherited from default.ini) and its records by Id. */
export interface Catalog {
  /** attribute::RootId; '' for the default catalog. */
  rootId: string;
  attributes: CatalogAttributes;
  records: Map<string, CatalogRecord>;
  /** Static content records (StaticContentCatalogFile), served at /is/content. */
  staticRecords: Map<string, CatalogRecord>;
  /** Macros of this catalog's MacroFile by lower-cased name, already expanded. */
  macros: Map<string, Modifier[]>;
  /** attribute::RuleSetFile's rules (rule-set.ts); never inherited from the default catalog. */
  ruleSet?: RuleSet;
  /** attribute::FontMapFile's faces (font-map.ts); the default catalog's apply where these have no entry. */
  fonts: FontEntry[];
  /** attribute::IccProfileMapFile: profile paths (relative to RootPath) by lower-cased icc::Name (icc-map.ts). */
  iccProfiles: Map<string, string>;
}

export interface CatalogRecord {
  id: string;
  path: string;
  modifier: string;
  postModifier: string;
  /** catalog::UserData: property data, pairs separated by `??` or line breaks. */
  userData: string;
  /** catalog::Expiration in hours, when the record sets one (-2, the default, means the attribute's). */
  expiration?: number;
  /** catalog::ImageSet: the members of a set (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/image-svg-ref/image-data-reference/r-imageset-cat); '' for a plain image. */
  imageSet: string;
  /** catalog::AssetType: MEDIASET, SPINSET, IMAGESET, ...; '' leaves the set's type to be detected. */
  assetType: string;
  /** catalog::Targets: zoom targets as property data (`Target.1.rect=…??Target.1.label=…`). */
  targets: string;
  /** catalog::Map: an image map, HTML AREA elements. */
  map: string;
  /** catalog::MaskPath: the image whose alpha (or grey) masks this one in a layer; '' for none. */
  maskPath: string;
  /** catalog::Anchor: the default anchor of the image in a layer, in its pixels. */
  anchor?: { x: number; y: number };
  /** catalog::AssetId: the delivery API's asset id of the record (a UUID, or either id form), '' for none (catalog/asset-index.ts). */
  assetId: string;
}

export interface CatalogAttributes {
  rootPath: string;
  defaultExt: string;
  fullMatch: boolean;
  /** '' disables saveToFile. */
  savePath: string;
  maxSize: Size;
  defaultSize: Size;
  background: Rgba;
  jpegQuality: { quality: number; fullChroma: boolean };
  /** ClientAddressFilter; undefined when every client is allowed. */
  clientFilter?: BlockList;
  /** RequestLock: requests must end with the `&xxxx` lock. */
  requestLock: boolean;
  /** Client cache lifetimes in hours: images, property replies, default-image replies. */
  expiration: number;
  nonImgExpiration: number;
  defaultExpiration: number;
  /** ResMode: the resampling when resMode= is absent. */
  resampling: Resampling;
  /** DefaultImage (catalog ID or path) and DefaultImageMode: what stands in for a missing image. */
  defaultImage: string;
  defaultImageMode: 0 | 1;
  thumbnail: ThumbnailAttributes;
  /** ErrorImage: rendered (200) instead of a failed image request; '' disables it. */
  errorImage: string;
  /** ErrorDetail 0-3: below 2 an error says only that the request failed. */
  errorDetail: number;
  /** FormatAuto, BrowserFormatConversion, ClientHints: smart imaging; undefined leaves it to the server setting. */
  formatAuto?: boolean;
  browserFormatConversion?: boolean;
  clientHints?: boolean;
  /** IccProfileRgb: the reply's RGB space by name ('' sRGB); only the built-in names are known. */
  iccProfileRgb: string;
  /** IccProfileCmyk, IccProfileGray: the profile of CMYK and grey replies ('' none: naive CMYK, luma grey), by map name or path. */
  iccProfileCmyk: string;
  iccProfileGray: string;
  /** IccProfileSrcRgb, IccProfileSrcCmyk, IccProfileSrcGray: the profile of sources that embed none ('' none), by map name, built-in name or path. */
  iccProfileSrcRgb: string;
  iccProfileSrcCmyk: string;
  iccProfileSrcGray: string;
  /** IccRenderIntent: the intent when icc= gives none. */
  iccRenderIntent: Intent;
  /** IccBlackPointCompensation: black-point compensation when icc= gives no choice. */
  iccBlackPointCompensation: boolean;
  /** RootUrl: what a relative foreign source `src=(path)` is relative to; '' none. */
  rootUrl: string;
  /** AllowDirectUrls: absolute foreign sources `src=(http://…)` are allowed. */
  allowDirectUrls: boolean;
  /** ApplyEffectMask: outer effects are hidden under their layer's opaque parts. */
  applyEffectMask: boolean;
  /** Resolution: the catalog's base resolution, for res=. */
  resolution: number;
  /** UseLastModified: send Last-Modified (the source file's time) with image replies. */
  useLastModified: boolean;
  /** StaticContentRootPath: the root of /is/content files, below IS::RootPath. */
  staticRootPath: string;
  /** DefaultFont: the face of text that names no font (a font no map knows is a 403); '' for Isle's built-in Arial. */
  defaultFont: string;
  /** SynthesizeFontStyles: fake bold and italic where the font map has no such face (else 403). */
  synthesizeFontStyles: boolean;
  /** Watermark: the record laid over every image reply (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/attributes/r-watermark); '' none. */
  watermark: string;
  /** DeliveryTokenSecret: the delivery API's token/expiryTime are checked with it (protocol/delivery-token.ts); '' ignores them. */
  deliveryTokenSecret: string;
}

/** ThumbType, DefaultThumbPix, ThumbBkgColor, ThumbHorizAlign, ThumbVertAlign (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/notes-on-server-behavior/r-thumbnail-rules). */
export interface ThumbnailAttributes {
  type: 'crop' | 'fit' | 'texture';
  defaultSize: Size;
  background: Rgba;
  /** -1 left/top, 0 centre, 1 right/bottom. */
  align: { x: number; y: number };
}

/** Built-in values for attributes default.ini leaves out; each a decision of ours in docs/compatibility.md. */
const BUILT_IN_ATTRIBUTES: Readonly<Record<string, string>> = {
  rootpath: '',
  defaultext: '',
  fullmatch: '0',
  savepath: '',
  maxpix: '2000,2000',
  defaultpix: '400,400',
  bkgcolor: 'ffffff',
  jpegquality: '80,0',
  clientaddressfilter: '',
  requestlock: '0',
  expiration: '10',
  nonimgexpiration: '0.1',
  defaultexpiration: '1',
  resmode: '4',
  defaultimage: '',
  defaultimagemode: '0',
  thumbtype: '2',
  defaultthumbpix: '100,100',
  thumbbkgcolor: 'ffffff',
  thumbhorizalign: '2',
  thumbvertalign: '2',
  uselastmodified: '0',
  resolution: '72',
  errorimage: '',
  errordetail: '2',
  staticcontentrootpath: '',
  applyeffectmask: '1',
  iccrenderintent: '1',
  defaultfont: '',
  synthesizefontstyles: '1',
};

/** IccRenderIntent values (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/attributes/r-iccrenderintent). */
const INTENTS: readonly Intent[] = ['perceptual', 'relative', 'saturation', 'absolute'];

/** ResMode values: 1 sharp (deprecated), 2 bilin, 3 bicub, 4 sharp2. */
const RES_MODE_NUMBERS: Record<string, Resampling> = { '1': 'lanczos3', '2': 'bilinear', '3': 'bicubic', '4': 'lanczos3' };

/** Attributes whose empty value means "off" rather than "inherit" (SavePath, DefaultImage, ErrorImage, Watermark). */
const EMPTY_DISABLES = new Set(['savepath', 'defaultimage', 'errorimage', 'watermark']);

/** Inherits each attribute from default.ini when undefined or empty (for EMPTY_DISABLES: undefined only). */
export function inheritAttributes(own: Map<string, string>, inherited: Map<string, string>): Map<string, string> {
  const merged = new Map(inherited);
  for (const [name, value] of own) {
    if (value !== '' || EMPTY_DISABLES.has(name)) merged.set(name, value);
  }
  return merged;
}

export function typedAttributes(raw: Map<string, string>, file: string): CatalogAttributes {
  const get = (name: string) => raw.get(name) ?? BUILT_IN_ATTRIBUTES[name] ?? '';
  try {
    const size = (name: string, min: number): Size => {
      const [w, h] = parts(get(name), name, 2, 2).map((p) => parseInt32(p.trim(), name, min));
      return { width: w!, height: h! };
    };
    const [quality, chroma] = parts(get('jpegquality'), 'JpegQuality', 1, 2);
    const savePath = get('savepath');
    if (savePath.startsWith('/') || savePath.split(/[/\\]/).includes('..')) {
      throw new IsError(403, 'SavePath must be a relative folder inside SaveDirectory');
    }
    return {
      rootPath: get('rootpath'),
      defaultExt: get('defaultext'),
      fullMatch: parseFlag(get('fullmatch') || '0', 'FullMatch'),
      savePath,
      maxSize: size('maxpix', 0),
      defaultSize: size('defaultpix', 0),
      background: parseColor(get('bkgcolor'), 'BkgColor'),
      jpegQuality: {
        quality: parseInt32(quality, 'JpegQuality', 1, 100),
        fullChroma: chroma !== undefined && chroma !== '' && parseFlag(chroma, 'JpegQuality chroma'),
      },
      clientFilter: get('clientaddressfilter') ? parseAddressList(get('clientaddressfilter'), 'ClientAddressFilter') : undefined,
      requestLock: parseFlag(get('requestlock') || '0', 'RequestLock'),
      expiration: parseReal(get('expiration'), 'Expiration', -1, 1e6),
      nonImgExpiration: parseReal(get('nonimgexpiration'), 'NonImgExpiration', -1, 1e6),
      defaultExpiration: parseReal(get('defaultexpiration'), 'DefaultExpiration', -1, 1e6),
      resampling: resMode(get('resmode')),
      defaultImage: get('defaultimage'),
      defaultImageMode: parseFlag(get('defaultimagemode') || '0', 'DefaultImageMode') ? 1 : 0,
      errorImage: get('errorimage'),
      errorDetail: parseInt32(get('errordetail'), 'ErrorDetail', 0, 3),
      resolution: parseReal(get('resolution'), 'Resolution', 0, 1e6, true),
      useLastModified: parseFlag(get('uselastmodified') || '0', 'UseLastModified'),
      staticRootPath: get('staticcontentrootpath'),
      applyEffectMask: parseFlag(get('applyeffectmask') || '1', 'ApplyEffectMask'),
      defaultFont: get('defaultfont').trim(),
      synthesizeFontStyles: parseFlag(get('synthesizefontstyles') || '1', 'SynthesizeFontStyles'),
      watermark: get('watermark').trim(),
      deliveryTokenSecret: get('deliverytokensecret').trim(),
      rootUrl: rootUrlOf(get('rooturl')),
      iccProfileRgb: get('iccprofilergb').trim(),
      iccProfileSrcRgb: get('iccprofilesrcrgb').trim(),
      iccProfileSrcCmyk: get('iccprofilesrccmyk').trim(),
      iccProfileSrcGray: get('iccprofilesrcgray').trim(),
      iccProfileCmyk: get('iccprofilecmyk').trim(),
      iccProfileGray: get('iccprofilegray').trim(),
      iccRenderIntent: INTENTS[parseInt32(get('iccrenderintent'), 'IccRenderIntent', 0, 3)]!,
      iccBlackPointCompensation: parseFlag(get('iccblackpointcompensation') || '0', 'IccBlackPointCompensation'),
      allowDirectUrls: parseFlag(get('allowdirecturls') || '0', 'AllowDirectUrls'),
      formatAuto: optionalFlag(get('formatauto'), 'FormatAuto'),
      browserFormatConversion: optionalFlag(get('browserformatconversion'), 'BrowserFormatConversion'),
      clientHints: optionalFlag(get('clienthints'), 'ClientHints'),
      thumbnail: {
        type: (['crop', 'fit', 'texture'] as const)[parseInt32(get('thumbtype'), 'ThumbType', 1, 3) - 1]!,
        defaultSize: size('defaultthumbpix', 0),
        background: parseColor(get('thumbbkgcolor'), 'ThumbBkgColor'),
        align: {
          x: parseInt32(get('thumbhorizalign'), 'ThumbHorizAlign', 1, 3) - 2,
          y: parseInt32(get('thumbvertalign'), 'ThumbVertAlign', 1, 3) - 2,
        },
      },
    };
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** RootUrl must be an http or https URL; it is a prefix, so it ends with a slash. */
function rootUrlOf(value: string): string {
  const text = value.trim();
  if (text === '') return '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IsError(403, 'RootUrl must be an http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new IsError(403, 'RootUrl must be an http or https URL');
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

const optionalFlag = (value: string, name: string) => (value.trim() === '' ? undefined : parseFlag(value, name));

function resMode(value: string): Resampling {
  const mode = RES_MODE_NUMBERS[value.trim()];
  if (!mode) throw new IsError(403, 'ResMode must be 1, 2, 3 or 4');
  return mode;
}

/** catalog::Anchor `x,y`; an unreadable value is no anchor, as an unreadable Expiration is no expiration. */
function recordAnchor(value: string | undefined): { x: number; y: number } | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value ?? '');
  return m ? { x: Number(m[1]), y: Number(m[2]) } : undefined;
}

function recordExpiration(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const hours = Number(value);
  return Number.isFinite(hours) && hours >= -1 ? hours : undefined;
}

export function toRecord(id: string, fields: Map<string, string>): CatalogRecord {
  return {
    id,
    path: fields.get('path') ?? '',
    modifier: fields.get('modifier') ?? '',
    postModifier: fields.get('postmodifier') ?? '',
    userData: fields.get('userdata') ?? '',
    expiration: recordExpiration(fields.get('expiration')),
    imageSet: fields.get('imageset') ?? '',
    assetType: (fields.get('assettype') ?? '').trim().toUpperCase(),
    targets: fields.get('targets') ?? '',
    map: fields.get('map') ?? '',
    maskPath: fields.get('maskpath') ?? '',
    anchor: recordAnchor(fields.get('anchor')),
    assetId: (fields.get('assetid') ?? '').trim(),
  };
}

import type { Rgba } from './color.ts';
import type { OutputFormat } from './formats.ts';
import type { RgbSpaceName } from './icc-names.ts';
import type { ClipSpec } from './path-data.ts';

/** A request after parsing: plain descriptive names inside, protocol names only at the edge. */

export type FitMode = 'fit' | 'constrain' | 'crop' | 'wrap' | 'stretch' | 'hfit' | 'vfit';

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ViewSpec {
  /** wid= */
  width?: number;
  /** hei= */
  height?: number;
  /** scl=: the inverse scale factor (8 means one eighth). */
  inverseScale?: number;
  fit?: { mode: FitMode; upscale: boolean };
  /** align=: -1 (left/top) .. 1 (right/bottom). */
  align: { x: number; y: number };
  /** bgc= */
  background?: Rgba;
  /** rgn=: region of the composite that is fitted into the view. */
  region?: Rect;
  /** rect=: tile of the final view image, with an optional extra scale. */
  tile?: Rect & { scale: number };
  /** dpr=on,value: multiplies the requested size; capped at MaxPix, not refused. */
  devicePixelRatio?: number;
  /** dpr=on without a value: the ratio comes from the client's hints, when they are on. */
  pixelRatioFromClient?: boolean;
}

export interface OutputSpec {
  format: OutputFormat;
  /** The reply's pixel type (fmt=…,gray or …,cmyk, or the type of icc='s profile); RGB when neither. */
  gray: boolean;
  cmyk: boolean;
  /** qlt= quality, 1..100 */
  quality: number;
  /** qlt= chroma flag: 1 disables chroma subsampling (4:4:4). */
  fullChroma: boolean;
  /** fmt=webp,,lossless, fmt=avif,,lossless and fmt=jpeg2000,,lossless */
  lossless: boolean;
  /** fmt=pdf compression: none (raw samples), zip (Flate) or jpeg (DCT). */
  pdfCompression: 'none' | 'zip' | 'jpeg';
  /** fmt=tif's compression, named as the TIFF writer's table names them (`zip` is Deflate). */
  tiffCompression: 'none' | 'deflate' | 'lzw' | 'jpeg';
  /** jpegSize= in KiB: the JPEG quality is lowered until the file fits. */
  maxKilobytes?: number;
  /** printRes= in dpi, written as the output's density (JPEG and PNG). */
  printRes?: number;
  /** iccEmbed=1: carry the source's ICC profile into JPEG and PNG output. */
  embedIcc: boolean;
  /** The server's png-level setting (zlib level 0-9), added when the plan is made. */
  pngLevel?: number;
  /**
   * fmt=auto: the format is picked from the browser's Accept; bfc=on: a JPEG or PNG reply may become
   * AVIF or WebP the same way (protocol/negotiate.ts).
   */
  negotiate?: 'auto' | 'convert';
  /**
   * icc=profile[,intent[,bpc[,dither]]], or the catalog's attribute::IccProfile* for the pixel
   * type: the reply's RGB space (sRGB without), or `profile`, a name of the catalog's ICC profile
   * map (or, from an attribute, a path) for the service to find (which file holds it, and what
   * kind of profile it is, are the service's: planning/delivery.ts).
   */
  icc?: { space: RgbSpaceName; intent: Intent; bpc: boolean; explicit: boolean; profile?: string };
  /** quantize=: the palette of png8 and gif output. */
  quantize: { type: 'adaptive' | 'web'; dither: boolean; colors: number; colorList?: [number, number, number][] };
}

interface SaveSpec {
  /** name=, still as the client wrote it; checked by the save-path resolver. */
  name: string;
  /** timeout= in ms, if given. */
  timeoutMs?: number;
}

/** ICC rendering intents (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-icc). */
export type Intent = 'perceptual' | 'relative' | 'saturation' | 'absolute';

/** resMode=: bilin, bicub, sharp2 (and the deprecated sharp), bisharp; trilin seen in the wild. */
export type Resampling = 'bilinear' | 'bicubic' | 'lanczos3' | 'bicubicSharper';

/** crop= in source pixels, or cropN= as fractions of the source size. */
export interface CropSpec extends Rect {
  normalized: boolean;
}

/** Layer 0's transforms besides crop: size=/scale=, flip=, rotate=, extend=. */
export interface LayerSpec {
  /** size=w,h: scale to fit within; 0 leaves a side unconstrained. Wins over scale=. */
  size?: { width: number; height: number };
  /** scale=: factor relative to the full-resolution source. */
  scale?: number;
  flip?: 'lr' | 'ud' | 'lrud';
  /** rotate= in degrees, clockwise. */
  rotate?: number;
  /** opac=o[,fill]: the layer's opacity, 0..1 (o * fill / 100 %). */
  opacity?: number;
  /** opac=o,fill with fill below 100: o alone, which is all its effect layers take from it. */
  effectOpacity?: number;
  /** bgColor=: the layer's background, under its transparent parts (crop/rotate/extend padding). */
  background?: Rgba;
  /** extend= in pixels or extendN= as fractions of the layer after its transforms; negative values crop. */
  extend?: { left: number; top: number; right: number; bottom: number; normalized: boolean };
  resampling: Resampling;
}

/** The colour filters, kept in request order. */
export type ColorOp =
  | { op: 'brightness' | 'contrast' | 'saturation'; value: number }
  | { op: 'hue'; degrees: number }
  | { op: 'balance'; rgb: [number, number, number] }
  | { op: 'invert' }
  | { op: 'colorize'; color: Rgba; normalize: boolean; contrast: number }
  | { op: 'noise'; amount: number; gaussian: boolean; monochrome: boolean };

/** op_blur=, op_sharpen=, op_usm= / op_usmR=, and the colour filters: filters of the view image. */
export interface FilterSpec {
  color: ColorOp[];
  /** op_blur= radius in composite pixels. */
  blur?: number;
  sharpen: boolean;
  unsharp?: { amount: number; radius: number; threshold: number; monochrome: boolean; radiusScales: boolean };
}

/** What every image request shares. */
interface RenderRequest {
  /** Layer 0's crop, before the view (its first step). */
  crop?: CropSpec;
  resampling: Resampling;
  /** Present only when a layer transform besides crop was asked for. */
  layer?: LayerSpec;
  view: ViewSpec;
  filters: FilterSpec;
  output: OutputSpec;
  /**
   * A layered request's layers and the effects on comp; crop and layer above are then comp's own
   * (its flip and opacity), and view, filters and output apply to the composite.
   */
  layered?: { layers: LayerRequest[]; effects: EffectRequest[]; effectMask?: boolean; clip?: ClipSpec };
}

/**
 * A parsed image request, by kind: req=img, tmb (thumbnail rules), mask (the alpha channel as the
 * image), or saveToFile, which alone carries where and how long to save.
 */
export type ImageRequest =
  | (RenderRequest & { kind: 'img' | 'thumbnail' | 'mask' })
  | (RenderRequest & { kind: 'saveToFile'; save: SaveSpec });

/** Where a layer's pixels come from (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/layering-overview/c-layer-types). */
export type LayerSource =
  /** src= or mask= naming a catalog id or a path, as written. */
  | { kind: 'object'; name: string }
  /** is{…}: the nested request's text, path and query, still encoded. */
  | { kind: 'nested'; target: string }
  /** (url) or {url}: a foreign source, relative to RootUrl or absolute, as written. */
  | { kind: 'foreign'; url: string }
  /** Layer 0 without src=: the URL's path object. */
  | { kind: 'path' }
  /** color= without src=: a solid layer. */
  | { kind: 'solid' }
  /** Neither: a transparent layer of size= (a decision of ours, docs/compatibility.md). */
  | { kind: 'empty' }
  /** text= or textPs=: RTF (or plain text) laid out by the server (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/c-text-formatting). */
  | { kind: 'text'; text: TextSpec };

/** A text layer's string and textAttr=, textAngle= (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-text, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-textps, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-textattr). */
export interface TextSpec {
  form: 'text' | 'textps';
  rtf: string;
  /** Dots per inch: px = pt x resolution / 72. */
  resolution: number;
  antialias: boolean;
  /** text= only: fit the resolution to the box (autoRes), or lower it only to avoid clipping (maxRes). */
  resMode: 'fixed' | 'auto' | 'max';
  wrap: 'wrap' | 'nowrap' | 'nbwrap';
  /** textPs= only: clockwise degrees. */
  angle: number;
}

export type BlendMode = 'normal' | 'dissolve' | 'lighten' | 'darken' | 'multiply' | 'screen';
export type MaskUse = 'normal' | 'invert' | 'off';

/** A point given in pixels, or as fractions of a size (the N forms: from the centre, or of layer 0). */
export interface PointSpec {
  x: number;
  y: number;
  normalized: boolean;
}

/** An effect layer: a shadow or glow shaped from its parent's mask (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-layer-effects). */
export interface EffectRequest {
  /** Negative: outer, behind the parent; positive: inner, inside the parent's opaque area. */
  number: number;
  color: Rgba;
  /** opac=, 0..1. */
  opacity: number;
  /** op_grow= in pixels: dilates (or erodes) the mask. */
  grow: number;
  /** op_blur=: the Gaussian's sigma. */
  blur: number;
  /** op_noise=: noise added to the effect's mask, 0..100. */
  noise: number;
  /** pos=: offset from the parent. */
  offset: { x: number; y: number };
  blend: BlendMode;
  maskUse: MaskUse;
}

/** One layer of a composite, its commands typed. */
export interface LayerRequest {
  number: number;
  source: LayerSource;
  mask?: Exclude<LayerSource, { kind: 'path' | 'solid' | 'empty' | 'text' }>;
  maskUse: MaskUse;
  crop?: CropSpec;
  transform: LayerSpec;
  /** sizeN=, relative to layer 0's size; resolved when layer 0 is known. */
  relativeSize?: Size;
  /** color=: the solid colour, or the fill under an image layer's transparent parts. */
  color?: Rgba;
  filters: { color: ColorOp[]; blur?: number };
  blend: BlendMode;
  hidden: boolean;
  position?: PointSpec;
  origin?: PointSpec;
  anchor?: PointSpec;
  effects: EffectRequest[];
  /** clipPath=, clipPathE=, clipXPath=, clipXPathE=. */
  clip?: ClipSpec;
}

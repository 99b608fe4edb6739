import { forbidden } from '../protocol/errors.ts';
import type { Rgba } from '../protocol/color.ts';
import type { LayerSpec, Rect } from '../protocol/request.ts';
import type { Step } from './steps.ts';
import type { Size } from '../protocol/request.ts';
import type { Point } from '../protocol/path-data.ts';
import { mapPoint, mirror, scaling, then, translation, turn, type Affine } from './affine.ts';

/**
 * Layer 0's transforms in the reference's order: crop, scale (size= or scale=),
 * flip, rotate, extend. Pure: the source size in, the steps and the layer's size out. Areas outside
 * the source stay transparent; formats without alpha flatten them later.
 */
export interface LayerPlan {
  steps: Step[];
  size: Size;
  /** Where the tracked point (a composite layer's anchor) ended up, in the layer's pixels. */
  anchor?: Point;
  /** The source's pixels to the layer's, through every transform (embedded clip paths follow it). */
  toLayer: Affine;
  /** Whether padding made part of the layer transparent. */
  padded: boolean;
  /** The layer's scale relative to the source (size=/scale=). */
  scale: number;
}

const TRANSPARENT = { r: 0, g: 0, b: 0, a: 0 };

/**
 * What a layer of a composite adds to the single-image transforms: its own
 * filters after the scaling, color= under it before the rotation, and a point carried through every
 * transform. Its opacity is left to the compositor, except under a color= fill, which opac= does
 * not fade (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-opac).
 */
export interface CompositeLayerExtras {
  filters: Step[];
  fill?: Rgba;
  anchor?: Point;
  /**
   * The scale the composite is drawn at (composite-scale.ts): the layer's resize and extend= are
   * multiplied by it; `prescaled` inputs (solid and text layers) are already made at it.
   */
  drawScale?: number;
  prescaled?: boolean;
}

/** A window onto an image that may reach outside it: the inside part cropped, the rest padded. */
function region(size: Size, rect: Rect): { steps: Step[]; padded: boolean } {
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(size.width, rect.x + rect.width);
  const y1 = Math.min(size.height, rect.y + rect.height);
  const canvas = { width: rect.width, height: rect.height };
  if (x1 <= x0 || y1 <= y0) return { steps: [{ op: 'blank', canvas, background: TRANSPARENT }], padded: true };
  const steps: Step[] = [];
  if (x0 !== 0 || y0 !== 0 || x1 !== size.width || y1 !== size.height) {
    steps.push({ op: 'crop', rect: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } });
  }
  const padded = x1 - x0 !== rect.width || y1 - y0 !== rect.height;
  if (padded) steps.push({ op: 'extend', canvas, x: x0 - rect.x, y: y0 - rect.y, background: TRANSPARENT });
  return { steps, padded };
}

/** EXIF-style orientations for flip= (2 mirrors, 4 flips, 3 turns half way) and quarter turns clockwise. */
const FLIPS = { lr: 2, ud: 4, lrud: 3 } as const;
const TURNS = [1, 6, 3, 8] as const;

export function planLayer(layer: LayerSpec, source: Size, crop: Rect, extras?: CompositeLayerExtras): LayerPlan {
  const steps: Step[] = [];
  let padded = false;
  const cropped = region(source, crop);
  steps.push(...cropped.steps);
  padded ||= cropped.padded;
  let size = { width: crop.width, height: crop.height };
  let toLayer = translation(-crop.x, -crop.y);

  const scale = layer.size ? fitSize(size, layer.size) : (layer.scale ?? 1);
  const drawScale = extras?.drawScale ?? 1;
  const resizing = extras?.prescaled ? 1 : scale * drawScale;
  if (resizing !== 1) {
    const scaled = { width: Math.max(1, Math.round(size.width * resizing)), height: Math.max(1, Math.round(size.height * resizing)) };
    toLayer = then(toLayer, scaling(scaled.width / size.width, scaled.height / size.height));
    size = scaled;
    steps.push({ op: 'resize', width: size.width, height: size.height, premultiply: true, filter: layer.resampling });
  }
  if (extras) steps.push(...extras.filters);
  if (layer.flip) {
    steps.push({ op: 'orient', orientation: FLIPS[layer.flip] });
    toLayer = then(toLayer, mirror(size, layer.flip !== 'ud', layer.flip !== 'lr'));
  }
  if (extras?.fill) {
    if (layer.opacity !== undefined && layer.opacity < 1) steps.push({ op: 'opacity', factor: layer.opacity });
    steps.push({ op: 'underlay', background: extras.fill });
  }
  const degrees = (((layer.rotate ?? 0) % 360) + 360) % 360;
  if (degrees % 90 !== 0) {
    // Any other angle: resampled, on a canvas that grows; the corners are transparent.
    steps.push({ op: 'rotate', degrees });
    const turned = rotatedSize(size, degrees);
    toLayer = then(toLayer, turn(size, turned, degrees));
    size = turned;
    padded = true;
  }
  const turns = degrees % 90 === 0 ? degrees / 90 : 0;
  if (turns > 0) {
    steps.push({ op: 'orient', orientation: TURNS[turns]! });
    const turned = turns % 2 === 1 ? { width: size.height, height: size.width } : size;
    toLayer = then(toLayer, turn(size, turned, degrees));
    size = turned;
  }
  if (layer.extend) {
    const e = layer.extend;
    const [left, top, right, bottom] = e.normalized
      ? [e.left * size.width, e.top * size.height, e.right * size.width, e.bottom * size.height].map(Math.round)
      : [e.left, e.top, e.right, e.bottom].map((v) => (drawScale === 1 ? v : Math.round(v * drawScale)));
    const rect = { x: -left!, y: -top!, width: size.width + left! + right!, height: size.height + top! + bottom! };
    if (rect.width < 1 || rect.height < 1) throw forbidden('extend= would leave nothing of the layer');
    const extended = region(size, rect);
    steps.push(...extended.steps);
    padded ||= extended.padded;
    size = { width: rect.width, height: rect.height };
    toLayer = then(toLayer, translation(left!, top!));
  }
  // opac= then bgColor= (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-bgcolor: the background comes after opacity, rotation, extension).
  if (!extras && layer.opacity !== undefined && layer.opacity < 1) {
    steps.push({ op: 'opacity', factor: layer.opacity });
    padded = true;
  }
  if (layer.background) {
    steps.push({ op: 'underlay', background: layer.background });
    padded &&= layer.background.a < 255;
  }
  return { steps, size, padded, scale, toLayer, ...(extras?.anchor ? { anchor: mapPoint(toLayer, extras.anchor) } : {}) };
}

/** size=w,h: the largest scale that keeps the layer within w x h (0 leaves a side free). */
function fitSize(size: Size, limit: Size): number {
  const sx = limit.width > 0 ? limit.width / size.width : Infinity;
  const sy = limit.height > 0 ? limit.height / size.height : Infinity;
  const s = Math.min(sx, sy);
  return Number.isFinite(s) ? s : 1;
}

/** A stored image's size as shown: EXIF orientations 5-8 turn it a quarter, which swaps its sides. */
export const orientedSize = (size: Size, orientation: number): Size => (orientation >= 5 ? { width: size.height, height: size.width } : { width: size.width, height: size.height });

/** The canvas a rotation by any angle needs to hold the whole turned image. */
export function rotatedSize(size: { width: number; height: number }, degrees: number): { width: number; height: number } {
  const r = (degrees * Math.PI) / 180;
  const c = Math.abs(Math.cos(r));
  const s = Math.abs(Math.sin(r));
  // The epsilon keeps exact products (e.g. 100 * cos 60) from ceiling one pixel too far.
  return { width: Math.ceil(size.width * c + size.height * s - 1e-9), height: Math.ceil(size.width * s + size.height * c - 1e-9) };
}

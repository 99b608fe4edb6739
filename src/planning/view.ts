import { forbidden } from '../protocol/errors.ts';
import type { Rect, Size, ViewSpec } from '../protocol/request.ts';

/**
 * The sizing rules of the view transform: wid, hei, scl, fit, align, rgn, rect,
 * DefaultPix and MaxPix, in one place. Pure: numbers in, numbers out.
 */

export interface ViewLimits {
  /** attribute::DefaultPix; 0 leaves a side unconstrained. */
  defaultSize: Size;
  /** attribute::MaxPix; 0,0 means no limit. Undefined when the limit does not apply (saveToFile). */
  maxSize?: Size;
  /**
   * req=props: MaxPix caps dpr= as it does for the image, but a larger view is described, not
   * refused, since nothing is sent (r-rect's workflow asks a large view's size, then fetches strips).
   */
  describeOnly?: boolean;
  /** Whether wid+hei without fit= may enlarge (a decision of ours: docs/compatibility.md). */
  upscaleWithoutFit: boolean;
}

/**
 * Where the composite lands in the reply image: composite pixel (u, v) maps to canvas point
 * (offsetX + u * scaleX, offsetY + v * scaleY).
 */
export interface ViewLayout {
  canvas: Size;
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
  /**
   * rect=: the canvas is a window at (x, y) of a whole view image of width x height, whose pixels
   * the window must match exactly (plan.ts samples the view's span of the source for it).
   */
  window?: { x: number; y: number; width: number; height: number };
}

/** Round half up, never below 1: the reply always has at least one pixel. */
const px = (v: number) => Math.max(1, Math.floor(v + 0.5));

/**
 * dpr=on,v multiplies the requested size by v; where that passes MaxPix the largest factor that
 * fits is used instead, keeping the aspect ratio (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-dpr: capped, never an error).
 */
export function layoutView(spec: ViewSpec, composite: Size, limits: ViewLimits): ViewLayout {
  const ratio = spec.devicePixelRatio;
  if (ratio === undefined || ratio === 1) return layoutOnce(spec, composite, limits);
  const plain = layoutOnce({ ...spec, devicePixelRatio: undefined }, composite, { ...limits, maxSize: undefined });
  const max = limits.maxSize;
  let factor = ratio;
  if (max && max.width > 0) factor = Math.min(factor, max.width / plain.canvas.width);
  if (max && max.height > 0) factor = Math.min(factor, max.height / plain.canvas.height);
  const scaled = (v: number | undefined) => (v === undefined ? undefined : Math.max(1, Math.floor(v * factor + 0.5)));
  return layoutOnce(
    {
      ...spec,
      width: scaled(spec.width),
      height: scaled(spec.height),
      inverseScale: spec.inverseScale === undefined ? undefined : spec.inverseScale / factor,
    },
    composite,
    limits,
  );
}

function layoutOnce(spec: ViewSpec, composite: Size, limits: ViewLimits): ViewLayout {
  const region: Rect = spec.region ?? { x: 0, y: 0, width: composite.width, height: composite.height };
  const { width: rw, height: rh } = region;
  const { width: wid, height: hei } = spec;
  const ax = (spec.align.x + 1) / 2;
  const ay = (spec.align.y + 1) / 2;

  let canvas: Size;
  let sx: number;
  let sy: number;
  let alignX = ax;
  let alignY = ay;

  if (spec.inverseScale !== undefined) {
    sx = sy = 1 / spec.inverseScale;
    canvas = { width: wid ?? px(rw * sx), height: hei ?? px(rh * sy) };
  } else if (wid !== undefined && hei !== undefined) {
    const fit = spec.fit ?? { mode: 'fit' as const, upscale: limits.upscaleWithoutFit };
    const cap = (s: number) => (fit.upscale ? s : Math.min(s, 1));
    const fx = wid / rw;
    const fy = hei / rh;
    canvas = { width: wid, height: hei };
    switch (fit.mode) {
      case 'fit':
        sx = sy = cap(Math.min(fx, fy));
        break;
      case 'crop':
        sx = sy = cap(Math.max(fx, fy));
        break;
      case 'constrain':
        sx = sy = cap(Math.min(fx, fy));
        canvas = { width: px(rw * sx), height: px(rh * sy) };
        break;
      case 'wrap':
        sx = sy = cap(Math.max(fx, fy));
        canvas = { width: px(rw * sx), height: px(rh * sy) };
        break;
      case 'stretch':
        sx = cap(fx);
        sy = cap(fy);
        alignX = alignY = 0.5; // align is ignored for stretch
        break;
      case 'hfit':
        sx = sy = cap(fx);
        break;
      case 'vfit':
        sx = sy = cap(fy);
        break;
    }
  } else if (wid !== undefined || hei !== undefined) {
    // One side given: the other follows the aspect ratio; there is never a background fill.
    let s = wid !== undefined ? wid / rw : hei! / rh;
    if (spec.fit && !spec.fit.upscale && spec.fit.mode === 'constrain') s = Math.min(s, 1);
    sx = sy = s;
    canvas = { width: px(rw * s), height: px(rh * s) };
  } else {
    const { width: dw, height: dh } = limits.defaultSize;
    let s = 1;
    if ((dw > 0 && rw > dw) || (dh > 0 && rh > dh)) {
      s = Math.min(dw > 0 ? dw / rw : Infinity, dh > 0 ? dh / rh : Infinity);
    }
    sx = sy = s;
    canvas = { width: px(rw * s), height: px(rh * s) };
  }

  let layout: ViewLayout = {
    canvas,
    scaleX: sx,
    scaleY: sy,
    offsetX: (canvas.width - rw * sx) * alignX - region.x * sx,
    offsetY: (canvas.height - rh * sy) * alignY - region.y * sy,
  };
  if (spec.tile) layout = tileOf(layout, spec.tile);
  if (!limits.describeOnly) checkMaxSize(layout.canvas, limits.maxSize);
  return layout;
}

/** rect=: a window onto the (optionally rescaled) view image. */
function tileOf(view: ViewLayout, tile: Rect & { scale: number }): ViewLayout {
  const t = tile.scale;
  return {
    canvas: { width: tile.width, height: tile.height },
    scaleX: view.scaleX * t,
    scaleY: view.scaleY * t,
    offsetX: view.offsetX * t - tile.x,
    offsetY: view.offsetY * t - tile.y,
    window: { x: tile.x, y: tile.y, width: px(view.canvas.width * t), height: px(view.canvas.height * t) },
  };
}

function checkMaxSize(size: Size, max: Size | undefined): void {
  if (!max || (max.width === 0 && max.height === 0)) return;
  if ((max.width > 0 && size.width > max.width) || (max.height > 0 && size.height > max.height)) {
    throw forbidden(
      `The reply image (${size.width}x${size.height}) exceeds the size limit MaxPix=${max.width},${max.height}`,
    );
  }
}

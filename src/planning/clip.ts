import type { ClipPaths, ClipSpec, Subpath } from '../protocol/path-data.ts';
import { segmentCount } from '../protocol/path-data.ts';
import type { Rect, Size } from '../protocol/request.ts';
import { cubicPieces } from '../text/shapes.ts';
import { mapPoint, translation, type Affine } from './affine.ts';
import type { PhotoshopPath } from './photoshop-paths.ts';
import type { Step } from './steps.ts';

/**
 * clipPath=, clipPathE=, clipXPath= and clipXPathE= as a step on a finished layer
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-clippath):
 * every path flattened here into polygons in the layer's pixels, which the worker fills with the
 * text rasteriser (image/raster.ts) and multiplies into the layer's alpha. Explicit paths are in
 * the layer's pixels already; embedded ones are in the stored source's and follow the layer's
 * transforms (`toLayer`). A name the source does not hold is ignored.
 */
export type ClipStep = Extract<Step, { op: 'clip' }>;

/** The named paths of a source that it holds, in the order asked; the first of a name wins. */
const named = (names: readonly string[] | undefined, paths: readonly PhotoshopPath[] | undefined): Subpath[][] =>
  (names ?? []).flatMap((name) => {
    const found = paths?.find((p) => p.name === name);
    return found ? [found.subpaths] : [];
  });

/** Segments a clip fills (the request's account charges them): its explicit paths and the embedded ones it names and the source holds. */
export function clipSegments(clip: ClipSpec | undefined, paths: readonly PhotoshopPath[] | undefined): number {
  const of = (c: ClipPaths | undefined) => segmentCount(c?.explicit ?? []) + named(c?.names, paths).reduce((n, s) => n + segmentCount(s), 0);
  return of(clip?.keep) + of(clip?.cut);
}

/** Subpaths through `m` as closed polygons, flat [x0, y0, x1, y1, ...], each curve in at most MAX_CURVE_PIECES pieces. */
export function contoursOf(subpaths: readonly Subpath[], m: Affine): number[][] {
  return subpaths.map((s) => {
    let p = mapPoint(m, s.start);
    let prev = s.start;
    const out = [p.x, p.y];
    for (const seg of s.segments) {
      const c1 = mapPoint(m, seg.c1);
      const c2 = mapPoint(m, seg.c2);
      const end = mapPoint(m, seg.end);
      // A straight segment (its control points on its ends: explicit linetos, Photoshop's corners) is one edge.
      const straight = seg.c1.x === prev.x && seg.c1.y === prev.y && seg.c2.x === seg.end.x && seg.c2.y === seg.end.y;
      const n = straight ? 1 : cubicPieces(p.x, p.y, c1.x, c1.y, c2.x, c2.y, end.x, end.y);
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        const [a, b, c, d] = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
        out.push(a * p.x + b * c1.x + c * c2.x + d * end.x, a * p.y + b * c1.y + c * c2.y + d * end.y);
      }
      p = end;
      prev = seg.end;
    }
    return out;
  });
}

/** The whole pixels that hold every contour: a self-sizing layer's extent. */
export function boundsOf(contours: readonly number[][]): Rect {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const c of contours) {
    for (let i = 0; i < c.length; i += 2) {
      x0 = Math.min(x0, c[i]!);
      x1 = Math.max(x1, c[i]!);
      y0 = Math.min(y0, c[i + 1]!);
      y1 = Math.max(y1, c[i + 1]!);
    }
  }
  const x = Math.floor(x0);
  const y = Math.floor(y0);
  return { x, y, width: Math.max(1, Math.ceil(x1) - x), height: Math.max(1, Math.ceil(y1) - y) };
}

/**
 * The clip of a layer: each path (the explicit one, each embedded one found) a fill of contours;
 * undefined when nothing is left to clip with. `explicitOffset` moves explicit paths into the
 * layer (a self-sizing layer's top-left is its path's bounds' top-left).
 */
export function clipStep(clip: ClipSpec | undefined, paths: readonly PhotoshopPath[] | undefined, toLayer: Affine, explicitOffset = { x: 0, y: 0 }): ClipStep | undefined {
  if (!clip) return undefined;
  const shift = translation(explicitOffset.x, explicitOffset.y);
  const of = (c: ClipPaths | undefined) => [
    // Explicit data is filled non-zero, as SVG fills it; Photoshop's paths even-odd, as the renderers of its clipping paths do.
    ...(c?.explicit ? [{ contours: contoursOf(c.explicit, shift), evenOdd: false }] : []),
    ...named(c?.names, paths).map((s) => ({ contours: contoursOf(s, toLayer), evenOdd: true })),
  ];
  const keep = of(clip.keep);
  const cut = of(clip.cut);
  return keep.length + cut.length > 0 ? { op: 'clip', keep, cut } : undefined;
}

/**
 * A clip's work: each path's fill over the layer (the rasteriser's pass and the product), and each
 * edge once per row it crosses.
 */
export function clipWork(step: ClipStep, size: Size): number {
  let rows = 0;
  for (const path of [...step.keep, ...step.cut]) {
    for (const c of path.contours) {
      for (let i = 0; i < c.length; i += 2) {
        const j = (i + 2) % c.length;
        rows += Math.min(size.height, Math.abs(c[j + 1]! - c[i + 1]!)) + 1;
      }
    }
  }
  return (step.keep.length + step.cut.length) * size.width * size.height * 3 + rows;
}

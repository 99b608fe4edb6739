import type { ClipPaths, ClipSpec, Subpath } from '../protocol/path-data.ts';
import { segmentCount } from '../protocol/path-data.ts';
import type { Rect, Size } from '../protocol/request.ts';
import { cubicPieces, pushCubic } from '../text/shapes.ts';
import { IDENTITY, mapPoint, type Affine } from './affine.ts';
import type { PhotoshopPath } from './photoshop-paths.ts';
import type { Step } from './steps.ts';

/**
 * clipPath=, clipPathE=, clipXPath= and clipXPathE= as a step on a finished layer
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-clippath):
 * every path's cubics mapped here into the layer's pixels, which the worker flattens (`flatten`)
 * and fills with the text rasteriser (image/raster.ts), multiplied into the layer's alpha. The plan
 * carries six numbers a segment, whatever the flattening makes of it, and the main thread does no
 * flattening beyond a self-sizing layer's extent. Explicit paths are in the layer's pixels already;
 * embedded ones are in the stored source's and follow the layer's transforms (`toLayer`). A name
 * the source does not hold is ignored.
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

/** Subpaths through `m`, each flat: its start, then six numbers a cubic (two control points, its end). */
export function cubicsOf(subpaths: readonly Subpath[], m: Affine): number[][] {
  return subpaths.map((s) => {
    const start = mapPoint(m, s.start);
    const out = [start.x, start.y];
    for (const seg of s.segments) {
      for (const p of [seg.c1, seg.c2, seg.end]) {
        const q = mapPoint(m, p);
        out.push(q.x, q.y);
      }
    }
    return out;
  });
}

/** The pieces of the cubic at `i` of a flat subpath: a straight one (control points on its ends: linetos, Photoshop's corners) is one. */
const piecesAt = (c: readonly number[], i: number) =>
  c[i] === c[i - 2] && c[i + 1] === c[i - 1] && c[i + 2] === c[i + 4] && c[i + 3] === c[i + 5] ? 1 : cubicPieces(c[i - 2]!, c[i - 1]!, c[i]!, c[i + 1]!, c[i + 2]!, c[i + 3]!, c[i + 4]!, c[i + 5]!);

/** Flat subpaths of cubics as closed polygons, flat [x0, y0, x1, y1, ...], each cubic in at most MAX_CURVE_PIECES pieces. */
export function flatten(cubics: readonly number[][]): number[][] {
  return cubics.map((c) => {
    const out = [c[0]!, c[1]!];
    for (let i = 2; i + 6 <= c.length; i += 6) pushCubic(out, c[i - 2]!, c[i - 1]!, c[i]!, c[i + 1]!, c[i + 2]!, c[i + 3]!, c[i + 4]!, c[i + 5]!, piecesAt(c, i));
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
 * The clip of a layer: each path (the explicit one, each embedded one found) a fill of cubics;
 * undefined when nothing is left to clip with. `explicitTo` maps explicit paths into the layer as
 * drawn (a self-sizing layer's top-left is its path's bounds' top-left; a composite drawn at the
 * view's scale scales them), `toLayer` the embedded ones from the stored source.
 */
export function clipStep(clip: ClipSpec | undefined, paths: readonly PhotoshopPath[] | undefined, toLayer: Affine, explicitTo: Affine = IDENTITY): ClipStep | undefined {
  if (!clip) return undefined;
  const of = (c: ClipPaths | undefined) => [
    // Explicit data is filled non-zero, as SVG fills it; Photoshop's paths even-odd, as the renderers of its clipping paths do.
    ...(c?.explicit ? [{ cubics: cubicsOf(c.explicit, explicitTo), evenOdd: false }] : []),
    ...named(c?.names, paths).map((s) => ({ cubics: cubicsOf(s, toLayer), evenOdd: true })),
  ];
  const keep = of(clip.keep);
  const cut = of(clip.cut);
  return keep.length + cut.length > 0 ? { op: 'clip', keep, cut } : undefined;
}

/**
 * Bytes a pixel of a clipped image holds at the clip's peak (pipeline/steps/clip.ts, in place): the
 * image (4), the keep paths' shared coverage (4), the cut paths' (4), and the rasteriser's image
 * and accumulator for the path it fills (8); a plain step's two images are counted at 16.
 */
export const CLIP_BYTES = 20;

/**
 * A clip's work: each path's fill over the layer (the rasteriser's pass and the product), and each
 * cubic's edges once per row they cross: at most the rows its control points span (a cubic stays
 * within their hull), plus one a piece; and the closing edge's rows.
 */
export function clipWork(step: ClipStep, size: Size): number {
  let rows = 0;
  for (const path of [...step.keep, ...step.cut]) {
    for (const c of path.cubics) {
      for (let i = 2; i + 6 <= c.length; i += 6) {
        const ys = [c[i - 1]!, c[i + 1]!, c[i + 3]!, c[i + 5]!];
        rows += Math.min(size.height, Math.max(...ys) - Math.min(...ys)) + piecesAt(c, i);
      }
      rows += Math.min(size.height, Math.abs(c[1]! - c[c.length - 1]!)) + 1;
    }
  }
  return (step.keep.length + step.cut.length) * size.width * size.height * 3 + rows;
}

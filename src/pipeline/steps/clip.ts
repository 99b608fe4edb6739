import type { Pixels } from '../../image/pixels.ts';
import { rasterize } from '../../image/raster.ts';
import type { ClipFill } from '../../planning/steps.ts';
import { flatten } from '../../planning/clip.ts';

const OPAQUE = { r: 255, g: 255, b: 255, a: 255 };

/**
 * A layer clipped by paths (planning/clip.ts), flattened here, in place: what lies outside any keep path, or inside
 * every cut path, becomes transparent; edges are anti-aliased by the text rasteriser's coverage.
 */
export function clip(image: Pixels, keep: readonly ClipFill[], cut: readonly ClipFill[]): Pixels {
  const d = image.data;
  const kept = coverage(image, keep);
  const cutOut = coverage(image, cut);
  for (let i = 0, p = 3; p < d.length; i++, p += 4) {
    d[p] = d[p]! * (kept ? kept[i]! : 1) * (cutOut ? 1 - cutOut[i]! : 1);
  }
  return image;
}

/** The coverage the paths share (their intersection), 0 to 1 a pixel; undefined for no path. */
function coverage(image: Pixels, paths: readonly ClipFill[]): Float32Array | undefined {
  if (paths.length === 0) return undefined;
  const shared = new Float32Array(image.width * image.height).fill(1);
  for (const { cubics, evenOdd } of paths) {
    const filled = rasterize(image.width, image.height, [{ color: OPAQUE, contours: flatten(cubics), evenOdd }], true).data;
    for (let i = 0; i < shared.length; i++) shared[i] = shared[i]! * (filled[i * 4 + 3]! / 255);
  }
  return shared;
}

import type { Rect, Size } from '../protocol/request.ts';
import type { SinglePlan, SourcePlan, RegionRead } from './plan.ts';
import type { SourceInfo } from './sniff.ts';
import type { Step } from './steps.ts';
import { jpegRead } from './jpeg-region.ts';

/** Within this of a whole pixel, a level's sampling is taken as 1:1 (floating-point error of the scales). */
const WHOLE = 1e-6;

/**
 * The region of a level a scaled crop covers, grown to whole pixels: the same rule as shrink-on-load's
 * (shrink.ts), with each axis's own scale, since a pyramid's levels halve with rounding.
 */
function scaled(rect: Rect, sx: number, sy: number, level: Size): Rect {
  const x = Math.floor(rect.x * sx + WHOLE);
  const y = Math.floor(rect.y * sy + WHOLE);
  const right = Math.min(level.width, Math.ceil((rect.x + rect.width) * sx - WHOLE));
  const bottom = Math.min(level.height, Math.ceil((rect.y + rect.height) * sy - WHOLE));
  return { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y) };
}

const near = (a: number, b: number) => Math.abs(a - b) < WHOLE;

/**
 * A single image's plan made to read its source by region, a TIFF's (tiffRead) or a JPEG's
 * (jpeg-region.ts): the crop that starts its steps becomes the decoder's rect. Only when its steps
 * start at the crop or resize: a layer's own transforms need the whole image.
 */
export function planRegionRead(plan: SinglePlan, info: Pick<SourceInfo, 'format' | 'tiff'>): SinglePlan {
  const source = plan.layers[0].source;
  if (plan.layers[0].steps.length > 0) return plan;
  const planned = tiffRead(source, plan.steps, info) ?? jpegRead(source, plan.steps);
  return planned ? withRead(plan, planned.read, planned.steps) : plan;
}

/**
 * What a decode of `source` followed by `steps` reads of a TIFF, and the steps that follow the read:
 * the rect of the steps' first crop, and when a resize follows, of the smallest level of the pyramid
 * that still gives the view its pixels (the source span times the level's scale at least the output
 * size, shrink-on-load's rule), the resize sampling the same span of it. What the crop already holds
 * for the filters' reach (plan.ts's windows grow it by the resampler's taps) is read with it, so a
 * window's pixels are the whole view's. Undefined when the decode stays whole: not a TIFF, a page
 * that is not upright, a source shrunk on load, or steps that need the whole page at full size.
 */
export function tiffRead(source: SourcePlan, steps: Step[], info: Pick<SourceInfo, 'format' | 'tiff'>): { read: RegionRead; steps: Step[] } | undefined {
  if (info.format !== 'tiff' || !info.tiff || source.orientation !== 1 || source.shrink !== 1) return undefined;
  const levels = levelsOf(info.tiff, source.size);
  const [first, ...others] = steps;
  // A window that shows none of the image (rect= past its edge): one pixel of the smallest real level stands in.
  if (first?.op === 'blank') {
    const least = info.tiff.levels.at(-1)!;
    return { read: { directory: least.directory, size: { width: least.width, height: least.height }, rect: { x: 0, y: 0, width: 1, height: 1 } }, steps };
  }
  const cropped = first?.op === 'crop';
  const crop = cropped ? first.rect : { x: 0, y: 0, ...source.size };
  const rest = cropped ? others : steps;
  const resize = rest[0]?.op === 'resize' ? rest[0] : undefined;
  const span = resize?.region ?? { x: 0, y: 0, width: crop.width, height: crop.height };
  // The smallest level whose scale still gives the resize its output on both axes.
  const level = (resize && [...levels].reverse().find((l) => span.width * l.sx >= resize.width - WHOLE && span.height * l.sy >= resize.height - WHOLE)) || levels[0]!;
  if (level === levels[0]) return cropped ? { read: { directory: level.directory, size: source.size, rect: crop }, steps: rest } : undefined;
  const { sx, sy } = level;
  const size = { width: level.width, height: level.height };
  const shrink = level.shrink > 1 ? { shrink: level.shrink } : {};
  const rect = scaled(crop, sx, sy, size);
  const region = { x: (crop.x + span.x) * sx - rect.x, y: (crop.y + span.y) * sy - rect.y, width: span.width * sx, height: span.height * sy };
  const after = rest.slice(1);
  // A region of whole pixels the size of the output (a zoom tile at the level's own scale) is the
  // level's own pixels: that alone is read, without the reach a resampler would have needed.
  const whole = [region.x, region.y].every((v) => near(v, Math.round(v))) && near(region.width, resize!.width) && near(region.height, resize!.height);
  if (whole) {
    const exact = { x: rect.x + Math.round(region.x), y: rect.y + Math.round(region.y), width: resize!.width, height: resize!.height };
    return { read: { directory: level.directory, size, rect: exact, ...shrink }, steps: after };
  }
  // The view's box factor was the full page's; at the level the kernel picks its own.
  const { box: _box, ...resampled } = resize!;
  return { read: { directory: level.directory, size, rect, ...shrink }, steps: [{ ...resampled, region }, ...after] };
}

interface Level {
  directory: number;
  width: number;
  height: number;
  /** The level's scale of the full page on each axis. */
  sx: number;
  sy: number;
  /** A single-resolution page's tiles box-shrunk by this as decoded (1: a real level). */
  shrink: number;
}

/**
 * The pyramid's levels, largest first. Below each real level whose tiles can be shrunk as decoded
 * (its `shrink`), a level for each power of two up to that while it is larger than the next real
 * level: a single-resolution tiled page's reduced views, and views smaller than a pyramid's smallest
 * level (JPEG tiles shrunk by their decoder, 1/2 to 1/8, others box-shrunk). Each is made tile by
 * tile, so a reduced view's memory follows its output and not the level (its decode still reads every
 * tile of the region, which the request's account is charged).
 */
function levelsOf(tiff: NonNullable<SourceInfo['tiff']>, full: Size): Level[] {
  const levels: Level[] = [];
  tiff.levels.forEach((l, i) => {
    const sx = l.width / full.width;
    const sy = l.height / full.height;
    levels.push({ directory: l.directory, width: l.width, height: l.height, sx, sy, shrink: 1 });
    const next = tiff.levels[i + 1]?.width ?? 0;
    for (let f = 2; f <= l.shrink && Math.ceil(l.width / f) > next; f *= 2) {
      levels.push({ directory: l.directory, width: Math.ceil(l.width / f), height: Math.ceil(l.height / f), sx: sx / f, sy: sy / f, shrink: f });
    }
  });
  return levels;
}

function withRead(plan: SinglePlan, read: RegionRead, steps: Step[]): SinglePlan {
  const [zero, ...others] = plan.layers;
  return { ...plan, layers: [{ ...zero, source: { ...zero.source, read } }, ...others], steps, shrunk: steps };
}

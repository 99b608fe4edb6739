import type { Point, Segment, Subpath } from '../protocol/path-data.ts';
import { corrupt, viewOf, type Step } from './raster-header.ts';

/**
 * Photoshop's image resources (the 8BIM blocks of a PSD's resource section, JPEG's APP13 and
 * TIFF's tag 34377) and the paths among them: resources 2000 to 2997, each named, and 2999 naming
 * the clipping path. A path is records of 26 bytes: a subpath's length, then its knots, each a
 * control point before, the anchor, and a control point after, as fixed-point 8.24 fractions of
 * the image's height and width (Adobe's Photoshop File Formats Specification, "Path resource
 * format"). Here they become cubic segments in pixels of the stored image, for clipPathE= to fill.
 */

export interface PhotoshopPath {
  /** The resource's id, 2000 to 2997 (a work path is 1025). */
  id: number;
  name: string;
  subpaths: Subpath[];
}

export interface ImageResource {
  id: number;
  name: string;
  /** The resource's data within the file. */
  offset: number;
  length: number;
}

const SIGNATURES = new Set(['8BIM', 'MeSa', 'AgHg', 'PHUT', 'DCSR']);
const RECORD = 26;
const CLIPPING_PATH_NAME = 2999;

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

/**
 * The resource blocks between `start` and `end`; each step moves on at least 12 bytes, so the walk
 * is bounded by the section. A damaged block is a 403, or with `lenient` the end of the walk: in a
 * JPEG, TIFF or EPS the resources are metadata, and a file whose metadata a writer mangled still
 * renders (its paths before the damage kept).
 */
export function imageResources(b: Uint8Array, start: number, end: number, format: string, step: Step = () => {}, lenient = false): ImageResource[] {
  const view = viewOf(b);
  const found: ImageResource[] = [];
  const damaged = (what: string) => {
    if (!lenient) throw corrupt(format, what);
  };
  let at = start;
  while (at + 12 <= end) {
    step();
    if (!SIGNATURES.has(latin1(b.subarray(at, at + 4)))) {
      damaged('image resource without its signature');
      break;
    }
    const id = view.getUint16(at + 4);
    const nameLength = b[at + 6]!;
    const nameEnd = at + 6 + ((nameLength + 2) & ~1);
    const length = nameEnd + 4 <= end ? view.getUint32(nameEnd) : Infinity;
    const offset = nameEnd + 4;
    if (length > end - offset) {
      damaged('image resource runs past its section');
      break;
    }
    found.push({ id, name: latin1(b.subarray(at + 7, at + 7 + nameLength)), offset, length });
    at = offset + length + (length & 1);
  }
  return found;
}

const isPath = (id: number) => id >= 2000 && id <= 2997;

/** The paths among the resources, and the clipping path's name (resource 2999) if there is one; `step` is called for each record read. */
export function photoshopPaths(b: Uint8Array, resources: ImageResource[], width: number, height: number, step: Step = () => {}): { paths: PhotoshopPath[]; clippingPath?: string } {
  const paths = resources.filter((r) => isPath(r.id)).map((r) => ({ id: r.id, name: r.name, subpaths: parsePath(b.subarray(r.offset, r.offset + r.length), width, height, step) }));
  const clip = resources.find((r) => r.id === CLIPPING_PATH_NAME);
  const clippingPath = clip && clip.length > 0 ? latin1(b.subarray(clip.offset + 1, clip.offset + 1 + Math.min(b[clip.offset]!, clip.length - 1))) : undefined;
  return clippingPath === undefined ? { paths } : { paths, clippingPath };
}

/** One path resource's records as subpaths in pixels; records it does not know (fill rules, clipboard) are skipped. */
function parsePath(data: Uint8Array, width: number, height: number, step: Step): Subpath[] {
  const view = viewOf(data);
  const records = Math.floor(data.length / RECORD);
  const point = (at: number): Point => ({ x: (view.getInt32(at + 4) / 2 ** 24) * width, y: (view.getInt32(at) / 2 ** 24) * height });
  const subpaths: Subpath[] = [];
  for (let r = 0; r < records; r++) {
    step();
    const selector = view.getUint16(r * RECORD);
    if (selector !== 0 && selector !== 3) continue;
    const closed = selector === 0;
    // A count past the records left is cut to them: the knots that are there still make a path.
    const count = Math.min(view.getUint16(r * RECORD + 2), records - r - 1);
    const knots: { before: Point; anchor: Point; after: Point }[] = [];
    for (let k = 1; k <= count; k++) {
      step();
      const at = (r + k) * RECORD;
      const kind = view.getUint16(at);
      if (kind !== 1 && kind !== 2 && kind !== 4 && kind !== 5) break;
      knots.push({ before: point(at + 2), anchor: point(at + 10), after: point(at + 18) });
    }
    r += knots.length;
    if (knots.length === 0) continue;
    const segments: Segment[] = [];
    const last = closed ? knots.length : knots.length - 1;
    for (let k = 0; k < last; k++) {
      const next = knots[(k + 1) % knots.length]!;
      segments.push({ c1: knots[k]!.after, c2: next.before, end: next.anchor });
    }
    subpaths.push({ closed, start: knots[0]!.anchor, segments });
  }
  return subpaths;
}

/**
 * The paths of a block of image resources that another format carries (JPEG's APP13, TIFF's tag
 * 34377, EPS's %BeginPhotoshop): undefined where it holds none, so the header says nothing.
 */
export function embeddedPaths(b: Uint8Array, format: string, width: number, height: number, step: Step): PhotoshopPath[] | undefined {
  const { paths } = photoshopPaths(b, imageResources(b, 0, b.length, format, step, true), width, height, step);
  return paths.length > 0 ? paths : undefined;
}

import { forbidden } from './errors.ts';

/**
 * Paths as clipPath= and clipXPath= write them, and as Photoshop embeds them: subpaths of cubic
 * segments (a straight line is a cubic whose control points are its ends), always filled closed.
 * The explicit form is SVG's `d=` with commas between values (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-clippath):
 * M/m moveto, L/l lineto, C/c curveto, each taking any number of coordinate sets, and Z/z.
 */
export interface Point {
  x: number;
  y: number;
}

/** A cubic from the previous end (or the subpath's start) through two control points. */
export interface Segment {
  c1: Point;
  c2: Point;
  end: Point;
}

export interface Subpath {
  closed: boolean;
  start: Point;
  segments: Segment[];
}

/** What clipPath= (keep) or clipXPath= (cut) asks of a layer: explicit subpaths, and names of embedded paths, intersected. */
export interface ClipPaths {
  /** clipPath= / clipXPath=: in the layer's pixels. */
  explicit?: Subpath[];
  /** clipPathE= / clipXPathE=: Photoshop paths of the layer's source image, by name. */
  names?: string[];
}

export interface ClipSpec {
  keep?: ClipPaths;
  cut?: ClipPaths;
}

const line = (from: Point, to: Point): Segment => ({ c1: from, c2: to, end: to });

/** Segments of subpaths, the unit the request's account counts them in. */
export const segmentCount = (subpaths: readonly Subpath[]) => subpaths.reduce((n, s) => n + s.segments.length, 0);

/** The explicit path data of `what` (clipPath or clipXPath); anything outside its grammar is a 403 naming it. */
export function parsePathData(text: string, what: string): Subpath[] {
  const tokens = text.match(/[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[^\s,]/g) ?? [];
  const subpaths: Subpath[] = [];
  let current: Subpath | undefined;
  let point: Point = { x: 0, y: 0 };
  let i = 0;
  const number = (): number => {
    const t = tokens[i];
    if (t === undefined || /^[A-Za-z]$/.test(t)) throw forbidden(`${what}: a command lacks its coordinates`);
    const n = Number(t);
    if (!Number.isFinite(n) || Math.abs(n) > 1e7) throw forbidden(`${what}: ${t} is not a coordinate`);
    i++;
    return n;
  };
  const pair = (relative: boolean): Point => {
    const x = number();
    const y = number();
    return relative ? { x: point.x + x, y: point.y + y } : { x, y };
  };
  const more = () => i < tokens.length && !/^[A-Za-z]$/.test(tokens[i]!);
  const end = () => {
    if (current && current.segments.length > 0) subpaths.push(current);
    current = undefined;
  };
  while (i < tokens.length) {
    const command = tokens[i++]!;
    const relative = command === command.toLowerCase();
    switch (command.toUpperCase()) {
      case 'M': {
        // A relative moveto starts from the closed subpath's start or the open one's end (the current point either way).
        end();
        point = pair(relative);
        current = { closed: false, start: point, segments: [] };
        // Further pairs are linetos, as in SVG.
        while (more()) current.segments.push(line(point, (point = pair(relative))));
        break;
      }
      case 'L':
      case 'C': {
        if (!current) current = { closed: false, start: point, segments: [] };
        if (!more()) throw forbidden(`${what}: ${command} lacks its coordinates`);
        while (more()) {
          if (command.toUpperCase() === 'L') current.segments.push(line(point, (point = pair(relative))));
          else {
            const c1 = pair(relative);
            const c2 = pair(relative);
            const to = pair(relative);
            current.segments.push({ c1, c2, end: to });
            point = to;
          }
        }
        break;
      }
      case 'Z':
        if (current) {
          current.closed = true;
          point = current.start;
        }
        end();
        break;
      default:
        throw forbidden(`${what}: ${command} is not a path command (M, m, L, l, C, c, Z, z)`);
    }
  }
  end();
  if (subpaths.length === 0) throw forbidden(`${what}: the path has no segments`);
  return subpaths;
}

import type { Point } from '../protocol/path-data.ts';
import type { Size } from '../protocol/request.ts';

/**
 * A 2-D affine map [a, b, c, d, e, f]: x' = a x + c y + e, y' = b x + d y + f. A layer's transforms
 * (crop, scale, flip, rotate, extend) are each one, so a point of the source (an anchor, a path's
 * knots and control points: a cubic's image is the cubic of its points' images) follows them all.
 */
export type Affine = readonly [number, number, number, number, number, number];

export const IDENTITY: Affine = [1, 0, 0, 1, 0, 0];

export const translation = (dx: number, dy: number): Affine => [1, 0, 0, 1, dx, dy];
export const scaling = (sx: number, sy: number): Affine => [sx, 0, 0, sy, 0, 0];

/** `first`, then `next`. */
export const then = (first: Affine, next: Affine): Affine => {
  const [a, b, c, d, e, f] = first;
  const [A, B, C, D, E, F] = next;
  return [A * a + C * b, B * a + D * b, A * c + C * d, B * c + D * d, A * e + C * f + E, B * e + D * f + F];
};

export const mapPoint = (m: Affine, p: Point): Point => ({ x: m[0] * p.x + m[2] * p.y + m[4], y: m[1] * p.x + m[3] * p.y + m[5] });

/** A turn by `degrees` clockwise about the centre of `before`, onto the centre of the grown canvas `after`. */
export function turn(before: Size, after: Size, degrees: number): Affine {
  const r = (degrees * Math.PI) / 180;
  const cos = Math.cos(r);
  const sin = Math.sin(r);
  return then(then(translation(-before.width / 2, -before.height / 2), [cos, sin, -sin, cos, 0, 0]), translation(after.width / 2, after.height / 2));
}

/** A mirror of a `size` image: left to right, upside down, or both. */
export const mirror = (size: Size, lr: boolean, ud: boolean): Affine => [lr ? -1 : 1, 0, 0, ud ? -1 : 1, lr ? size.width : 0, ud ? size.height : 0];

/** EXIF orientation `o` of an image stored at `stored`: stored pixels to the upright image's. */
export function oriented(o: number, stored: Size): Affine {
  const { width: w, height: h } = stored;
  switch (o) {
    case 2: return [-1, 0, 0, 1, w, 0];
    case 3: return [-1, 0, 0, -1, w, h];
    case 4: return [1, 0, 0, -1, 0, h];
    case 5: return [0, 1, 1, 0, 0, 0];
    case 6: return [0, 1, -1, 0, h, 0];
    case 7: return [0, -1, -1, 0, h, w];
    case 8: return [0, -1, 1, 0, 0, w];
    default: return IDENTITY;
  }
}

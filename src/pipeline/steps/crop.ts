import type { Rect } from '../../protocol/request.ts';
import type { Pixels } from '../../image/pixels.ts';

/** Copies a rectangle that the planner has already clamped to the image. */
export function crop(image: Pixels, rect: Rect): Pixels {
  const { x, y, width, height } = rect;
  const out = new Uint8ClampedArray(width * height * 4);
  const rowBytes = width * 4;
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * image.width + x) * 4;
    out.set(image.data.subarray(start, start + rowBytes), row * rowBytes);
  }
  return { data: out, width, height };
}

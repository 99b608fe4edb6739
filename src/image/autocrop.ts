import type { Pixels } from './pixels.ts';

/**
 * ic's -autocrop: the smallest rectangle holding every pixel that is not background. Mode 0 takes
 * the background to be the colour of a corner pixel (premultiplied by its alpha, so transparent
 * pixels of any colour match a transparent corner), each component within `tolerance` (0-1 of
 * full scale); mode 1 takes it to be transparency, alpha within `tolerance` of 0. Undefined when
 * nothing would be left (every pixel background) or, in mode 1, when the image has no alpha.
 */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function autocropRect(image: Pixels, corner: 'ul' | 'ur' | 'll' | 'lr', mode: 0 | 1, tolerance: number, hasAlpha: boolean): CropRect | undefined {
  const { data, width, height } = image;
  if (mode === 1 && !hasAlpha) return undefined;
  const limit = tolerance * 255;
  const premultiplied = (i: number, c: number) => (c === 3 ? data[i + 3]! : (data[i + c]! * data[i + 3]!) / 255);
  const seedAt = ((corner[0] === 'u' ? 0 : height - 1) * width + (corner[1] === 'l' ? 0 : width - 1)) * 4;
  const seed = [0, 1, 2, 3].map((c) => premultiplied(seedAt, c));
  const background =
    mode === 1
      ? (i: number) => data[i + 3]! <= limit
      : (i: number) => Math.abs(premultiplied(i, 0) - seed[0]!) <= limit && Math.abs(premultiplied(i, 1) - seed[1]!) <= limit && Math.abs(premultiplied(i, 2) - seed[2]!) <= limit && Math.abs(data[i + 3]! - seed[3]!) <= limit;
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width * 4; x < width; x++, i += 4) {
      if (background(i)) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  return right < 0 ? undefined : { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

import { resizerArena, resizeKernelInstance } from '../../image/kernels.ts';
import { rotatedSize } from '../../planning/layer.ts';
import type { Pixels } from '../../image/pixels.ts';

/**
 * rotate= by an angle that is not a quarter turn: bilinear on premultiplied pixels (the resize
 * kernel), on a canvas that grows to hold the whole image and is transparent around it.
 */
export function rotate(image: Pixels, degrees: number): Pixels {
  const k = resizeKernelInstance();
  const arena = resizerArena(image.data);
  const { width, height } = rotatedSize(image, degrees);
  const src = arena.place(image.data);
  k.premultiply(src, image.width * image.height);
  const dst = arena.take(width * height * 4);
  const r = (degrees * Math.PI) / 180;
  k.rotateBilinear(src, image.width, image.height, dst, width, height, Math.cos(r), Math.sin(r));
  k.unpremultiply(dst, width * height);
  return { data: arena.pixels(dst, width * height * 4), width, height };
}

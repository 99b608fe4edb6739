import { orientedSize } from '../../planning/layer.ts';
import type { Pixels } from '../../image/pixels.ts';

/**
 * Applies an EXIF orientation (1..8) as an exact pixel permutation. photon's rotate is unusable
 * in 0.4.0 (even a quarter turn shears, washing colours out, and rotate(-90) of 2000x1500 gives 1500x2001), and a permutation needs no resampling.
 */
export function orient(image: Pixels, orientation: number): Pixels {
  if (orientation < 2 || orientation > 8) return image;
  const { width: w, height: h } = image;
  const { width: ow, height: oh } = orientedSize(image, orientation);
  const src = new Uint32Array(image.data.buffer, image.data.byteOffset, w * h);
  const out = new Uint8ClampedArray(ow * oh * 4);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let dx: number;
      let dy: number;
      switch (orientation) {
        case 2: dx = w - 1 - x; dy = y; break;
        case 3: dx = w - 1 - x; dy = h - 1 - y; break;
        case 4: dx = x; dy = h - 1 - y; break;
        case 5: dx = y; dy = x; break;
        case 6: dx = h - 1 - y; dy = x; break;
        case 7: dx = h - 1 - y; dy = w - 1 - x; break;
        default: dx = y; dy = w - 1 - x; break; // 8
      }
      dst[dy * ow + dx] = src[y * w + x]!;
    }
  }
  return { data: out, width: ow, height: oh };
}


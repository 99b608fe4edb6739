import type { Pixels } from './pixels.ts';

/**
 * Applies an EXIF orientation (1..8) as an exact pixel permutation. photon's rotate is unusable
 * in 0.4.0 (wasm-notes §2.2), and a permutation needs no resampling.
 */
export function orient(image: Pixels, orientation: number): Pixels {
  if (orientation < 2 || orientation > 8) return image;
  const { width: w, height: h } = image;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
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

/** The canvas a rotation by any angle needs to hold the whole turned image. */
export function rotatedSize(size: { width: number; height: number }, degrees: number): { width: number; height: number } {
  const r = (degrees * Math.PI) / 180;
  const c = Math.abs(Math.cos(r));
  const s = Math.abs(Math.sin(r));
  // The epsilon keeps exact products (e.g. 100 * cos 60) from ceiling one pixel too far.
  return { width: Math.ceil(size.width * c + size.height * s - 1e-9), height: Math.ceil(size.width * s + size.height * c - 1e-9) };
}

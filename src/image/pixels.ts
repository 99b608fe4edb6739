import type { Rgba } from '../protocol/color.ts';

/** RGBA8 pixels, straight alpha. The unit every step takes and returns. */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export function createPixels(width: number, height: number, fill?: Rgba): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  if (fill && (fill.r | fill.g | fill.b | fill.a) !== 0) {
    new Uint32Array(data.buffer).fill(packRgba(fill));
  }
  return { data, width, height };
}

/** Packs a colour the way a little-endian Uint32Array view of RGBA bytes sees it. */
const packRgba = (c: Rgba) => ((c.a << 24) | (c.b << 16) | (c.g << 8) | c.r) >>> 0;

/** The grey of an RGBA pixel at byte `i` (ITU-R BT.601's weights, as JPEG's luma), rounded. */
export const lumaAt = (d: Uint8ClampedArray, i: number) => Math.round(d[i]! * 0.299 + d[i + 1]! * 0.587 + d[i + 2]! * 0.114);

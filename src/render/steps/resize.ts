import { photon } from '../../worker/codecs.ts';
import { hasTransparency, type Pixels } from './pixels.ts';

/**
 * Lanczos3 resampling through photon. photon does not premultiply alpha (wasm-notes §2.2), which
 * leaves dark fringes on transparent edges, so images with transparency are premultiplied here.
 */
export function resize(image: Pixels, width: number, height: number): Pixels {
  const transparent = hasTransparency(image);
  if (transparent) premultiply(image.data);
  const source = new photon.PhotonImage(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  let resized: photon.PhotonImage | undefined;
  try {
    resized = photon.resize(source, width, height, photon.SamplingFilter.Lanczos3);
    const data = new Uint8ClampedArray(resized.get_raw_pixels().buffer);
    if (transparent) unpremultiply(data);
    return { data, width, height };
  } finally {
    // photon's heap is only given back by free(); FinalizationRegistry never runs in a busy worker.
    source.free();
    resized?.free();
  }
}

function premultiply(d: Uint8ClampedArray): void {
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 255) continue;
    d[i] = (d[i]! * a) / 255;
    d[i + 1] = (d[i + 1]! * a) / 255;
    d[i + 2] = (d[i + 2]! * a) / 255;
  }
}

function unpremultiply(d: Uint8ClampedArray): void {
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 255 || a === 0) continue;
    d[i] = (d[i]! * 255) / a;
    d[i + 1] = (d[i + 1]! * 255) / a;
    d[i + 2] = (d[i + 2]! * 255) / a;
  }
}

import type { Rgba } from '../../protocol/color.ts';
import type { Pixels } from './pixels.ts';

/** Composites the image over an opaque colour, for formats without alpha. In place. */
export function flatten(image: Pixels, background: Rgba): Pixels {
  const d = image.data;
  const { r, g, b } = background;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 255) continue;
    const inv = 255 - a;
    d[i] = (d[i]! * a + r * inv) / 255;
    d[i + 1] = (d[i + 1]! * a + g * inv) / 255;
    d[i + 2] = (d[i + 2]! * a + b * inv) / 255;
    d[i + 3] = 255;
  }
  return image;
}

/** req=mask: the alpha channel as an opaque grey image. In place. */
export function alphaAsImage(image: Pixels): Pixels {
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) {
    d[i] = d[i + 1] = d[i + 2] = d[i + 3]!;
    d[i + 3] = 255;
  }
  return image;
}

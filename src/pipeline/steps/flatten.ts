import type { Rgba } from '../../protocol/color.ts';
import type { Pixels } from '../../image/pixels.ts';

/**
 * Composites the image over a colour (bgColor=), in place: straight alpha, "over". With an opaque
 * colour this is the flattening of formats without alpha.
 */
export function underlay(image: Pixels, background: Rgba): Pixels {
  const d = image.data;
  const { r, g, b } = background;
  const ba = background.a / 255;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]! / 255;
    if (a === 1) continue;
    const under = ba * (1 - a);
    const out = a + under;
    if (out === 0) continue;
    d[i] = (d[i]! * a + r * under) / out;
    d[i + 1] = (d[i + 1]! * a + g * under) / out;
    d[i + 2] = (d[i + 2]! * a + b * under) / out;
    d[i + 3] = out * 255;
  }
  return image;
}

/** Flattens onto an opaque colour, for formats without alpha. */
export const flatten = (image: Pixels, background: Rgba): Pixels => underlay(image, { ...background, a: 255 });

/** opac=: scales every pixel's alpha, in place. */
export function fade(image: Pixels, factor: number): Pixels {
  const d = image.data;
  for (let i = 3; i < d.length; i += 4) d[i] = d[i]! * factor;
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

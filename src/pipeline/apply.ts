import { createPixels, type Pixels } from '../image/pixels.ts';
import type { Step } from '../planning/steps.ts';
import { applyColor } from './steps/color.ts';
import { clip } from './steps/clip.ts';
import { crop } from './steps/crop.ts';
import { extend } from './steps/extend.ts';
import { alphaAsImage, fade, flatten, underlay } from './steps/flatten.ts';
import { orient } from './steps/orient.ts';
import { resize } from './steps/resize.ts';
import { rotate } from './steps/rotate.ts';
import { blur, unsharpMask } from './steps/sharpen.ts';

/**
 * One named step on pixels: every step but the encode, which only the pipeline runs. `lastBeforeEncode`:
 * the result goes straight to the encode, so a kernel may leave it in its memory (see resize).
 */
export function apply(image: Pixels, step: Exclude<Step, { op: 'encode' }>, lastBeforeEncode = false): Pixels {
  switch (step.op) {
    case 'crop':
      return crop(image, step.rect);
    case 'resize':
      return resize(image, step.width, step.height, { premultiply: step.premultiply, filter: step.filter, region: step.region, box: step.box, view: lastBeforeEncode });
    case 'extend':
      return extend(image, step.canvas, step.x, step.y, step.background);
    case 'blank':
      return createPixels(step.canvas.width, step.canvas.height, step.background);
    case 'flatten':
      return flatten(image, step.background);
    case 'orient':
      return orient(image, step.orientation);
    case 'opacity':
      return fade(image, step.factor);
    case 'underlay':
      return underlay(image, step.background);
    case 'rotate':
      return rotate(image, step.degrees);
    case 'mask':
      return alphaAsImage(image);
    case 'color':
      return applyColor(image, step.ops, step.origin);
    case 'blur':
      return blur(image, step.radius);
    case 'unsharp':
      return unsharpMask(image, step.amount, step.radius, step.threshold, step.monochrome);
    case 'clip':
      return clip(image, step.keep, step.cut);
  }
}

/** Steps that end before any encode: a layer's, or a nested request's. */
export function applyAll(image: Pixels, steps: readonly Step[]): Pixels {
  for (const step of steps) {
    if (step.op === 'encode') throw new Error('A layer or nested plan must not encode');
    image = apply(image, step);
  }
  return image;
}

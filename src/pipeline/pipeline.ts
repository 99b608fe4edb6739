import { forbidden } from '../protocol/errors.ts';
import { createPixels, type Pixels } from '../image/pixels.ts';
import { decode, encode } from './steps/codec.ts';
import { orient } from './steps/orient.ts';
import { rotate } from './steps/rotate.ts';
import { crop } from './steps/crop.ts';
import { resize } from './steps/resize.ts';
import { extend } from './steps/extend.ts';
import { alphaAsImage, fade, flatten, underlay } from './steps/flatten.ts';
import { blur, unsharpMask } from './steps/sharpen.ts';
import { applyColor } from './steps/color.ts';
import { extractIcc, withMetadata } from '../image/metadata.ts';
import { FORMATS } from '../protocol/formats.ts';
import { fullSteps, type RenderPlan } from '../planning/plan.ts';
import type { Step } from '../planning/steps.ts';
import { deliveredFactor } from '../planning/shrink.ts';

/**
 * Runs a render plan: decode layer 0 (at the planned shrink when the decoder can), orient, then the
 * planned steps, the last of which encodes. Nothing is re-planned here: a decoder that declines to
 * shrink gets the full-scale steps the plan also holds.
 */
export async function runPlan(source: ArrayBuffer, plan: RenderPlan): Promise<ArrayBuffer> {
  const layer = plan.layers[0];
  const { shrink } = layer.source;
  let image = orient(await decode(source, layer.source.format, shrink, layer.source.fullDecode !== false), layer.source.orientation);
  const factor = deliveredFactor(image, layer.source.size, shrink);
  if (factor === undefined) {
    // The planner trusted the header; a decoder that disagrees means a malformed file.
    throw forbidden('The source image is corrupt: its header and its data disagree on the size');
  }
  for (const step of factor > 1 && plan.shrunk ? plan.shrunk : fullSteps(plan)) {
    if (step.op === 'encode') {
      const { output } = step;
      const encoded = await encode(image, output);
      if (output.printRes === undefined && !output.embedIcc) return encoded;
      const { container } = FORMATS[output.format];
      const icc = output.embedIcc && container !== 'other' ? extractIcc(new Uint8Array(source)) : undefined;
      return withMetadata(encoded, container, {
        printRes: output.printRes,
        icc,
      });
    }
    image = apply(image, step);
  }
  throw new Error('A render plan must end with encode');
}

function apply(image: Pixels, step: Exclude<Step, { op: 'encode' }>): Pixels {
  switch (step.op) {
    case 'crop':
      return crop(image, step.rect);
    case 'resize':
      return resize(image, step.width, step.height, { premultiply: step.premultiply, filter: step.filter, region: step.region });
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
      return applyColor(image, step.ops);
    case 'blur':
      return blur(image, step.radius);
    case 'unsharp':
      return unsharpMask(image, step.amount, step.radius, step.threshold, step.monochrome);
  }
}

import { encode } from './steps/codec.ts';
import { separate } from './steps/icc.ts';
import type { InflateBudget } from '../protocol/account.ts';
import type { PlannedOutput } from '../planning/delivery.ts';
import { extractIcc, withMetadata } from '../image/metadata.ts';
import { builtinProfile, srgbProfile } from '../image/icc-profiles.ts';
import { RGB_SPACES } from '../image/rgb-spaces.ts';
import { FORMATS } from '../protocol/formats.ts';
import { isComposite, type RenderPlan } from '../planning/composite-plan.ts';
import { decodeUses } from '../planning/composite-footprint.ts';
import { apply } from './apply.ts';
import { flattenLayers, startSingle } from './compose.ts';
import { DecodedSources } from './decoded-sources.ts';
import { releaseCanvases } from './steps/blend.ts';

/**
 * Runs a render plan: a single image (decode layer 0 at the planned shrink when the decoder can,
 * then its steps) or a composite (every layer made and drawn, then the composite's steps); the last
 * step encodes. Nothing is re-planned here: a decoder that declines to shrink gets the full-scale
 * steps the plan also holds.
 */
export async function runPlan(files: readonly ArrayBufferLike[], plan: RenderPlan, budget: InflateBudget): Promise<ArrayBuffer> {
  const sources = new DecodedSources(files, decodeUses(plan), budget);
  releaseCanvases();
  let { image, steps } = isComposite(plan)
    ? { image: await flattenLayers(plan.composite, sources), steps: plan.composite.steps }
    : await startSingle(plan, sources);
  for (const [i, step] of steps.entries()) {
    if (step.op === 'encode') {
      const { output } = step;
      separate(image, output, files);
      const { container } = FORMATS[output.format];
      const icc = output.embedIcc && container !== 'other' ? embeddedProfile(output, files, sources.converted, budget) : undefined;
      const ownWriter = container === 'tiff' || container === 'eps';
      const encoded = await encode(image, output, ownWriter ? icc : undefined);
      if (ownWriter || container === 'other' || (output.printRes === undefined && !icc)) return encoded;
      return withMetadata(encoded, container, { printRes: output.printRes, icc });
    }
    image = apply(image, step, steps[i + 1]?.op === 'encode');
  }
  throw new Error('A render plan must end with encode');
}

/**
 * The profile iccEmbed=1 writes (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-iccembed: the output profile, not the source's): the
 * catalog's profile icc= named, a built-in space's, sRGB's for sources converted to it, else the
 * source's own (left as it was). A CMYK or grey reply without a profile gets none.
 */
function embeddedProfile(output: PlannedOutput, files: readonly ArrayBufferLike[], converted: boolean, budget: InflateBudget): Uint8Array | undefined {
  if (output.icc?.file !== undefined) return new Uint8Array(files[output.icc.file]!);
  if (output.cmyk || output.gray) return undefined;
  if (output.icc && !output.icc.profile) return builtinProfile(RGB_SPACES[output.icc.space]);
  return converted ? srgbProfile() : files[0] ? extractIcc(new Uint8Array(files[0]), budget) : undefined;
}

import { encode } from './steps/codec.ts';
import { extractIcc, withMetadata } from '../image/metadata.ts';
import { builtinProfile, srgbProfile } from '../image/icc.ts';
import { RGB_SPACES } from '../image/rgb-spaces.ts';
import { FORMATS } from '../protocol/formats.ts';
import { isComposite, type RenderPlan } from '../planning/composite-plan.ts';
import { decodeUses } from '../planning/composite-footprint.ts';
import { apply } from './apply.ts';
import { flattenLayers, startSingle } from './compose.ts';
import { DecodedSources } from './sources.ts';
import { releaseCanvases } from './steps/blend.ts';

/**
 * Runs a render plan: a single image (decode layer 0 at the planned shrink when the decoder can,
 * then its steps) or a composite (every layer made and drawn, then the composite's steps); the last
 * step encodes. Nothing is re-planned here: a decoder that declines to shrink gets the full-scale
 * steps the plan also holds.
 */
/** The job file of the reply's profile when it is one of the catalog's map (every converted source names it). */
function outputProfileFile(plan: RenderPlan): number | undefined {
  if (!isComposite(plan)) return plan.layers[0].source.color?.targetFile;
  const inputs = plan.composite.layers.map((l) => l.input);
  for (const input of inputs) {
    const color = input.kind === 'file' ? input.color : input.kind === 'single' ? input.plan.layers[0].source.color : undefined;
    if (color?.targetFile !== undefined) return color.targetFile;
  }
  return undefined;
}

export async function runPlan(files: readonly ArrayBuffer[], plan: RenderPlan): Promise<ArrayBuffer> {
  const sources = new DecodedSources(files, decodeUses(plan));
  releaseCanvases();
  let { image, steps } = isComposite(plan)
    ? { image: await flattenLayers(plan.composite, sources), steps: plan.composite.steps }
    : await startSingle(plan, sources);
  for (const step of steps) {
    if (step.op === 'encode') {
      const { output } = step;
      const encoded = await encode(image, output);
      if (output.printRes === undefined && !output.embedIcc) return encoded;
      const { container } = FORMATS[output.format];
      // The reply's space (icc=) has its own profile; a source converted to sRGB is described by
      // sRGB's, not its own; one left as it was keeps its own.
      const own = () => (files[0] ? extractIcc(new Uint8Array(files[0])) : undefined);
      const mapped = output.icc?.profile ? outputProfileFile(plan) : undefined;
      const space = output.icc && !output.icc.profile ? RGB_SPACES[output.icc.space] : undefined;
      const chosen = mapped !== undefined ? new Uint8Array(files[mapped]!) : space ? builtinProfile(space) : undefined;
      const icc = output.embedIcc && container !== 'other' ? (chosen ?? (sources.converted ? srgbProfile() : own())) : undefined;
      return withMetadata(encoded, container, {
        printRes: output.printRes,
        icc,
      });
    }
    image = apply(image, step);
  }
  throw new Error('A render plan must end with encode');
}

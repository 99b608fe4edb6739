import { createHash } from 'node:crypto';
import { builtinProfile, naiveCmyk, parseProfile, ProfileError, transformTo, isSrgb, spaceTransform, type Transform } from '../../image/icc.ts';
import { chromaticSpace, RGB_SPACES } from '../../image/rgb-spaces.ts';
import type { RgbSpaceName } from '../../protocol/icc-names.ts';
import { extractIcc, pngChromaticity } from '../../image/metadata.ts';
import type { Intent } from '../../protocol/request.ts';

/**
 * Colour management of a decoded source, in place: a CMYK JPEG's inks through its embedded profile
 * (or, without one, the catalog's IccProfileSrcCmyk, else the naive formula: no CMYK profile is bundled), RGB and grey pixels through theirs,
 * to the reply's space (sRGB unless icc= names another). A source without a profile, or with one that
 * cannot be read, is taken as sRGB; an sRGB one bound for sRGB is left as it is. Transforms
 * are built once per profile and intent and kept for the worker's life (a handful of profiles in
 * practice; the cache is bounded all the same).
 */
const transforms = new Map<string, Transform | undefined>();
const MAX_TRANSFORMS = 32;

/**
 * Returns whether the pixels were converted. `assumed` is the catalog's profile for a source that
 * embeds none (IccProfileSrcRgb, IccProfileSrcCmyk): a profile's bytes or a built-in space.
 */
export function manageColor(file: Uint8Array, pixels: Uint8ClampedArray, cmyk: boolean, intent: Intent, target: RgbSpaceName = 'srgb', assumed?: Uint8Array | RgbSpaceName): boolean {
  const icc = extractIcc(file) ?? (typeof assumed === 'string' ? builtinProfileBytes(assumed) : assumed);
  const transform = icc ? cached(`${createHash('sha1').update(icc).digest('base64')}:${intent}:${cmyk}:${target}`, () => build(icc, cmyk, intent, target)) : undefined;
  if (transform) {
    transform(pixels);
    return true;
  }
  // No profile: a PNG's gAMA and cHRM chunks where they say something other than sRGB.
  const chromaticity = cmyk ? undefined : pngChromaticity(file);
  const space = chromaticity && chromaticSpace(chromaticity);
  if (space) {
    cached(`png:${JSON.stringify(chromaticity)}:${target}`, () => spaceTransform(space, RGB_SPACES[target]))!(pixels);
    return true;
  }
  // No usable profile: CMYK by the naive formula, which gives sRGB; RGB taken as sRGB.
  if (cmyk) naiveCmyk(pixels);
  if (target !== 'srgb') cached(`srgb:${target}`, () => spaceTransform(RGB_SPACES.srgb, RGB_SPACES[target]))!(pixels);
  return cmyk || target !== 'srgb';
}

const builtins = new Map<RgbSpaceName, Uint8Array>();
const builtinProfileBytes = (space: RgbSpaceName) => {
  let bytes = builtins.get(space);
  if (!bytes) builtins.set(space, (bytes = builtinProfile(RGB_SPACES[space])));
  return bytes;
};

function cached(key: string, make: () => Transform | undefined): Transform | undefined {
  if (!transforms.has(key)) {
    if (transforms.size >= MAX_TRANSFORMS) transforms.delete(transforms.keys().next().value!);
    transforms.set(key, make());
  }
  return transforms.get(key);
}

function build(icc: Uint8Array, cmyk: boolean, intent: Intent, target: RgbSpaceName): Transform | undefined {
  try {
    const profile = parseProfile(icc);
    // A profile that does not describe the pixels (an RGB profile in a CMYK file) is ignored.
    if ((profile.space === 'CMYK') !== cmyk) return undefined;
    if (target === 'srgb' && isSrgb(profile)) return undefined;
    return transformTo(profile, intent, RGB_SPACES[target]);
  } catch (err) {
    if (err instanceof ProfileError) return undefined;
    throw err;
  }
}

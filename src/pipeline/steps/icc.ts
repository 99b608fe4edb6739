import { createHash } from 'node:crypto';
import { BoundedCache } from '../../common/bounded-cache.ts';
import { parseProfile, ProfileError } from '../../image/icc.ts';
import { isSrgb, targetOf, type Target } from '../../image/icc-pcs.ts';
import type { Pixels } from '../../image/pixels.ts';
import { builtinProfile } from '../../image/icc-profiles.ts';
import { naiveCmyk, naiveSeparation, separation, spaceTransform, transformTo, type Transform } from '../../image/icc-transforms.ts';
import { chromaticSpace, RGB_SPACES } from '../../image/rgb-spaces.ts';
import type { RgbSpaceName } from '../../protocol/icc-names.ts';
import { extractIcc, pngChromaticity } from '../../image/metadata.ts';
import type { InflateBudget } from '../../protocol/account.ts';
import type { Intent } from '../../protocol/request.ts';
import type { PlannedOutput } from '../../planning/delivery.ts';

/**
 * Colour management of a decoded source, in place: a CMYK JPEG's inks through its embedded profile
 * (or, without one, the catalog's profile for CMYK sources, else the naive formula: no CMYK profile
 * is bundled), RGB and grey pixels through theirs, to the reply's working space (sRGB unless icc=
 * names another RGB space); and, at the end, the reply to its output profile's device values
 * (separate). A source without a profile, or with one that cannot be read, is taken as sRGB; an
 * sRGB one bound for sRGB is left as it is. Transforms are built once per profile and intent and
 * kept for the worker's life (a handful of profiles in practice; the cache is bounded all the same).
 */
const MAX_TRANSFORMS = 32;
const transforms = new BoundedCache<string, Transform | undefined>({ maxEntries: MAX_TRANSFORMS });

/**
 * Returns whether the pixels were converted. `assumed` is the catalog's profile for a source that
 * embeds none (IccProfileSrc*, then IccProfile*): a profile's bytes or a built-in space; `wide` the
 * source's 16-bit colours, when it has them.
 */
export function manageColor(
  file: Uint8Array,
  budget: InflateBudget,
  pixels: Uint8ClampedArray,
  cmyk: boolean,
  intent: Intent,
  target: RgbSpaceName | Uint8Array = 'srgb',
  assumed?: Uint8Array | RgbSpaceName,
  bpc = false,
  wide?: Uint16Array,
): boolean {
  const icc = extractIcc(file, budget) ?? (typeof assumed === 'string' ? builtinProfileBytes(assumed) : assumed);
  // The reply's space: a built-in one, or a profile of the catalog's map (its bytes, checked by the server).
  const targetKey = typeof target === 'string' ? target : digest(target);
  const space = typeof target === 'string' ? RGB_SPACES[target] : targets(targetKey, target);
  const toSrgb = typeof target === 'string' && target === 'srgb';
  const transform = icc ? cached(`${digest(icc)}:${intent}:${bpc}:${cmyk}:${targetKey}`, () => build(icc, cmyk, intent, space, toSrgb, bpc)) : undefined;
  if (transform) {
    transform(pixels, wide);
    return true;
  }
  // No profile: a PNG's gAMA and cHRM chunks where they say something other than sRGB.
  const chromaticity = cmyk ? undefined : pngChromaticity(file);
  const chromatic = chromaticity && chromaticSpace(chromaticity);
  if (chromatic) {
    cached(`png:${JSON.stringify(chromaticity)}:${targetKey}`, () => spaceTransform(chromatic, space))!(pixels, wide);
    return true;
  }
  // No usable profile: CMYK by the naive formula, which gives sRGB; RGB taken as sRGB.
  if (cmyk) naiveCmyk(pixels);
  if (!toSrgb) cached(`srgb:${targetKey}`, () => spaceTransform(RGB_SPACES.srgb, space))!(pixels, wide);
  return cmyk || !toSrgb;
}

const outputSpaces = new BoundedCache<string, Target>({ maxEntries: MAX_TRANSFORMS });
/** A map profile as an output space, built once per worker (the server has checked it is one). */
function targets(key: string, bytes: Uint8Array): Target {
  let t = outputSpaces.get(key);
  if (!t) outputSpaces.set(key, (t = targetOf(parseProfile(bytes))));
  return t;
}

const builtins = new Map<RgbSpaceName, Uint8Array>();
const builtinProfileBytes = (space: RgbSpaceName) => {
  let bytes = builtins.get(space);
  if (!bytes) builtins.set(space, (bytes = builtinProfile(RGB_SPACES[space])));
  return bytes;
};

function cached(key: string, make: () => Transform | undefined): Transform | undefined {
  // A profile that changes nothing has no transform: undefined is kept too, so has() rather than get().
  if (!transforms.has(key)) transforms.set(key, make());
  return transforms.get(key);
}

const digest = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('base64');

function build(icc: Uint8Array, cmyk: boolean, intent: Intent, target: Target, toSrgb: boolean, bpc: boolean): Transform | undefined {
  try {
    const profile = parseProfile(icc);
    // A profile that does not describe the pixels (an RGB profile in a CMYK file) is ignored.
    if ((profile.space === 'CMYK') !== cmyk) return undefined;
    if (toSrgb && isSrgb(profile)) return undefined;
    return transformTo(profile, intent, target, bpc);
  } catch (err) {
    if (err instanceof ProfileError) return undefined;
    throw err;
  }
}

/**
 * The reply's pixels to the device values of its output profile, in place, at the end: a CMYK,
 * grey or LUT-based RGB profile (PlannedOutput.icc.device, as the service found it), or CMYK without
 * one by the naive formula. The working space before is sRGB.
 */
export function separate(image: Pixels, output: PlannedOutput, files: readonly ArrayBufferLike[]): void {
  const { icc } = output;
  if (icc?.device && icc.file !== undefined) {
    const bytes = new Uint8Array(files[icc.file]!);
    const device = icc.device;
    cached(`out:${digest(bytes)}:${icc.intent}:${icc.bpc}:${device}`, () => separation(parseProfile(bytes), device, icc.intent, icc.bpc))!(image.data);
  } else if (output.cmyk) naiveSeparation(image.data);
}

import { createHash } from 'node:crypto';
import { naiveCmyk, parseProfile, ProfileError, transformToSrgb, isSrgb, type Transform } from '../../image/icc.ts';
import { extractIcc } from '../../image/metadata.ts';
import type { Intent } from '../../protocol/request.ts';

/**
 * Colour management of a decoded source, in place: a CMYK JPEG's inks through its embedded profile
 * (or, without one, the naive formula: no CMYK profile is bundled), RGB and grey pixels through theirs,
 * to sRGB. A profile that is sRGB, or that cannot be read, leaves the pixels as they are. Transforms
 * are built once per profile and intent and kept for the worker's life (a handful of profiles in
 * practice; the cache is bounded all the same).
 */
const transforms = new Map<string, Transform | undefined>();
const MAX_TRANSFORMS = 32;

/** Returns whether the pixels were converted. */
export function manageColor(file: Uint8Array, pixels: Uint8ClampedArray, cmyk: boolean, intent: Intent): boolean {
  const icc = extractIcc(file);
  if (!icc) {
    if (!cmyk) return false;
    naiveCmyk(pixels);
    return true;
  }
  const key = `${createHash('sha1').update(icc).digest('base64')}:${intent}:${cmyk}`;
  if (!transforms.has(key)) {
    if (transforms.size >= MAX_TRANSFORMS) transforms.delete(transforms.keys().next().value!);
    transforms.set(key, build(icc, cmyk, intent));
  }
  const transform = transforms.get(key);
  if (!transform) {
    if (!cmyk) return false;
    naiveCmyk(pixels);
    return true;
  }
  transform(pixels);
  return true;
}

function build(icc: Uint8Array, cmyk: boolean, intent: Intent): Transform | undefined {
  try {
    const profile = parseProfile(icc);
    // A profile that does not describe the pixels (an RGB profile in a CMYK file) is ignored.
    if ((profile.space === 'CMYK') !== cmyk) return undefined;
    if (isSrgb(profile)) return undefined;
    return transformToSrgb(profile, intent);
  } catch (err) {
    if (err instanceof ProfileError) return undefined;
    throw err;
  }
}

/**
 * The profile names icc= and attribute::IccProfileRgb take (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-icc, and the
 * table of standard names of https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-color-management): the built-in RGB spaces (image/rgb-spaces.ts) under their common
 * spellings, built-in grey spaces, and the reference's CMYK names, which Isle does not bundle (a
 * catalog's ICC profile map may name them).
 */
export type RgbSpaceName = 'srgb' | 'adobergb' | 'prophoto' | 'p3';

const NAMES: Record<string, RgbSpaceName> = {
  srgb: 'srgb', 'srgb iec61966-2.1': 'srgb', 'srgb iec61966-2-1': 'srgb', 'srgb color space profile': 'srgb',
  adobergb: 'adobergb', 'adobe rgb': 'adobergb', 'adobe rgb (1998)': 'adobergb', adobergb1998: 'adobergb',
  prophoto: 'prophoto', 'prophoto rgb': 'prophoto', 'romm rgb': 'prophoto', prophotorgb: 'prophoto',
  p3: 'p3', displayp3: 'p3', 'display p3': 'p3',
};

export const rgbSpaceNamed = (name: string): RgbSpaceName | undefined => NAMES[name.trim().toLowerCase().replace(/\s+/g, ' ')];

/** Built-in grey spaces by name (an Isle choice: the reference lists no grey profile), as their gamma: Photoshop's Gray Gamma profiles. */
const GRAY_NAMES: Record<string, number> = { gray: 2.2, grey: 2.2, 'gray gamma 2.2': 2.2, 'gray gamma 1.8': 1.8 };

export const grayGammaNamed = (name: string): number | undefined => GRAY_NAMES[name.trim().toLowerCase().replace(/\s+/g, ' ')];

/** CMYK and grey profiles of the reference's table: when the catalog's map lacks them, the 403 says Isle bundles none. */
export const PRINT_PROFILES: ReadonlySet<string> = new Set([
  'webcoated', 'coatedfogra27', 'coatedfogra39', 'uncoatedfogra29', 'japancolor2001coated', 'japancolor2001uncoated', 'japanwebcoated',
  'uscoatedswop', 'usuncoated', 'usweb coated (swop) v2', 'dot gain 20%',
]);

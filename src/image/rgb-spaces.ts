import type { RgbSpaceName } from '../protocol/icc-names.ts';

/**
 * The RGB spaces Isle converts to (icc=, attribute::IccProfileRgb): sRGB, Adobe RGB (1998), ProPhoto
 * RGB and Display P3, each from its published primaries, white and curve, adapted to the ICC's D50
 * with Bradford's matrix, as a profile of it would carry them.
 */

export interface RgbSpace {
  name: RgbSpaceName;
  /** The description an embedded profile carries. */
  description: string;
  /** Linear RGB to XYZ (D50), row major. */
  toXyz: number[];
  /** XYZ (D50) to linear RGB. */
  fromXyz: number[];
  /** Linear light to the encoded value, and back, on 0..1. */
  encode(v: number): number;
  decode(v: number): number;
  /** For an embedded profile: a pure gamma, or undefined for sRGB's curve. */
  gamma?: number;
}

const D50 = [0.9642, 1.0, 0.8249];
const D65 = [0.95047, 1.0, 1.08883];
const BRADFORD = [0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296];

const mul = (a: number[], b: number[]) => [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!));
const apply = (m: number[], v: number[]) => [0, 1, 2].map((r) => m[r * 3]! * v[0]! + m[r * 3 + 1]! * v[1]! + m[r * 3 + 2]! * v[2]!);

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d].map((v) => v / det);
}

/** RGB to XYZ for primaries (xy) and a white, then adapted to D50 (Bradford). */
function matrixOf(primaries: [number, number][], white: number[]): number[] {
  const columns = primaries.map(([x, y]) => [x / y, 1, (1 - x - y) / y]);
  const p = [0, 1, 2].flatMap((r) => columns.map((c) => c[r]!));
  const s = apply(invert3(p), white);
  const toXyz = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => p[r * 3 + c]! * s[c]!));
  if (white === D50) return toXyz;
  const from = apply(BRADFORD, white);
  const to = apply(BRADFORD, D50);
  const scale = [to[0]! / from[0]!, 0, 0, 0, to[1]! / from[1]!, 0, 0, 0, to[2]! / from[2]!];
  return mul(mul(invert3(BRADFORD), mul(scale, BRADFORD)), toXyz);
}

const srgbEncode = (v: number) => (v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055);
const srgbDecode = (v: number) => (v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
const power = (g: number) => ({ encode: (v: number) => Math.pow(Math.max(0, v), 1 / g), decode: (v: number) => Math.pow(Math.max(0, v), g), gamma: g });

function space(name: RgbSpaceName, description: string, primaries: [number, number][], white: number[], curve: { encode(v: number): number; decode(v: number): number; gamma?: number }): RgbSpace {
  const toXyz = matrixOf(primaries, white);
  return { name, description, toXyz, fromXyz: invert3(toXyz), ...curve };
}

export const RGB_SPACES: Record<RgbSpaceName, RgbSpace> = {
  srgb: space('srgb', 'sRGB IEC61966-2.1 (Isle)', [[0.64, 0.33], [0.3, 0.6], [0.15, 0.06]], D65, { encode: srgbEncode, decode: srgbDecode }),
  // Adobe RGB (1998): its gamma is 563/256 as its own profile writes it.
  adobergb: space('adobergb', 'Adobe RGB (1998) compatible (Isle)', [[0.64, 0.33], [0.21, 0.71], [0.15, 0.06]], D65, power(563 / 256)),
  prophoto: space('prophoto', 'ProPhoto RGB compatible (Isle)', [[0.7347, 0.2653], [0.1596, 0.8404], [0.0366, 0.0001]], D50, power(1.8)),
  p3: space('p3', 'Display P3 (Isle)', [[0.68, 0.32], [0.265, 0.69], [0.15, 0.06]], D65, { encode: srgbEncode, decode: srgbDecode }),
};


/**
 * A PNG's space from its gAMA and cHRM chunks (metadata.ts pngChromaticity): a pure curve of the
 * file gamma, the chromaticities' primaries and white adapted to D50, sRGB's for what is absent.
 * Undefined when both are within a hair of sRGB's (gamma 1/2.2 within 1%, primaries and white
 * within 0.005): such files, most PNGs that carry the chunks, are sRGB in all but rounding.
 */
export function chromaticSpace(given: { gamma?: number; chromaticities?: number[] }): Pick<RgbSpace, 'toXyz' | 'decode'> | undefined {
  const srgbChromaticities = [0.3127, 0.329, 0.64, 0.33, 0.3, 0.6, 0.15, 0.06];
  const c = given.chromaticities ?? srgbChromaticities;
  const near = c.every((v, i) => Math.abs(v - srgbChromaticities[i]!) < 0.005);
  const gamma = given.gamma;
  if (near && (gamma === undefined || Math.abs(gamma * 2.2 - 1) < 0.01)) return undefined;
  const [wx, wy, rx, ry, gx, gy, bx, by] = c as [number, number, number, number, number, number, number, number];
  if ([wy, ry, gy, by].some((y) => !(y > 0))) return undefined;
  const toXyz = matrixOf([[rx, ry], [gx, gy], [bx, by]], [wx / wy, 1, (1 - wx - wy) / wy]);
  if (!toXyz.every(Number.isFinite)) return undefined;
  return { toXyz, decode: gamma === undefined ? srgbDecode : (v: number) => Math.pow(Math.max(0, v), 1 / gamma) };
}

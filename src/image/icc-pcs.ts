/**
 * The profile connection space: a profile's device-to-PCS and PCS-to-device functions for an
 * intent (matrix/TRC or LUT, through icc.ts's readers), Lab and XYZ, absolute colorimetric, the
 * kind of reply a profile makes and the output space a matrix profile gives. The ICC specification
 * (ICC.1:2010) gives the formulas.
 */

import type { Intent } from '../protocol/request.ts';
import { D50, lutStage, ProfileError, readCurve, SRGB_TO_XYZ, xyzTag, type Profile, type Vec3 } from './icc.ts';
import { RGB_SPACES, type RgbSpace } from './rgb-spaces.ts';

const LAB_EPSILON = 216 / 24389;
const LAB_KAPPA = 24389 / 27;
export function labToXyz(L: number, a: number, b: number): Vec3 {
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (f: number) => (f ** 3 > LAB_EPSILON ? f ** 3 : (116 * f - 16) / LAB_KAPPA);
  return [inv(fx) * D50[0], (L > LAB_KAPPA * LAB_EPSILON ? fy ** 3 : L / LAB_KAPPA) * D50[1], inv(fz) * D50[2]];
}

export function xyzToLab(xyz: Vec3): Vec3 {
  const f = (t: number) => (t > LAB_EPSILON ? Math.cbrt(t) : (LAB_KAPPA * t + 16) / 116);
  const [fx, fy, fz] = [f(xyz[0] / D50[0]), f(xyz[1] / D50[1]), f(xyz[2] / D50[2])];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export const INTENT_TAGS: Record<Intent, number> = { perceptual: 0, relative: 1, saturation: 2, absolute: 1 };

/** The device-to-PCS (XYZ, D50) function of a profile for an intent. */
export function toPcs(p: Profile, intent: Intent): (v: number[]) => Vec3 {
  const tag = p.tags.get(`A2B${INTENT_TAGS[intent]}`) ?? p.tags.get('A2B0');
  if (tag) {
    const { stage, type } = lutStage(p, tag, false);
    // The PCS encodings (ICC.1 6.3.4): lut16's legacy Lab uses 0xFF00 for L=100, v4's 0xFFFF.
    const legacy = type === 'mft2';
    return (v) => {
      const out = stage(v);
      if (p.pcs === 'Lab ') {
        const scale = legacy ? 65535 / 65280 : 1;
        return labToXyz(out[0]! * scale * 100, out[1]! * scale * 255 - 128, out[2]! * scale * 255 - 128);
      }
      // XYZ as u1Fixed15: 1.0 is 0x8000 of 0xFFFF.
      return [out[0]! * (65535 / 32768), out[1]! * (65535 / 32768), out[2]! * (65535 / 32768)];
    };
  }
  if (p.space === 'GRAY') {
    const k = p.tags.get('kTRC');
    if (!k) throw new ProfileError('a grey profile without kTRC');
    const f = readCurve(p, k.offset).f;
    return (v) => {
      const y = f(v[0]!);
      return [y * D50[0], y * D50[1], y * D50[2]];
    };
  }
  const [r, g, b] = ['rXYZ', 'gXYZ', 'bXYZ'].map((s) => xyzTag(p, s));
  const trc = ['rTRC', 'gTRC', 'bTRC'].map((s) => p.tags.get(s));
  if (!r || !g || !b || trc.some((t) => !t)) throw new ProfileError('an RGB profile without its matrix and curves');
  const curves = trc.map((t) => readCurve(p, t!.offset).f);
  return (v) => {
    const [lr, lg, lb] = [curves[0]!(v[0]!), curves[1]!(v[1]!), curves[2]!(v[2]!)];
    return [r[0] * lr + g[0] * lg + b[0] * lb, r[1] * lr + g[1] * lg + b[1] * lb, r[2] * lr + g[2] * lg + b[2] * lb];
  };
}

/** Absolute colorimetric: relative PCS values scaled by the media white point (ICC.1 D.6). */
export function absolute(p: Profile, f: (v: number[]) => Vec3): (v: number[]) => Vec3 {
  const w = xyzTag(p, 'wtpt') ?? D50;
  return (v) => {
    const x = f(v);
    return [(x[0] * w[0]) / D50[0], (x[1] * w[1]) / D50[1], (x[2] * w[2]) / D50[2]];
  };
}

/**
 * The PCS-to-device function of a profile for an intent (its BToA tag, else a grey profile's kTRC
 * inverted), on relative colorimetric XYZ (D50); absolute intent scales by the white point first.
 * Undefined for a profile that cannot be an output profile this way (a matrix/TRC RGB profile is
 * one through targetOf).
 */
export function fromPcs(p: Profile, intent: Intent): ((xyz: Vec3) => number[]) | undefined {
  const relative = intent === 'absolute' ? fromAbsolute(p) : (x: Vec3) => x;
  const tag = p.tags.get(`B2A${INTENT_TAGS[intent]}`) ?? p.tags.get('B2A0');
  if (tag) {
    const { stage, type } = lutStage(p, tag, true);
    // The PCS encodings as toPcs reads them, the other way.
    const scale = type === 'mft2' ? 65280 / 65535 : 1;
    if (p.pcs === 'Lab ') {
      return (x) => {
        const [L, a, b] = xyzToLab(relative(x));
        return stage([(L / 100) * scale, ((a + 128) / 255) * scale, ((b + 128) / 255) * scale]);
      };
    }
    return (x) => stage(relative(x).map((v) => (v * 32768) / 65535));
  }
  if (p.space === 'GRAY') {
    const k = p.tags.get('kTRC');
    if (!k) throw new ProfileError('a grey profile without kTRC');
    const encode = inverseCurve(readCurve(p, k.offset).f);
    return (x) => [encode(relative(x)[1])];
  }
  return undefined;
}

/** Absolute colorimetric XYZ to relative: the inverse of `absolute`. */
function fromAbsolute(p: Profile): (x: Vec3) => Vec3 {
  const w = xyzTag(p, 'wtpt') ?? D50;
  return (x) => [(x[0] * D50[0]) / w[0], (x[1] * D50[1]) / w[1], (x[2] * D50[2]) / w[2]];
}

/** A rising curve on 0..1 inverted: a 4096-point table, searched by bisection, then a straight line. */
function inverseCurve(f: (x: number) => number): (v: number) => number {
  const n = 4096;
  const table = Float64Array.from({ length: n + 1 }, (_, k) => f(k / n));
  return (v) => {
    // The first table point at or above v, then a straight line from the one before.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (table[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return 0;
    const span = table[lo]! - table[lo - 1]!;
    return (lo - 1 + (span > 0 ? (v - table[lo - 1]!) / span : 0)) / n;
  };
}

/**
 * What an output profile (icc=, attribute::IccProfile*) gives: `matrix` an RGB space the sources
 * convert into directly (targetOf), or the device values of a BToA table or grey curve the reply is
 * separated into at the end (`rgb` for a LUT-based RGB profile, `cmyk`, `gray`).
 */
export type OutputKind = 'matrix' | 'rgb' | 'cmyk' | 'gray';

export function outputKind(p: Profile): OutputKind {
  const lut = p.tags.has('B2A0') || p.tags.has('B2A1');
  if (p.space === 'CMYK') {
    if (!lut) throw new ProfileError('a CMYK output profile needs a BToA table');
    fromPcs(p, 'relative');
    return 'cmyk';
  }
  if (p.space === 'GRAY') {
    fromPcs(p, 'relative');
    return 'gray';
  }
  if (p.space !== 'RGB ') throw new ProfileError(`an output profile must be RGB, CMYK or grey, not ${p.space.trim()}`);
  if (lut) {
    fromPcs(p, 'relative');
    return 'rgb';
  }
  targetOf(p);
  return 'matrix';
}

/** What a conversion needs of its output space: XYZ (D50) to linear RGB, and the curve that encodes it. */
export type Target = Pick<RgbSpace, 'fromXyz' | 'encode'>;

/**
 * A matrix/TRC RGB profile as an output space (icc= naming a profile of the catalog's map): its
 * colorants inverted, its curve inverted by bisection over a 4096-point table. Its three curves must
 * be one (as in nearly every RGB profile); anything else is a ProfileError.
 */
export function targetOf(p: Profile): Target {
  if (p.space !== 'RGB ') throw new ProfileError('an output profile must be RGB');
  const colorants = ['rXYZ', 'gXYZ', 'bXYZ'].map((s) => xyzTag(p, s));
  const trc = ['rTRC', 'gTRC', 'bTRC'].map((s) => p.tags.get(s));
  if (colorants.some((c) => !c) || trc.some((t) => !t)) throw new ProfileError('an output profile must be a matrix/TRC profile');
  const curves = trc.map((t) => readCurve(p, t!.offset));
  const body = (i: number) => p.bytes.subarray(trc[i]!.offset, trc[i]!.offset + curves[i]!.length);
  if (!body(1).every((v, i) => v === body(0)[i]) || !body(2).every((v, i) => v === body(0)[i])) throw new ProfileError('an output profile must have one curve for its three channels');
  const toXyz = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => colorants[col]![row]!));
  const [a, b, c, d, e, f, g, h, i] = toXyz as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (!(Math.abs(det) > 1e-9)) throw new ProfileError('an output profile has colorants that span no space');
  const fromXyz = [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d].map((v) => v / det);
  const encode = inverseCurve(curves[0]!.f);
  return { fromXyz, encode };
}


/**
 * Whether an RGB profile is sRGB (its colorants and curves within a hair of sRGB's): such sources
 * are left as they are, so their replies do not change by a rounding.
 */
export function isSrgb(p: Profile): boolean {
  if (p.space !== 'RGB ' || p.tags.has('A2B0')) return false;
  const colorants = ['rXYZ', 'gXYZ', 'bXYZ'].map((s) => xyzTag(p, s));
  if (colorants.some((c) => !c)) return false;
  const close = colorants.every((c, i) => [0, 1, 2].every((row) => Math.abs(c![row]! - SRGB_TO_XYZ[row * 3 + i]!) < 0.003));
  if (!close) return false;
  const trc = p.tags.get('rTRC');
  if (!trc) return false;
  const f = readCurve(p, trc.offset).f;
  return [0.1, 0.3, 0.5, 0.7, 0.9].every((x) => Math.abs(f(x) - RGB_SPACES.srgb.decode(x)) < 0.004);
}


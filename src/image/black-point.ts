import type { Intent } from '../protocol/request.ts';
import { D50, type Profile, type Vec3 } from './icc.ts';
import { fromPcs, INTENT_TAGS, labToXyz, toPcs, xyzToLab } from './icc-pcs.ts';

/**
 * Black-point compensation (icc=…,…,1, attribute::IccBlackPointCompensation): the darkest colour a
 * source profile can give is mapped to the darkest the output profile can, the white kept, by a
 * linear scaling of XYZ between the two (the method Adobe published and LittleCMS implements, whose
 * tools are the suite's reference). The black points are found as LittleCMS finds them: v4
 * perceptual profiles have the fixed perceptual black; an input profile's black is its darkest
 * colorant made neutral; an output LUT profile's is found from the round trip of an L* ramp.
 */

const ZERO: Vec3 = [0, 0, 0];
/** The black of the perceptual reference medium (ICC.1:2010 6.2.4.3). */
const PERCEPTUAL_BLACK: Vec3 = [0.00336, 0.0034731, 0.00287];

const deviceClass = (p: Profile) => String.fromCharCode(...p.bytes.subarray(12, 16));
const isMatrixShaper = (p: Profile) =>
  !p.tags.has('A2B0') && !p.tags.has('A2B1') && (p.space === 'GRAY' ? p.tags.has('kTRC') : ['rXYZ', 'gXYZ', 'bXYZ', 'rTRC', 'gTRC', 'bTRC'].every((t) => p.tags.has(t)));

/** A Lab colour with its chroma dropped and L* at most 50, as XYZ: the form every black point takes. */
const neutral = (lab: Vec3): Vec3 => labToXyz(Math.min(lab[0], 50), 0, 0);

/** The black of a profile's darkest device values (CMYK all inks, RGB and grey zero). */
function darkestColorant(p: Profile, intent: Intent): Vec3 {
  const black = p.space === 'CMYK' ? [1, 1, 1, 1] : p.space === 'GRAY' ? [0] : p.space === 'RGB ' ? [0, 0, 0] : undefined;
  if (!black) return ZERO;
  return neutral(xyzToLab(toPcs(p, intent)(black)));
}

/** A CMYK printer's black under relative colorimetric: Lab 0 through the perceptual table and back. */
function perceptualBlack(p: Profile): Vec3 {
  if (!p.tags.has('A2B0')) return ZERO;
  const device = fromPcs(p, 'perceptual');
  if (!device) return ZERO;
  return neutral(xyzToLab(toPcs(p, 'relative')(device(ZERO))));
}

/** The black point of a profile as the source of a conversion. */
export function sourceBlackPoint(p: Profile, intent: Intent): Vec3 {
  if (intent === 'absolute') return ZERO;
  if (p.version >= 4 && (intent === 'perceptual' || intent === 'saturation')) return isMatrixShaper(p) ? darkestColorant(p, 'relative') : PERCEPTUAL_BLACK;
  if (intent === 'relative' && deviceClass(p) === 'prtr' && p.space === 'CMYK') return perceptualBlack(p);
  return darkestColorant(p, intent);
}

/** The black point of a profile as the output of a conversion. */
export function destinationBlackPoint(p: Profile, intent: Intent): Vec3 {
  if (intent === 'absolute') return ZERO;
  if (p.version >= 4 && (intent === 'perceptual' || intent === 'saturation')) return isMatrixShaper(p) ? darkestColorant(p, 'relative') : PERCEPTUAL_BLACK;
  const device = p.tags.has(`B2A${INTENT_TAGS[intent]}`) && ['GRAY', 'RGB ', 'CMYK'].includes(p.space) ? fromPcs(p, intent) : undefined;
  if (!device) return sourceBlackPoint(p, intent);
  const initial: Vec3 = intent === 'relative' ? xyzToLab(sourceBlackPoint(p, intent)) : ZERO;
  const back = toPcs(p, 'relative');
  const clamp = (v: number) => Math.max(-50, Math.min(50, v));
  const input: number[] = [];
  const output: number[] = [];
  for (let l = 0; l < 256; l++) {
    const L = (l * 100) / 255;
    input.push(L);
    output.push(xyzToLab(back(device(labToXyz(L, clamp(initial[1]), clamp(initial[2])))))[0]);
  }
  for (let l = 254; l > 0; l--) output[l] = Math.min(output[l]!, output[l + 1]!);
  const [low, high] = [output[0]!, output[255]!];
  if (!(low < high)) return ZERO;
  if (intent === 'relative') {
    // A round trip that is straight through the mid-tones: the first guess stands.
    const straight = input.every((L, l) => L <= low + 0.2 * (high - low) || Math.abs(L - output[l]!) < 4);
    if (straight) return labToXyz(...initial);
  }
  // Otherwise the corner of the round trip's curve: the vertex of a quadratic fitted to its shadows.
  const [from, to] = intent === 'relative' ? [0.1, 0.5] : [0.03, 0.25];
  const xs: number[] = [];
  const ys: number[] = [];
  output.forEach((o, l) => {
    const y = (o - low) / (high - low);
    if (y >= from && y < to) {
      xs.push(input[l]!);
      ys.push(y);
    }
  });
  if (xs.length < 3) return ZERO;
  return labToXyz(Math.max(0, quadraticRoot(xs, ys)), initial[1], initial[2]);
}

/** Least-squares y = a x^2 + b x + c through the points, and the root of it in 0..50. */
function quadraticRoot(xs: number[], ys: number[]): number {
  if (xs.length < 4) return 0;
  const sum = (f: (x: number, y: number) => number) => xs.reduce((s, x, i) => s + f(x, ys[i]!), 0);
  const [s1, s2, s3, s4] = [1, 2, 3, 4].map((k) => sum((x) => x ** k)) as [number, number, number, number];
  const m = [xs.length, s1, s2, s1, s2, s3, s2, s3, s4];
  const v = [sum((_, y) => y), sum((x, y) => y * x), sum((x, y) => y * x * x)];
  const solved = solve3(m, v);
  if (!solved) return 0;
  const [c, b, a] = solved;
  if (Math.abs(a) < 1e-10) return Math.abs(b) < 1e-10 ? 0 : Math.max(0, Math.min(50, -c / b));
  const d = b * b - 4 * a * c;
  return d <= 0 ? 0 : Math.max(0, Math.min(50, (-b + Math.sqrt(d)) / (2 * a)));
}

/** m x = v for a 3x3 m (row major), by Cramer's rule; undefined when m is singular. */
function solve3(m: number[], v: number[]): Vec3 | undefined {
  const det = (k: number[]) => k[0]! * (k[4]! * k[8]! - k[5]! * k[7]!) - k[1]! * (k[3]! * k[8]! - k[5]! * k[6]!) + k[2]! * (k[3]! * k[7]! - k[4]! * k[6]!);
  const d = det(m);
  if (Math.abs(d) < 1e-12) return undefined;
  const column = (c: number) => det(m.map((x, i) => (i % 3 === c ? v[Math.floor(i / 3)]! : x)));
  return [column(0) / d, column(1) / d, column(2) / d];
}

/**
 * The scaling of XYZ that takes one black point to the other and keeps D50 white; undefined when
 * the two are the same (nothing to compensate).
 */
export function compensation(from: Vec3, to: Vec3): ((xyz: Vec3) => Vec3) | undefined {
  if (from.every((v, i) => Math.abs(v - to[i]!) < 1e-9)) return undefined;
  const scale = D50.map((w, i) => (to[i]! - w) / (from[i]! - w));
  const offset = D50.map((w, i) => (-w * (to[i]! - from[i]!)) / (from[i]! - w));
  return (x) => [x[0] * scale[0]! + offset[0]!, x[1] * scale[1]! + offset[1]!, x[2] * scale[2]! + offset[2]!];
}

/**
 * A colour engine for ICC profiles (v2 and v4), enough to bring sources into sRGB: matrix/TRC
 * profiles (RGB, and grey's kTRC) and LUT-based ones (lut8 `mft1`, lut16 `mft2`, `mAB`), as CMYK
 * print profiles are, with the PCS in XYZ or Lab. A transform is sampled once into a grid (a 4D one
 * for CMYK, 1D tables and a matrix for RGB) and cached by profile and intent; pixels then cost an
 * interpolation. The ICC specification (ICC.1:2010) gives the formulas; LittleCMS's tests are the
 * reference the suite compares with.
 */

import type { Intent } from '../protocol/request.ts';
import { RGB_SPACES, type RgbSpace } from './rgb-spaces.ts';

type Vec3 = [number, number, number];
type Stage = (v: number[]) => number[];

/** The PCS illuminant, D50, as ICC.1 fixes it. */
const D50: Vec3 = [0.9642, 1.0, 0.8249];

/** Linear sRGB to XYZ (D50), the colorants an sRGB profile carries (Lindbloom's Bradford-adapted values), for isSrgb. */
const SRGB_TO_XYZ: number[] = [0.4360747, 0.3850649, 0.1430804, 0.2225045, 0.7168786, 0.0606169, 0.0139322, 0.0971045, 0.7141733];

export class ProfileError extends Error {}

interface Tag {
  offset: number;
  size: number;
}

export interface Profile {
  bytes: Uint8Array;
  view: DataView;
  /** 'RGB ', 'CMYK', 'GRAY', … */
  space: string;
  pcs: 'XYZ ' | 'Lab ';
  version: number;
  tags: Map<string, Tag>;
}

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

export function parseProfile(bytes: Uint8Array): Profile {
  if (bytes.length < 132) throw new ProfileError('the ICC profile is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ascii(bytes, 36, 4) !== 'acsp') throw new ProfileError('not an ICC profile (no acsp signature)');
  const pcs = ascii(bytes, 20, 4);
  if (pcs !== 'XYZ ' && pcs !== 'Lab ') throw new ProfileError(`unsupported PCS ${pcs}`);
  const count = view.getUint32(128);
  if (count > 200 || 132 + count * 12 > bytes.length) throw new ProfileError('the ICC tag table is damaged');
  const tags = new Map<string, Tag>();
  for (let i = 0; i < count; i++) {
    const at = 132 + i * 12;
    const offset = view.getUint32(at + 4);
    const size = view.getUint32(at + 8);
    if (offset + size > bytes.length || size < 8) throw new ProfileError('an ICC tag lies outside the profile');
    tags.set(ascii(bytes, at, 4), { offset, size });
  }
  return { bytes, view, space: ascii(bytes, 16, 4), pcs, version: bytes[8]!, tags };
}

const s15 = (view: DataView, at: number) => view.getInt32(at) / 65536;

/** A profile's description: its `desc` tag, as v2 (textDescriptionType) or v4 (multiLocalizedUnicode) writes it. */
export function profileDescription(p: Profile): string {
  const tag = p.tags.get('desc');
  if (!tag) return '';
  const type = ascii(p.bytes, tag.offset, 4);
  if (type === 'desc') {
    const n = p.view.getUint32(tag.offset + 8);
    return ascii(p.bytes, tag.offset + 12, Math.max(0, Math.min(n, tag.size - 12) - 1)).replace(/\0+$/, '');
  }
  if (type === 'mluc' && p.view.getUint32(tag.offset + 8) > 0) {
    const length = p.view.getUint32(tag.offset + 20);
    const at = tag.offset + p.view.getUint32(tag.offset + 24);
    let text = '';
    for (let i = 0; i + 1 < length && at + i + 1 < p.bytes.length; i += 2) text += String.fromCharCode(p.view.getUint16(at + i));
    return text.replace(/\0+$/, '');
  }
  return '';
}

function xyzTag(p: Profile, sig: string): Vec3 | undefined {
  const tag = p.tags.get(sig);
  if (!tag || ascii(p.bytes, tag.offset, 4) !== 'XYZ ') return undefined;
  return [s15(p.view, tag.offset + 8), s15(p.view, tag.offset + 12), s15(p.view, tag.offset + 16)];
}

/** A `curv` or `para` curve at `at`, as a function on 0..1, and the bytes it takes. */
function readCurve(p: Profile, at: number): { f: (x: number) => number; length: number } {
  const type = ascii(p.bytes, at, 4);
  if (type === 'curv') {
    const n = p.view.getUint32(at + 8);
    if (at + 12 + n * 2 > p.bytes.length) throw new ProfileError('a curve runs past the profile');
    if (n === 0) return { f: (x) => x, length: 12 };
    if (n === 1) {
      const gamma = p.view.getUint16(at + 12) / 256;
      return { f: (x) => Math.pow(Math.max(0, x), gamma), length: 14 };
    }
    const table = new Float64Array(n);
    for (let i = 0; i < n; i++) table[i] = p.view.getUint16(at + 12 + i * 2) / 65535;
    return { f: (x) => interpolate1(table, x), length: 12 + n * 2 };
  }
  if (type === 'para') {
    const kind = p.view.getUint16(at + 8);
    const counts = [1, 3, 4, 5, 7];
    const n = counts[kind];
    if (n === undefined) throw new ProfileError('unknown parametric curve');
    const g = Array.from({ length: n }, (_, i) => s15(p.view, at + 12 + i * 4));
    const [gamma = 1, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = g;
    const curve = [
      (x: number) => Math.pow(x, gamma),
      (x: number) => (x >= -b / a ? Math.pow(a * x + b, gamma) : 0),
      (x: number) => (x >= -b / a ? Math.pow(a * x + b, gamma) + c : c),
      (x: number) => (x >= d ? Math.pow(a * x + b, gamma) : c * x),
      (x: number) => (x >= d ? Math.pow(a * x + b, gamma) + e : c * x + f),
    ][kind]!;
    return { f: (x) => curve(Math.max(0, Math.min(1, x))), length: 12 + n * 4 };
  }
  throw new ProfileError(`unsupported curve type ${type}`);
}

function interpolate1(table: ArrayLike<number>, x: number): number {
  const pos = Math.max(0, Math.min(1, x)) * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(pos));
  const t = pos - i;
  return table[i]! * (1 - t) + table[i + 1]! * t;
}

/** Multilinear interpolation in a CLUT of `grid` points per input, `outputs` values each. */
function clutStage(values: ArrayLike<number>, grid: number[], outputs: number): Stage {
  const inputs = grid.length;
  return (v) => {
    const out = new Array<number>(outputs).fill(0);
    const base: number[] = [];
    const frac: number[] = [];
    for (let d = 0; d < inputs; d++) {
      const pos = Math.max(0, Math.min(1, v[d]!)) * (grid[d]! - 1);
      const i = Math.min(grid[d]! - 2, Math.floor(pos));
      base.push(Math.max(0, i));
      frac.push(grid[d]! === 1 ? 0 : pos - Math.max(0, i));
    }
    for (let corner = 0; corner < 1 << inputs; corner++) {
      let weight = 1;
      let index = 0;
      for (let d = 0; d < inputs; d++) {
        const up = (corner >> (inputs - 1 - d)) & 1;
        weight *= up ? frac[d]! : 1 - frac[d]!;
        index = index * grid[d]! + Math.min(grid[d]! - 1, base[d]! + up);
      }
      if (weight === 0) continue;
      for (let o = 0; o < outputs; o++) out[o]! += weight * values[index * outputs + o]!;
    }
    return out;
  };
}

/** lut8 (`mft1`) and lut16 (`mft2`): input tables, CLUT, output tables (ICC.1 10.9 and 10.10). */
function mftStage(p: Profile, at: number, sixteen: boolean): Stage {
  const inputs = p.bytes[at + 8]!;
  const outputs = p.bytes[at + 9]!;
  const points = p.bytes[at + 10]!;
  if (inputs < 1 || inputs > 8 || outputs < 1 || outputs > 8 || points < 2) throw new ProfileError('a LUT tag is damaged');
  const read = sixteen ? (o: number) => p.view.getUint16(o) / 65535 : (o: number) => p.bytes[o]! / 255;
  const size = sixteen ? 2 : 1;
  const inEntries = sixteen ? p.view.getUint16(at + 48) : 256;
  const outEntries = sixteen ? p.view.getUint16(at + 50) : 256;
  let o = at + (sixteen ? 52 : 48);
  const table = (entries: number) => {
    const t = new Float64Array(entries);
    for (let i = 0; i < entries; i++) t[i] = read(o + i * size);
    o += entries * size;
    return t;
  };
  const inputTables = Array.from({ length: inputs }, () => table(inEntries));
  const clutCount = points ** inputs * outputs;
  if (o + clutCount * size > p.bytes.length) throw new ProfileError('a LUT runs past the profile');
  const clut = new Float64Array(clutCount);
  for (let i = 0; i < clutCount; i++) clut[i] = read(o + i * size);
  o += clutCount * size;
  const outputTables = Array.from({ length: outputs }, () => table(outEntries));
  const lookup = clutStage(clut, new Array(inputs).fill(points), outputs);
  return (v) => lookup(v.map((x, i) => interpolate1(inputTables[i]!, x))).map((x, i) => interpolate1(outputTables[i]!, x));
}

/** lutAtoB (`mAB`, v4): A curves, CLUT, M curves, matrix, B curves (ICC.1 10.12). */
function mabStage(p: Profile, at: number): Stage {
  const inputs = p.bytes[at + 8]!;
  const outputs = p.bytes[at + 9]!;
  const offsetOf = (k: number) => p.view.getUint32(at + 12 + k * 4);
  const [bOff, matrixOff, mOff, clutOff, aOff] = [0, 1, 2, 3, 4].map(offsetOf) as [number, number, number, number, number];
  const curves = (offset: number, n: number) => {
    if (offset === 0) return undefined;
    const list: ((x: number) => number)[] = [];
    let o = at + offset;
    for (let i = 0; i < n; i++) {
      const c = readCurve(p, o);
      list.push(c.f);
      o += (c.length + 3) & ~3;
    }
    return list;
  };
  const a = curves(aOff, inputs);
  const m = curves(mOff, outputs);
  const b = curves(bOff, outputs);
  let clut: Stage | undefined;
  if (clutOff !== 0) {
    const c = at + clutOff;
    const grid = Array.from({ length: inputs }, (_, i) => p.bytes[c + i]!);
    const precision = p.bytes[c + 16]!;
    const count = grid.reduce((x, y) => x * y, 1) * outputs;
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = precision === 1 ? p.bytes[c + 20 + i]! / 255 : p.view.getUint16(c + 20 + i * 2) / 65535;
    clut = clutStage(values, grid, outputs);
  }
  const matrix = matrixOff !== 0 ? Array.from({ length: 12 }, (_, i) => s15(p.view, at + matrixOff + i * 4)) : undefined;
  return (v) => {
    let x = a ? v.map((y, i) => a[i]!(y)) : v;
    if (clut) x = clut(x);
    if (m) x = x.map((y, i) => m[i]!(y));
    if (matrix) {
      const [r = 0, g = 0, bb = 0] = x;
      x = [0, 1, 2].map((row) => matrix[row * 3]! * r + matrix[row * 3 + 1]! * g + matrix[row * 3 + 2]! * bb + matrix[9 + row]!);
    }
    return b ? x.map((y, i) => b[i]!(y)) : x;
  };
}

const LAB_EPSILON = 216 / 24389;
const LAB_KAPPA = 24389 / 27;
function labToXyz(L: number, a: number, b: number): Vec3 {
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (f: number) => (f ** 3 > LAB_EPSILON ? f ** 3 : (116 * f - 16) / LAB_KAPPA);
  return [inv(fx) * D50[0], (L > LAB_KAPPA * LAB_EPSILON ? fy ** 3 : L / LAB_KAPPA) * D50[1], inv(fz) * D50[2]];
}

/** The device-to-PCS (XYZ, D50) function of a profile for an intent. */
function toPcs(p: Profile, intent: Intent): (v: number[]) => Vec3 {
  const sig = { perceptual: 'A2B0', relative: 'A2B1', saturation: 'A2B2', absolute: 'A2B1' }[intent];
  const tag = p.tags.get(sig) ?? p.tags.get('A2B0');
  if (tag) {
    const type = ascii(p.bytes, tag.offset, 4);
    const stage = type === 'mft2' ? mftStage(p, tag.offset, true) : type === 'mft1' ? mftStage(p, tag.offset, false) : type === 'mAB ' ? mabStage(p, tag.offset) : undefined;
    if (!stage) throw new ProfileError(`unsupported LUT type ${type}`);
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
function absolute(p: Profile, f: (v: number[]) => Vec3): (v: number[]) => Vec3 {
  const w = xyzTag(p, 'wtpt') ?? D50;
  return (v) => {
    const x = f(v);
    return [(x[0] * w[0]) / D50[0], (x[1] * w[1]) / D50[1], (x[2] * w[2]) / D50[2]];
  };
}

/** What a conversion needs of its output space: XYZ (D50) to linear RGB, and the curve that encodes it. */
export type Target = Pick<RgbSpace, 'fromXyz' | 'encode'>;

/** XYZ (D50) to the target space's 0..1 values, clipped. */
const xyzTo = (target: Target) => (x: Vec3): Vec3 => {
  const m = target.fromXyz;
  const lin = [m[0]! * x[0] + m[1]! * x[1] + m[2]! * x[2], m[3]! * x[0] + m[4]! * x[1] + m[5]! * x[2], m[6]! * x[0] + m[7]! * x[1] + m[8]! * x[2]];
  return lin.map((c) => target.encode(Math.max(0, Math.min(1, c)))) as Vec3;
};

/**
 * A matrix/TRC RGB profile needs no grid: each channel through its curve (a 256-entry table), one
 * 3x3 matrix into the target's linear space, clipped, and the target's curve (a 4096-entry table).
 * Exact where a grid would blur the clipping of out-of-gamut colours.
 */
function matrixShaper(p: Profile, target: Target): Transform | undefined {
  if (p.space !== 'RGB ' || p.tags.has('A2B0') || p.tags.has('A2B1')) return undefined;
  const colorants = ['rXYZ', 'gXYZ', 'bXYZ'].map((s) => xyzTag(p, s));
  const trc = ['rTRC', 'gTRC', 'bTRC'].map((s) => p.tags.get(s));
  if (colorants.some((c) => !c) || trc.some((t) => !t)) return undefined;
  const curves = trc.map((t) => readCurve(p, t!.offset).f);
  // Columns r, g, b of the source's colorants.
  const toXyz = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => colorants[col]![row]!));
  return shaper(curves, toXyz, target);
}

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
  const n = 4096;
  const table = Float64Array.from({ length: n + 1 }, (_, k) => curves[0]!.f(k / n));
  const encode = (v: number) => {
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
  return { fromXyz, encode };
}

/** Curves, then a matrix into the target's linear space, then the target's curve. */
function shaper(curves: ((x: number) => number)[], toXyz: number[], target: Target): Transform {
  const linear = curves.map((f) => Float64Array.from({ length: 256 }, (_, v) => f(v / 255)));
  const f = target.fromXyz;
  const m = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => [0, 1, 2].reduce((sum, k) => sum + f[row * 3 + k]! * toXyz[k * 3 + col]!, 0)));
  const steps = 4096;
  const encode = Uint8ClampedArray.from({ length: steps + 1 }, (_, i) => target.encode(i / steps) * 255);
  // The hot loop of every converted request: the matrix scaled to the encode table's steps, locals
  // only, rounding by truncation of x + 0.5 (the same as Math.round for the clamped, non-negative x).
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m.map((v) => v * steps) as [number, number, number, number, number, number, number, number, number];
  const [l0, l1, l2] = linear as [Float64Array, Float64Array, Float64Array];
  const index = (x: number) => (x <= 0 ? 0 : x >= steps ? steps : (x + 0.5) | 0);
  const table = Uint8Array.from(encode);
  return (pixels) => {
    // Plain bytes: stores into a clamped array cost a conversion each.
    const d = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length);
    const encode = table;
    for (let i = 0; i < d.length; i += 4) {
      const r = l0[d[i]!]!;
      const g = l1[d[i + 1]!]!;
      const b = l2[d[i + 2]!]!;
      d[i] = encode[index(m0 * r + m1 * g + m2 * b)]!;
      d[i + 1] = encode[index(m3 * r + m4 * g + m5 * b)]!;
      d[i + 2] = encode[index(m6 * r + m7 * g + m8 * b)]!;
    }
  };
}

/** A transform from a profile's device values to sRGB, run on RGBA8 pixels in place. */
export type Transform = (data: Uint8ClampedArray) => void;

/** CMYK grids are sampled at 17 points per ink (83,521 evaluations), as LittleCMS's default for 4 inputs is near. */
const CMYK_GRID = 17;

/** A profile's device values to an RGB space (sRGB unless icc= names another). */
export function transformTo(p: Profile, intent: Intent, target: Target = RGB_SPACES.srgb): Transform {
  let f = toPcs(p, intent);
  if (intent === 'absolute') f = absolute(p, f);
  const out = xyzTo(target);
  if (p.space === 'CMYK') return cmykTransform((v) => out(f(v)));
  const matrix = intent !== 'absolute' ? matrixShaper(p, target) : undefined;
  if (matrix) return matrix;
  if (p.space === 'RGB ' || p.space === 'GRAY') {
    // A 3D grid for any RGB profile (LUT-based ones too), 33 points per channel.
    const grey = p.space === 'GRAY';
    return rgbTransform((v) => out(f(grey ? [v[0]!] : v)), grey);
  }
  throw new ProfileError(`unsupported colour space ${p.space.trim()}`);
}

export const transformToSrgb = (p: Profile, intent: Intent) => transformTo(p, intent);

/** Pixels of one built-in space into another (an untagged source, taken as sRGB, to icc='s space). */
export function spaceTransform(from: Pick<RgbSpace, 'decode' | 'toXyz'>, to: Target): Transform {
  return shaper([from.decode, from.decode, from.decode], from.toXyz, to);
}

/** Without a profile: ink amounts to sRGB the simplest way (R = (1 - C)(1 - K)), an [I] default. */
export const naiveCmyk: Transform = (d) => {
  for (let i = 0; i < d.length; i += 4) {
    const k = 255 - d[i + 3]!;
    d[i] = ((255 - d[i]!) * k) / 255;
    d[i + 1] = ((255 - d[i + 1]!) * k) / 255;
    d[i + 2] = ((255 - d[i + 2]!) * k) / 255;
    d[i + 3] = 255;
  }
};

function cmykTransform(f: (v: number[]) => Vec3): Transform {
  const n = CMYK_GRID;
  const grid = new Float32Array(n ** 4 * 3);
  let o = 0;
  for (let c = 0; c < n; c++)
    for (let m = 0; m < n; m++)
      for (let y = 0; y < n; y++)
        for (let k = 0; k < n; k++) {
          const rgb = f([c / (n - 1), m / (n - 1), y / (n - 1), k / (n - 1)]);
          grid[o++] = rgb[0] * 255;
          grid[o++] = rgb[1] * 255;
          grid[o++] = rgb[2] * 255;
        }
  const s = (n - 1) / 255;
  const stride = [n ** 3 * 3, n ** 2 * 3, n * 3, 3];
  return (d) => {
    for (let i = 0; i < d.length; i += 4) {
      // Quadrilinear interpolation over the 16 corners of the cell.
      const pos = [d[i]! * s, d[i + 1]! * s, d[i + 2]! * s, d[i + 3]! * s];
      const base = pos.map((p) => Math.min(n - 2, Math.floor(p)));
      const t = pos.map((p, j) => p - base[j]!);
      let at = 0;
      for (let j = 0; j < 4; j++) at += base[j]! * stride[j]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let corner = 0; corner < 16; corner++) {
        let w = 1;
        let index = at;
        for (let j = 0; j < 4; j++) {
          const up = (corner >> (3 - j)) & 1;
          w *= up ? t[j]! : 1 - t[j]!;
          index += up * stride[j]!;
        }
        if (w === 0) continue;
        r += w * grid[index]!;
        g += w * grid[index + 1]!;
        b += w * grid[index + 2]!;
      }
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
      d[i + 3] = 255;
    }
  };
}

function rgbTransform(f: (v: number[]) => Vec3, grey: boolean): Transform {
  if (grey) {
    const table = new Uint8ClampedArray(256 * 3);
    for (let v = 0; v < 256; v++) table.set(f([v / 255, v / 255, v / 255]).map((c) => c * 255), v * 3);
    return (d) => {
      for (let i = 0; i < d.length; i += 4) {
        const v = d[i]! * 3;
        d[i] = table[v]!;
        d[i + 1] = table[v + 1]!;
        d[i + 2] = table[v + 2]!;
      }
    };
  }
  const n = 33;
  const grid = new Float32Array(n ** 3 * 3);
  let o = 0;
  for (let r = 0; r < n; r++)
    for (let g = 0; g < n; g++)
      for (let b = 0; b < n; b++) {
        const rgb = f([r / (n - 1), g / (n - 1), b / (n - 1)]);
        grid[o++] = rgb[0] * 255;
        grid[o++] = rgb[1] * 255;
        grid[o++] = rgb[2] * 255;
      }
  const s = (n - 1) / 255;
  const sr = n * n * 3;
  const sg = n * 3;
  return (d) => {
    for (let i = 0; i < d.length; i += 4) {
      const pr = d[i]! * s;
      const pg = d[i + 1]! * s;
      const pb = d[i + 2]! * s;
      const r0 = Math.min(n - 2, pr | 0);
      const g0 = Math.min(n - 2, pg | 0);
      const b0 = Math.min(n - 2, pb | 0);
      const fr = pr - r0;
      const fg = pg - g0;
      const fb = pb - b0;
      const at = r0 * sr + g0 * sg + b0 * 3;
      // Tetrahedral interpolation (as LittleCMS does for 3 inputs): 4 corners of the cell.
      let c1: number;
      let c2: number;
      let w0: number;
      let w1: number;
      let w2: number;
      let w3: number;
      if (fr >= fg && fg >= fb) [c1, c2, w0, w1, w2, w3] = [sr, sr + sg, 1 - fr, fr - fg, fg - fb, fb];
      else if (fr >= fb && fb >= fg) [c1, c2, w0, w1, w2, w3] = [sr, sr + 3, 1 - fr, fr - fb, fb - fg, fg];
      else if (fb >= fr && fr >= fg) [c1, c2, w0, w1, w2, w3] = [3, sr + 3, 1 - fb, fb - fr, fr - fg, fg];
      else if (fg >= fr && fr >= fb) [c1, c2, w0, w1, w2, w3] = [sg, sr + sg, 1 - fg, fg - fr, fr - fb, fb];
      else if (fg >= fb && fb >= fr) [c1, c2, w0, w1, w2, w3] = [sg, sg + 3, 1 - fg, fg - fb, fb - fr, fr];
      else [c1, c2, w0, w1, w2, w3] = [3, sg + 3, 1 - fb, fb - fg, fg - fr, fr];
      const far = sr + sg + 3;
      for (let ch = 0; ch < 3; ch++) {
        d[i + ch] = w0 * grid[at + ch]! + w1 * grid[at + c1 + ch]! + w2 * grid[at + c2 + ch]! + w3 * grid[at + far + ch]!;
      }
    }
  };
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

/**
 * The profile of a built-in space, to embed in replies converted to it (iccEmbed=1;
 * CMD/r-iccembed.md: the output profile, not the source's): ICC v2, display class, the space's D50
 * colorants, and its curve as a gamma or (sRGB's) a 1024-entry table. Made once per space.
 */
const builtinBytes = new Map<string, Uint8Array>();
export const srgbProfile = () => builtinProfile(RGB_SPACES.srgb);
export function builtinProfile(space: RgbSpace): Uint8Array {
  const made = builtinBytes.get(space.name);
  if (made) return made;
  const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const s15f16 = (v: number) => be32(Math.round(v * 65536) >>> 0);
  const text = (s: string) => [...s].map((c) => c.charCodeAt(0));
  const xyz = (x: number, y: number, z: number) => [...text('XYZ '), 0, 0, 0, 0, ...s15f16(x), ...s15f16(y), ...s15f16(z)];
  const curve = [...text('curv'), 0, 0, 0, 0];
  if (space.gamma !== undefined) {
    const g = Math.round(space.gamma * 256);
    curve.push(...be32(1), g >> 8, g & 255);
  } else {
    curve.push(...be32(1024));
    for (let i = 0; i < 1024; i++) {
      const v = Math.round(space.decode(i / 1023) * 65535);
      curve.push(v >> 8, v & 255);
    }
  }
  const name = space.description;
  const desc = [...text('desc'), 0, 0, 0, 0, ...be32(name.length + 1), ...text(name), 0, ...new Array(4 + 4 + 2 + 1 + 67).fill(0)];
  const m = space.toXyz;
  const tags: [string, number[]][] = [
    ['desc', desc],
    ['wtpt', xyz(...D50)],
    ['rXYZ', xyz(m[0]!, m[3]!, m[6]!)],
    ['gXYZ', xyz(m[1]!, m[4]!, m[7]!)],
    ['bXYZ', xyz(m[2]!, m[5]!, m[8]!)],
    ['rTRC', curve],
    ['gTRC', curve],
    ['bTRC', curve],
    ['cprt', [...text('text'), 0, 0, 0, 0, ...text('No copyright, use freely'), 0]],
  ];
  const pad = (b: number[]) => [...b, ...new Array((4 - (b.length % 4)) % 4).fill(0)];
  let offset = 128 + 4 + tags.length * 12;
  const table: number[] = be32(tags.length);
  const bodies: number[] = [];
  // The three curves are one body, shared, as profiles commonly do.
  const shared = new Map<number[], number>();
  for (const [sig, data] of tags) {
    let at = shared.get(data);
    if (at === undefined) {
      at = offset;
      shared.set(data, at);
      const padded = pad(data);
      bodies.push(...padded);
      offset += padded.length;
    }
    table.push(...text(sig), ...be32(at), ...be32(data.length));
  }
  const header = new Array<number>(128).fill(0);
  header.splice(0, 4, ...be32(offset));
  header.splice(8, 4, 2, 0x10, 0, 0);
  header.splice(12, 12, ...text('mntrRGB XYZ '));
  header.splice(36, 4, ...text('acsp'));
  header.splice(68, 12, ...s15f16(D50[0]), ...s15f16(D50[1]), ...s15f16(D50[2]));
  const bytes = Uint8Array.from([...header, ...table, ...bodies]);
  builtinBytes.set(space.name, bytes);
  return bytes;
}

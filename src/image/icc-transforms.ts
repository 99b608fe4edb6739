/**
 * Colour transforms, built once per (profile pair, intent) and cached by the caller: a source's
 * device values to an RGB space (a 4D grid for CMYK, 1D tables and a matrix for matrix/TRC RGB, a
 * 3D grid for LUT-based RGB), and an RGB space to an output profile's device values (CMYK, grey, or
 * LUT-based RGB; a 3D grid). Pixels then cost an interpolation. Black-point compensation, where
 * asked, scales the PCS between the two (black-point.ts).
 */

import type { Intent } from '../protocol/request.ts';
import { compensation, destinationBlackPoint, sourceBlackPoint } from './black-point.ts';
import { ProfileError, readCurve, xyzTag, type Profile, type Vec3 } from './icc.ts';
import { absolute, fromPcs, toPcs, type OutputKind, type Target } from './icc-pcs.ts';
import { RGB_SPACES, type RgbSpace } from './rgb-spaces.ts';
import { Arena, colorKernelInstance } from './kernels.ts';

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

/** Curves, then a matrix into the target's linear space, then the target's curve. */
function shaper(curves: ((x: number) => number)[], toXyz: number[], target: Target): Transform {
  const f = target.fromXyz;
  const m = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => [0, 1, 2].reduce((sum, k) => sum + f[row * 3 + k]! * toXyz[k * 3 + col]!, 0)));
  const steps = 4096;
  const encode = Uint8ClampedArray.from({ length: steps + 1 }, (_, i) => target.encode(i / steps) * 255);
  // The matrix scaled to the encode table's steps; rounding by truncation of x + 0.5 (the same as
  // Math.round for the clamped, non-negative x).
  const scaled = m.map((v) => v * steps);
  const index = (x: number) => (x <= 0 ? 0 : x >= steps ? steps : (x + 0.5) | 0);
  // 8-bit colours on the colour kernel (the hot loop of every converted request; in a probe a third
  // less time than this loop in JavaScript), its tables in f32, the kernel's arithmetic.
  const tables = { curves: Float32Array.from(curves.flatMap((f) => Array.from({ length: 256 }, (_, v) => f(v / 255)))), matrix: Float32Array.from(scaled), encode: Uint8Array.from(encode) };
  // 16-bit sources' curves, made on their first use (256 KB a channel).
  let wideCurves: Float32Array[] | undefined;
  return (pixels, wide) => {
    if (!wide) return shaperOnKernel(pixels, tables, steps);
    const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = scaled as [number, number, number, number, number, number, number, number, number];
    const [c0, c1, c2] = (wideCurves ??= curves.map((f) => Float32Array.from({ length: 65536 }, (_, v) => f(v / 65535)))) as [Float32Array, Float32Array, Float32Array];
    // Plain bytes: stores into a clamped array cost a conversion each.
    const d = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length);
    for (let i = 0; i < d.length; i += 4) {
      const r = c0[wide[i]!]!;
      const g = c1[wide[i + 1]!]!;
      const b = c2[wide[i + 2]!]!;
      d[i] = encode[index(m0 * r + m1 * g + m2 * b)]!;
      d[i + 1] = encode[index(m3 * r + m4 * g + m5 * b)]!;
      d[i + 2] = encode[index(m6 * r + m7 * g + m8 * b)]!;
    }
  };
}

function shaperOnKernel(pixels: Uint8ClampedArray, tables: { curves: Float32Array; matrix: Float32Array; encode: Uint8Array }, steps: number): void {
  const k = colorKernelInstance();
  const arena = new Arena(k.memory, k.heapBase.value as number);
  const at = arena.take(pixels.length);
  const curves = arena.take(tables.curves.byteLength);
  const matrix = arena.take(tables.matrix.byteLength);
  const encode = arena.take(tables.encode.byteLength);
  new Float32Array(k.memory.buffer, curves, tables.curves.length).set(tables.curves);
  new Float32Array(k.memory.buffer, matrix, tables.matrix.length).set(tables.matrix);
  arena.bytes(encode, tables.encode.length).set(tables.encode);
  arena.bytes(at, pixels.length).set(pixels);
  k.shaper(at, pixels.length / 4, curves, matrix, encode, steps);
  pixels.set(new Uint8ClampedArray(k.memory.buffer, at, pixels.length));
}

/**
 * A transform of RGBA8 pixels in place (to an RGB space; or to an output profile's device values,
 * see separation). With `wide`, the same pixels' colours at 16 bits (a 16-bit PNG), read instead of
 * the 8-bit ones, so the conversion comes before the reduction to 8 bits; the result is 8-bit.
 */
export type Transform = (data: Uint8ClampedArray, wide?: Uint16Array) => void;

/** CMYK grids are sampled at 17 points per ink (83,521 evaluations), as LittleCMS's default for 4 inputs is near. */
const CMYK_GRID = 17;

/**
 * Whether a conversion through a profile compensates black points: when asked, and always for a v4
 * profile's perceptual and saturation tables, whose PCS has the perceptual reference medium's black
 * (ICC.1:2010 6.2.4.3; LittleCMS does the same). Never for absolute colorimetric.
 */
const compensates = (p: Profile, intent: Intent, bpc: boolean) =>
  intent !== 'absolute' && (bpc || (p.version >= 4 && (intent === 'perceptual' || intent === 'saturation')));

/**
 * A profile's device values to an RGB space (sRGB unless icc= names another); `bpc` compensates
 * the profile's black point to the space's (zero: a matrix space's black is its darkest colour).
 */
export function transformTo(p: Profile, intent: Intent, target: Target = RGB_SPACES.srgb, bpc = false): Transform {
  let f = toPcs(p, intent);
  if (intent === 'absolute') f = absolute(p, f);
  const scaled = compensates(p, intent, bpc) ? compensation(sourceBlackPoint(p, intent), [0, 0, 0]) : undefined;
  if (scaled) {
    const unscaled = f;
    f = (v) => scaled(unscaled(v));
  }
  const out = xyzTo(target);
  if (p.space === 'CMYK') return cmykTransform((v) => out(f(v)));
  const matrix = intent !== 'absolute' && !scaled ? matrixShaper(p, target) : undefined;
  if (matrix) return matrix;
  if (p.space === 'RGB ' || p.space === 'GRAY') {
    // A 3D grid for any RGB profile (LUT-based ones too), 33 points per channel.
    const grey = p.space === 'GRAY';
    return rgbTransform((v) => out(f(grey ? [v[0]!] : v)), grey);
  }
  throw new ProfileError(`unsupported colour space ${p.space.trim()}`);
}

/** Pixels of one built-in space into another (an untagged source, taken as sRGB, to icc='s space). */
export function spaceTransform(from: Pick<RgbSpace, 'decode' | 'toXyz'>, to: Target): Transform {
  return shaper([from.decode, from.decode, from.decode], from.toXyz, to);
}

/** Without a profile: ink amounts to sRGB the simplest way (R = (1 - C)(1 - K)), a default of ours. */
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
    // 16-bit greys get their own table, made on its first use.
    let wideTable: Uint8ClampedArray | undefined;
    return (d, wide) => {
      if (wide && !wideTable) {
        wideTable = new Uint8ClampedArray(65536 * 3);
        for (let v = 0; v < 65536; v++) wideTable.set(f([v / 65535, v / 65535, v / 65535]).map((c) => c * 255), v * 3);
      }
      const [t, s] = wide ? [wideTable!, wide] : [table, d];
      for (let i = 0; i < d.length; i += 4) {
        const v = s[i]! * 3;
        d[i] = t[v]!;
        d[i + 1] = t[v + 1]!;
        d[i + 2] = t[v + 2]!;
      }
    };
  }
  return gridTransform(f, 3);
}

/**
 * A 3D grid over RGB, 33 points per channel, of `outputs` values on 0..1 each, interpolated
 * tetrahedrally (as LittleCMS does for 3 inputs). The results go to the first `outputs` bytes of
 * each pixel; one output (grey) goes to the three colour bytes, so every encoder reads it as grey.
 */
function gridTransform(f: (v: number[]) => number[], outputs: number): Transform {
  const n = 33;
  const grid = new Float32Array(n ** 3 * outputs);
  let o = 0;
  for (let r = 0; r < n; r++)
    for (let g = 0; g < n; g++)
      for (let b = 0; b < n; b++) {
        const values = f([r / (n - 1), g / (n - 1), b / (n - 1)]);
        for (let c = 0; c < outputs; c++) grid[o++] = Math.max(0, Math.min(1, values[c]!)) * 255;
      }
  const sr = n * n * outputs;
  const sg = n * outputs;
  const sb = outputs;
  return (d, wide) => {
    const v = wide ?? d;
    const s = (n - 1) / (wide ? 65535 : 255);
    for (let i = 0; i < d.length; i += 4) {
      const pr = v[i]! * s;
      const pg = v[i + 1]! * s;
      const pb = v[i + 2]! * s;
      const r0 = Math.min(n - 2, pr | 0);
      const g0 = Math.min(n - 2, pg | 0);
      const b0 = Math.min(n - 2, pb | 0);
      const fr = pr - r0;
      const fg = pg - g0;
      const fb = pb - b0;
      const at = r0 * sr + g0 * sg + b0 * sb;
      // Tetrahedral interpolation: the 4 corners of the cell's tetrahedron that holds the point.
      let c1: number;
      let c2: number;
      let w0: number;
      let w1: number;
      let w2: number;
      let w3: number;
      if (fr >= fg && fg >= fb) [c1, c2, w0, w1, w2, w3] = [sr, sr + sg, 1 - fr, fr - fg, fg - fb, fb];
      else if (fr >= fb && fb >= fg) [c1, c2, w0, w1, w2, w3] = [sr, sr + sb, 1 - fr, fr - fb, fb - fg, fg];
      else if (fb >= fr && fr >= fg) [c1, c2, w0, w1, w2, w3] = [sb, sr + sb, 1 - fb, fb - fr, fr - fg, fg];
      else if (fg >= fr && fr >= fb) [c1, c2, w0, w1, w2, w3] = [sg, sr + sg, 1 - fg, fg - fr, fr - fb, fb];
      else if (fg >= fb && fb >= fr) [c1, c2, w0, w1, w2, w3] = [sg, sg + sb, 1 - fg, fg - fb, fb - fr, fr];
      else [c1, c2, w0, w1, w2, w3] = [sb, sg + sb, 1 - fb, fb - fg, fg - fr, fr];
      const far = sr + sg + sb;
      for (let ch = 0; ch < outputs; ch++) {
        d[i + ch] = w0 * grid[at + ch]! + w1 * grid[at + c1 + ch]! + w2 * grid[at + c2 + ch]! + w3 * grid[at + far + ch]!;
      }
      if (outputs === 1) d[i + 2] = d[i + 1] = d[i]!;
    }
  };
}

/**
 * sRGB pixels (the working space of a reply bound for a device profile) to an
 * output profile's device values (`kind` as outputKind gives it): CMYK into the four bytes of each
 * pixel (ink amounts, 255 full; the alpha byte is the black), grey into the three colour bytes, RGB
 * into them. `bpc` compensates the space's black (zero) to the profile's.
 */
export function separation(p: Profile, kind: Exclude<OutputKind, 'matrix'>, intent: Intent, bpc: boolean): Transform {
  const from = RGB_SPACES.srgb;
  const device = fromPcs(p, intent);
  if (!device) throw new ProfileError('the profile has no table to convert into');
  const scaled = compensates(p, intent, bpc) ? compensation([0, 0, 0], destinationBlackPoint(p, intent)) : undefined;
  const m = from.toXyz;
  const toXyz = (v: number[]): Vec3 => {
    const [r, g, b] = v.map(from.decode) as Vec3;
    const xyz: Vec3 = [m[0]! * r + m[1]! * g + m[2]! * b, m[3]! * r + m[4]! * g + m[5]! * b, m[6]! * r + m[7]! * g + m[8]! * b];
    return scaled ? scaled(xyz) : xyz;
  };
  return gridTransform((v) => device(toXyz(v)), kind === 'cmyk' ? 4 : kind === 'gray' ? 1 : 3);
}

/**
 * Without a CMYK profile: RGB to inks the simplest way, the exact inverse of naiveCmyk (K = 1 -
 * max(R, G, B), each ink the rest of its colour), the conversion the reference names for colour
 * management switched off (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-fmt).
 */
export const naiveSeparation: Transform = (d) => {
  for (let i = 0; i < d.length; i += 4) {
    const white = Math.max(d[i]!, d[i + 1]!, d[i + 2]!);
    const k = 255 - white;
    const ink = (v: number) => (white === 0 ? 0 : Math.round(255 - (v * 255) / white));
    d[i + 3] = k;
    d[i] = ink(d[i]!);
    d[i + 1] = ink(d[i + 1]!);
    d[i + 2] = ink(d[i + 2]!);
  }
};

/**
 * Reading ICC profiles (v2 and v4): the header and tag table, curves (`curv`, `para`), matrices,
 * and the LUT tags both ways, device to PCS (lut8 `mft1`, lut16 `mft2`, `mAB`) and PCS to device
 * (the same lut types and `mBA`), with the PCS in XYZ or Lab. icc-pcs.ts makes a profile's
 * functions of the PCS from these, and icc-transforms.ts the transforms. The ICC specification (ICC.1:2010) gives the formulas; LittleCMS's tools are
 * the reference the suite compares with. Every profile is untrusted: anything out of bounds or of
 * an unknown type is a ProfileError.
 */

export type Vec3 = [number, number, number];
type Stage = (v: number[]) => number[];

/** The PCS illuminant, D50, as ICC.1 fixes it. */
export const D50: Vec3 = [0.9642, 1.0, 0.8249];

/** Linear sRGB to XYZ (D50), the colorants an sRGB profile carries (Lindbloom's Bradford-adapted values), for isSrgb. */
export const SRGB_TO_XYZ: number[] = [0.4360747, 0.3850649, 0.1430804, 0.2225045, 0.7168786, 0.0606169, 0.0139322, 0.0971045, 0.7141733];

export class ProfileError extends Error {}

export interface Tag {
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
  if (tag.size < 28) return '';
  if (type === 'desc') {
    const n = p.view.getUint32(tag.offset + 8);
    return ascii(p.bytes, tag.offset + 12, Math.max(0, Math.min(n, tag.size - 12) - 1)).replace(/\0+$/, '');
  }
  if (type === 'mluc' && p.view.getUint32(tag.offset + 8) > 0) {
    const length = p.view.getUint32(tag.offset + 20);
    const at = tag.offset + p.view.getUint32(tag.offset + 24);
    if (at + length > p.bytes.length) return '';
    let text = '';
    for (let i = 0; i + 1 < length && at + i + 1 < p.bytes.length; i += 2) text += String.fromCharCode(p.view.getUint16(at + i));
    return text.replace(/\0+$/, '');
  }
  return '';
}

export function xyzTag(p: Profile, sig: string): Vec3 | undefined {
  const tag = p.tags.get(sig);
  if (!tag || tag.size < 20 || ascii(p.bytes, tag.offset, 4) !== 'XYZ ') return undefined;
  return [s15(p.view, tag.offset + 8), s15(p.view, tag.offset + 12), s15(p.view, tag.offset + 16)];
}

/** A `curv` or `para` curve at `at`, as a function on 0..1, and the bytes it takes. */
export function readCurve(p: Profile, at: number): { f: (x: number) => number; length: number } {
  if (at + 12 > p.bytes.length) throw new ProfileError('a curve runs past the profile');
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
    if (at + 12 + n * 4 > p.bytes.length) throw new ProfileError('a curve runs past the profile');
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

/**
 * lut8 (`mft1`) and lut16 (`mft2`): input tables, CLUT, output tables (ICC.1 10.9 and 10.10); the
 * header's matrix applies only where the input is XYZ (`xyzIn`, a PCS-to-device table of an XYZ profile).
 */
function mftStage(p: Profile, at: number, sixteen: boolean, xyzIn = false): Stage {
  const inputs = p.bytes[at + 8]!;
  const outputs = p.bytes[at + 9]!;
  const points = p.bytes[at + 10]!;
  if (inputs < 1 || inputs > 8 || outputs < 1 || outputs > 8 || points < 2) throw new ProfileError('a LUT tag is damaged');
  const read = sixteen ? (o: number) => p.view.getUint16(o) / 65535 : (o: number) => p.bytes[o]! / 255;
  const size = sixteen ? 2 : 1;
  if (at + 52 > p.bytes.length) throw new ProfileError('a LUT tag is damaged');
  const inEntries = sixteen ? p.view.getUint16(at + 48) : 256;
  const outEntries = sixteen ? p.view.getUint16(at + 50) : 256;
  let o = at + (sixteen ? 52 : 48);
  const clutCount = points ** inputs * outputs;
  if (inEntries < 2 || outEntries < 2 || o + (inputs * inEntries + clutCount + outputs * outEntries) * size > p.bytes.length) throw new ProfileError('a LUT runs past the profile');
  const table = (entries: number) => {
    const t = new Float64Array(entries);
    for (let i = 0; i < entries; i++) t[i] = read(o + i * size);
    o += entries * size;
    return t;
  };
  const inputTables = Array.from({ length: inputs }, () => table(inEntries));
  const clut = new Float64Array(clutCount);
  for (let i = 0; i < clutCount; i++) clut[i] = read(o + i * size);
  o += clutCount * size;
  const outputTables = Array.from({ length: outputs }, () => table(outEntries));
  const lookup = clutStage(clut, new Array(inputs).fill(points), outputs);
  const matrix = xyzIn && inputs === 3 ? Array.from({ length: 9 }, (_, i) => s15(p.view, at + 12 + i * 4)) : undefined;
  const tables = (v: number[]) => lookup(v.map((x, i) => interpolate1(inputTables[i]!, x))).map((x, i) => interpolate1(outputTables[i]!, x));
  if (!matrix) return tables;
  return (v) => tables([0, 1, 2].map((row) => matrix[row * 3]! * v[0]! + matrix[row * 3 + 1]! * v[1]! + matrix[row * 3 + 2]! * v[2]!));
}

/**
 * lutAtoB (`mAB`: A curves, CLUT, M curves, matrix, B curves; ICC.1 10.12) and lutBtoA (`mBA`: the
 * same elements the other way, B curves first; 10.13). Both lay out their offsets alike.
 */
function mabStage(p: Profile, tag: Tag, toDevice: boolean): Stage {
  const at = tag.offset;
  const inputs = p.bytes[at + 8]!;
  const outputs = p.bytes[at + 9]!;
  const offsetOf = (k: number) => p.view.getUint32(at + 12 + k * 4);
  const [bOff, matrixOff, mOff, clutOff, aOff] = [0, 1, 2, 3, 4].map(offsetOf) as [number, number, number, number, number];
  if ([bOff, matrixOff, mOff, clutOff, aOff].some((offset) => offset >= tag.size)) throw new ProfileError('a LUT element lies outside its tag');
  if (matrixOff !== 0 && at + matrixOff + 48 > p.bytes.length) throw new ProfileError('a LUT matrix runs past the profile');
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
  // The CLUT sits on the device side: between A and M from device to PCS, between M and A the other way.
  const pcsSide = toDevice ? inputs : outputs;
  const a = curves(aOff, toDevice ? outputs : inputs);
  const m = curves(mOff, pcsSide);
  const b = curves(bOff, pcsSide);
  let clut: Stage | undefined;
  if (clutOff !== 0) {
    const c = at + clutOff;
    if (c + 20 > p.bytes.length) throw new ProfileError('a CLUT runs past the profile');
    const grid = Array.from({ length: inputs }, (_, i) => p.bytes[c + i]!);
    const precision = p.bytes[c + 16]!;
    const count = grid.reduce((x, y) => x * y, 1) * outputs;
    if (grid.some((g) => g < 2) || (precision !== 1 && precision !== 2) || c + 20 + count * precision > p.bytes.length) throw new ProfileError('a CLUT is damaged');
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = precision === 1 ? p.bytes[c + 20 + i]! / 255 : p.view.getUint16(c + 20 + i * 2) / 65535;
    clut = clutStage(values, grid, outputs);
  }
  const matrix = matrixOff !== 0 ? Array.from({ length: 12 }, (_, i) => s15(p.view, at + matrixOff + i * 4)) : undefined;
  const curved = (list: ((x: number) => number)[] | undefined) => (x: number[]) => (list ? x.map((y, i) => list[i]!(y)) : x);
  const multiplied = (x: number[]) => {
    if (!matrix) return x;
    const [r = 0, g = 0, bb = 0] = x;
    return [0, 1, 2].map((row) => matrix[row * 3]! * r + matrix[row * 3 + 1]! * g + matrix[row * 3 + 2]! * bb + matrix[9 + row]!);
  };
  const looked = (x: number[]) => (clut ? clut(x) : x);
  const order = toDevice ? [curved(b), multiplied, curved(m), looked, curved(a)] : [curved(a), looked, curved(m), multiplied, curved(b)];
  return (v) => order.reduce((x, stage) => stage(x), v);
}

const CHANNELS: Record<string, number> = { 'RGB ': 3, CMYK: 4, GRAY: 1 };

/**
 * A LUT tag as a stage, device to PCS or (`toDevice`) PCS to device, its channel counts checked
 * against the profile's space; and its type, whose PCS encoding the caller reads.
 */
export function lutStage(p: Profile, tag: Tag, toDevice: boolean): { stage: Stage; type: string } {
  if (tag.size < 32) throw new ProfileError('a LUT tag is too short');
  const type = ascii(p.bytes, tag.offset, 4);
  const device = CHANNELS[p.space];
  if (!device) throw new ProfileError(`unsupported colour space ${p.space.trim()}`);
  const [inputs, outputs] = toDevice ? [3, device] : [device, 3];
  if (p.bytes[tag.offset + 8] !== inputs || p.bytes[tag.offset + 9] !== outputs) throw new ProfileError('a LUT tag has the wrong number of channels for its profile');
  const xyzIn = toDevice && p.pcs === 'XYZ ';
  const stage =
    type === 'mft2' ? mftStage(p, tag.offset, true, xyzIn) : type === 'mft1' ? mftStage(p, tag.offset, false, xyzIn) : type === (toDevice ? 'mBA ' : 'mAB ') ? mabStage(p, tag, toDevice) : undefined;
  if (!stage) throw new ProfileError(`unsupported LUT type ${type}`);
  return { stage, type };
}

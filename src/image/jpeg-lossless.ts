import { walkJpeg } from './jpeg-walk.ts';
import type { Pixels } from './pixels.ts';

/**
 * Lossless JPEG (SOF3, Huffman-coded; ITU T.81 annex H), which neither our kernel nor MozJPEG's
 * build decodes. Written here rather than taken from npm: jpeg-lossless-decoder-js ignores the point
 * transform (its first predictor is 2^(P-1), not 2^(P-Pt-1), and it does not shift samples back),
 * so files written with Pt > 0 come out wrong. Grey or three components at full resolution (every
 * sampling factor 1), any precision from 2 to 16 bits, scaled to 8 bits; one interleaved scan or
 * one scan per component; restart intervals.
 */
export class DamagedLossless extends Error {}

const fail = (what: string): never => {
  throw new DamagedLossless(`The source image is corrupt: ${what}`);
};

interface Huffman {
  /** For each code length 1..16, as libjpeg's jdhuff.c: the largest code, where its values start, the smallest code. */
  maxCode: Int32Array;
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
}

function huffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    valPtr[l] = k;
    minCode[l] = code;
    code += counts[l - 1]!;
    k += counts[l - 1]!;
    maxCode[l] = counts[l - 1]! > 0 ? code - 1 : -1;
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valPtr, minCode, values };
}

class Bits {
  private acc = 0;
  private count = 0;
  constructor(
    private readonly b: Uint8Array,
    public at: number,
  ) {}

  bit(): number {
    if (this.count === 0) {
      if (this.at >= this.b.length) fail('its lossless JPEG data ends early');
      let byte = this.b[this.at++]!;
      if (byte === 0xff) {
        const next = this.b[this.at];
        if (next === 0x00) this.at++;
        else fail('its lossless JPEG data ends early');
        byte = 0xff;
      }
      this.acc = byte;
      this.count = 8;
    }
    this.count--;
    return (this.acc >> this.count) & 1;
  }

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bit();
    return v;
  }

  decode(t: Huffman): number {
    let code = this.bit();
    let l = 1;
    while (code > t.maxCode[l]!) {
      if (++l > 16) fail('a bad Huffman code in its lossless JPEG data');
      code = (code << 1) | this.bit();
    }
    const value = t.values[t.valPtr[l]! + code - t.minCode[l]!];
    if (value === undefined) fail('a bad Huffman code in its lossless JPEG data');
    return value!;
  }

  /** Skips to the restart marker a restart interval ends with. */
  restart(): void {
    this.count = 0;
    if (this.b[this.at] !== 0xff || (this.b[this.at + 1]! & 0xf8) !== 0xd0) fail('a restart marker is missing from its lossless JPEG data');
    this.at += 2;
  }
}

/** The start of each component's scan data, as scanned: which components, their tables, the predictor and Pt. */
interface Scan {
  components: number[];
  tables: Huffman[];
  predictor: number;
  pointTransform: number;
  at: number;
}

export function decodeLosslessJpeg(b: Uint8Array): Pixels {
  const tables: (Huffman | undefined)[] = [];
  let precision = 0;
  let width = 0;
  let height = 0;
  let ids: number[] = [];
  let restartInterval = 0;
  let jfif = false;
  let adobe = -1;
  let planes: Uint16Array[] = [];
  const shifts: number[] = [];
  walkJpeg(b, 'lossless JPEG', fail, (marker, body, length, next) => {
    if (marker === 0xc4) {
      for (let q = body; q < next; ) {
        const slot = b[q]! & 15;
        const counts = b.subarray(q + 1, q + 17);
        const total = counts.reduce((s, c) => s + c, 0);
        if (q + 17 + total > next || slot > 3) fail('a damaged Huffman table');
        // Lossless scans code with the DC tables (class 0) only.
        if (b[q]! >> 4 === 0) tables[slot] = huffman(counts, b.slice(q + 17, q + 17 + total));
        q += 17 + total;
      }
    } else if (marker === 0xc3) {
      precision = b[body]!;
      height = (b[body + 1]! << 8) | b[body + 2]!;
      width = (b[body + 3]! << 8) | b[body + 4]!;
      const count = b[body + 5]!;
      if (precision < 2 || precision > 16 || width === 0 || height === 0 || (count !== 1 && count !== 3)) fail('an unreadable lossless JPEG frame');
      for (let c = 0; c < count; c++) {
        ids.push(b[body + 6 + c * 3]!);
        if (b[body + 7 + c * 3] !== 0x11) fail('a lossless JPEG with subsampled components, which Isle does not read');
      }
      planes = ids.map(() => new Uint16Array(width * height));
    } else if (marker === 0xdd) {
      restartInterval = (b[body]! << 8) | b[body + 1]!;
    } else if (marker === 0xe0 && b[body] === 0x4a && b[body + 1] === 0x46) {
      jfif = true;
    } else if (marker === 0xee && length >= 14 && b[body] === 0x41 && b[body + 1] === 0x64) {
      adobe = b[body + 11]!;
    } else if (marker === 0xda) {
      if (planes.length === 0) fail('a lossless JPEG scan before its frame');
      const count = b[body]!;
      const components: number[] = [];
      const scanTables: Huffman[] = [];
      for (let c = 0; c < count; c++) {
        const index = ids.indexOf(b[body + 1 + c * 2]!);
        const table = tables[b[body + 2 + c * 2]! >> 4];
        if (index < 0 || !table) fail('a lossless JPEG scan naming an unknown component or table');
        components.push(index);
        scanTables.push(table!);
      }
      const s = body + 1 + count * 2;
      const scan = { components, tables: scanTables, predictor: b[s]!, pointTransform: b[s + 2]! & 15, at: next };
      if (scan.predictor < 1 || scan.predictor > 7 || scan.pointTransform >= precision) fail('a lossless JPEG scan with a bad predictor or point transform');
      return decodeScan(b, scan, planes, shifts, width, height, precision, restartInterval);
    }
    return undefined;
  });
  if (planes.length === 0) fail('no lossless JPEG frame');
  const ycc = planes.length === 3 && (jfif || adobe === 1 || (adobe === -1 && !(ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42)));
  return toRgba(planes, shifts, width, height, precision, ycc);
}

/**
 * Decodes one scan into the planes, recording each component's point transform in `shifts`;
 * returns where the markers go on. A restart interval must be whole rows (libjpeg-turbo writes them so).
 */
function decodeScan(b: Uint8Array, scan: Scan, planes: Uint16Array[], shifts: number[], width: number, height: number, precision: number, restartInterval: number): number {
  const bits = new Bits(b, scan.at);
  const { components, tables, predictor, pointTransform: pt } = scan;
  if (restartInterval % width !== 0) fail('a lossless JPEG restart interval that is not whole rows, which Isle does not read');
  const rowsPerInterval = restartInterval / width;
  const initial = 1 << (precision - pt - 1);
  for (const c of components) shifts[c] = pt;
  for (let y = 0; y < height; y++) {
    // The first row of the image or of a restart interval predicts from the left, starting at 2^(P-Pt-1).
    const intervalStart = y === 0 || (rowsPerInterval > 0 && y % rowsPerInterval === 0);
    if (intervalStart && y > 0) bits.restart();
    for (let x = 0; x < width; x++) {
      const at = y * width + x;
      for (let k = 0; k < components.length; k++) {
        const plane = planes[components[k]!]!;
        const size = bits.decode(tables[k]!);
        if (size > 16) fail('a bad difference size in its lossless JPEG data');
        let diff = size === 16 ? 32768 : size === 0 ? 0 : bits.bits(size);
        if (size > 0 && size < 16 && diff < 1 << (size - 1)) diff -= (1 << size) - 1;
        const pred = intervalStart ? (x === 0 ? initial : plane[at - 1]!) : predict(plane, at, x, width, predictor);
        plane[at] = (pred + diff) & 0xffff;
      }
    }
  }
  let i = bits.at;
  while (i + 1 < b.length && !(b[i] === 0xff && b[i + 1] !== 0x00 && !(b[i + 1]! >= 0xd0 && b[i + 1]! <= 0xd7))) i++;
  return i;
}

/** The predictor of a sample past an interval's first row (T.81 table H.1): the sample above in the first column. */
function predict(p: Uint16Array, at: number, x: number, width: number, selector: number): number {
  if (x === 0) return p[at - width]!;
  const ra = p[at - 1]!;
  const rb = p[at - width]!;
  const rc = p[at - width - 1]!;
  switch (selector) {
    case 1:
      return ra;
    case 2:
      return rb;
    case 3:
      return rc;
    case 4:
      return ra + rb - rc;
    case 5:
      return ra + ((rb - rc) >> 1);
    case 6:
      return rb + ((ra - rc) >> 1);
    default:
      return (ra + rb) >> 1;
  }
}

/** To 8-bit RGBA, each sample shifted left by its Pt; YCbCr as libjpeg converts it. */
function toRgba(planes: Uint16Array[], shifts: number[], width: number, height: number, precision: number, ycc: boolean): Pixels {
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  const max = (1 << precision) - 1;
  const scale = (v: number) => Math.round((Math.min(v, max) * 255) / max);
  for (let c = 0; c < planes.length; c++) {
    const plane = planes[c]!;
    const shift = shifts[c] ?? 0;
    if (shift > 0) for (let i = 0; i < n; i++) plane[i] = (plane[i]! << shift) & 0xffff;
  }
  const to8 = precision === 8 ? (v: number) => v : scale;
  for (let i = 0; i < n; i++) {
    if (planes.length === 1) {
      const g = to8(planes[0]![i]!);
      data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = g;
    } else if (ycc) {
      const yv = to8(planes[0]![i]!);
      const cb = to8(planes[1]![i]!) - 128;
      const cr = to8(planes[2]![i]!) - 128;
      data[i * 4] = Math.round(yv + 1.402 * cr);
      data[i * 4 + 1] = Math.round(yv - 0.344136 * cb - 0.714136 * cr);
      data[i * 4 + 2] = Math.round(yv + 1.772 * cb);
    } else {
      for (let c = 0; c < 3; c++) data[i * 4 + c] = to8(planes[c]![i]!);
    }
    data[i * 4 + 3] = 255;
  }
  return { data, width, height };
}

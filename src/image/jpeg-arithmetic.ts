import { walkJpeg } from './jpeg-walk.ts';
import { writeHuffmanJpeg, type Frame } from './jpeg-transcode.ts';

/**
 * Arithmetic-coded JPEG (SOF9 sequential, SOF10 progressive; ITU T.81 annexes D, F.1.4.4, G.1.3),
 * which neither our kernel nor MozJPEG's build decodes: the coefficients are decoded here and
 * written again Huffman-coded (./jpeg-transcode.ts), as jpegtran would, for the kernel to decode
 * (shrink-on-load included). 8-bit samples only.
 */
export class DamagedArithmetic extends Error {}

const fail = (what: string): never => {
  throw new DamagedArithmetic(`The source image is corrupt: ${what}`);
};

// T.81 table D.2: Qe << 16 | next index after an MPS << 8 | switch << 7 | next index after an LPS.
// The last entry (113) is the fixed probability 0.5 (T.851), for signs and DC refinements.
const QE = [
  [0x5a1d, 1, 1, 1], [0x2586, 14, 2, 0], [0x1114, 16, 3, 0], [0x080b, 18, 4, 0], [0x03d8, 20, 5, 0], [0x01da, 23, 6, 0], [0x00e5, 25, 7, 0], [0x006f, 28, 8, 0],
  [0x0036, 30, 9, 0], [0x001a, 33, 10, 0], [0x000d, 35, 11, 0], [0x0006, 9, 12, 0], [0x0003, 10, 13, 0], [0x0001, 12, 13, 0], [0x5a7f, 15, 15, 1], [0x3f25, 36, 16, 0],
  [0x2cf2, 38, 17, 0], [0x207c, 39, 18, 0], [0x17b9, 40, 19, 0], [0x1182, 42, 20, 0], [0x0cef, 43, 21, 0], [0x09a1, 45, 22, 0], [0x072f, 46, 23, 0], [0x055c, 48, 24, 0],
  [0x0406, 49, 25, 0], [0x0303, 51, 26, 0], [0x0240, 52, 27, 0], [0x01b1, 54, 28, 0], [0x0144, 56, 29, 0], [0x00f5, 57, 30, 0], [0x00b7, 59, 31, 0], [0x008a, 60, 32, 0],
  [0x0068, 62, 33, 0], [0x004e, 63, 34, 0], [0x003b, 32, 35, 0], [0x002c, 33, 9, 0], [0x5ae1, 37, 37, 1], [0x484c, 64, 38, 0], [0x3a0d, 65, 39, 0], [0x2ef1, 67, 40, 0],
  [0x261f, 68, 41, 0], [0x1f33, 69, 42, 0], [0x19a8, 70, 43, 0], [0x1518, 72, 44, 0], [0x1177, 73, 45, 0], [0x0e74, 74, 46, 0], [0x0bfb, 75, 47, 0], [0x09f8, 77, 48, 0],
  [0x0861, 78, 49, 0], [0x0706, 79, 50, 0], [0x05cd, 48, 51, 0], [0x04de, 50, 52, 0], [0x040f, 50, 53, 0], [0x0363, 51, 54, 0], [0x02d4, 52, 55, 0], [0x025c, 53, 56, 0],
  [0x01f8, 54, 57, 0], [0x01a4, 55, 58, 0], [0x0160, 56, 59, 0], [0x0125, 57, 60, 0], [0x00f6, 58, 61, 0], [0x00cb, 59, 62, 0], [0x00ab, 61, 63, 0], [0x008f, 61, 32, 0],
  [0x5b12, 65, 65, 1], [0x4d04, 80, 66, 0], [0x412c, 81, 67, 0], [0x37d8, 82, 68, 0], [0x2fe8, 83, 69, 0], [0x293c, 84, 70, 0], [0x2379, 86, 71, 0], [0x1edf, 87, 72, 0],
  [0x1aa9, 87, 73, 0], [0x174e, 72, 74, 0], [0x1424, 72, 75, 0], [0x119c, 74, 76, 0], [0x0f6b, 74, 77, 0], [0x0d51, 75, 78, 0], [0x0bb6, 77, 79, 0], [0x0a40, 77, 48, 0],
  [0x5832, 80, 81, 1], [0x4d1c, 88, 82, 0], [0x438e, 89, 83, 0], [0x3bdd, 90, 84, 0], [0x34ee, 91, 85, 0], [0x2eae, 92, 86, 0], [0x299a, 93, 87, 0], [0x2516, 86, 71, 0],
  [0x5570, 88, 89, 1], [0x4ca9, 95, 90, 0], [0x44d9, 96, 91, 0], [0x3e22, 97, 92, 0], [0x3824, 99, 93, 0], [0x32b4, 99, 94, 0], [0x2e17, 93, 86, 0], [0x56a8, 95, 96, 1],
  [0x4f46, 101, 97, 0], [0x47e5, 102, 98, 0], [0x41cf, 103, 99, 0], [0x3c3d, 104, 100, 0], [0x375e, 99, 93, 0], [0x5231, 105, 102, 0], [0x4c0f, 106, 103, 0], [0x4639, 107, 104, 0],
  [0x415e, 103, 99, 0], [0x5627, 105, 106, 1], [0x50e7, 108, 107, 0], [0x4b85, 109, 103, 0], [0x5597, 110, 109, 0], [0x504f, 111, 107, 0], [0x5a10, 110, 111, 1], [0x5522, 112, 109, 0],
  [0x59eb, 112, 111, 1], [0x5a1d, 113, 113, 0],
].map(([qe, lps, mps, sw]) => (qe! << 16) | (mps! << 8) | (sw! << 7) | lps!);
const FIXED = 113;

/** The decoder's registers (T.81 D.2, as libjpeg keeps them) over one scan's data. */
class Decoder {
  c = 0;
  a = 0;
  ct = -16;
  marker = 0;
  constructor(
    private readonly b: Uint8Array,
    public at: number,
  ) {}

  private byte(): number {
    if (this.marker !== 0) return 0; // past the scan's data: zeros, as the encoder left them out
    if (this.at >= this.b.length) fail('its arithmetic-coded data ends early');
    let v = this.b[this.at++]!;
    if (v !== 0xff) return v;
    do v = this.b[this.at++] ?? fail('its arithmetic-coded data ends early');
    while (v === 0xff);
    if (v === 0) return 0xff;
    this.marker = v;
    return 0;
  }

  /** One binary decision in the context stats[s]: its MSB the MPS, its low 7 bits the state. */
  decode(stats: Uint8Array, s: number): number {
    while (this.a < 0x8000) {
      if (--this.ct < 0) {
        this.c = this.c * 256 + this.byte();
        if ((this.ct += 8) < 0 && ++this.ct === 0) this.a = 0x8000;
      }
      this.a *= 2;
    }
    let sv = stats[s]!;
    const entry = QE[sv & 0x7f]!;
    const qe = entry >>> 16;
    const nm = (entry >> 8) & 0xff;
    const nl = entry & 0xff;
    this.a -= qe;
    const temp = this.a * 2 ** this.ct;
    if (this.c >= temp) {
      this.c -= temp;
      if (this.a < qe) {
        this.a = qe;
        stats[s] = (sv & 0x80) ^ nm;
      } else {
        this.a = qe;
        stats[s] = (sv & 0x80) ^ nl;
        sv ^= 0x80;
      }
    } else if (this.a < 0x8000) {
      if (this.a < qe) {
        stats[s] = (sv & 0x80) ^ nl;
        sv ^= 0x80;
      } else stats[s] = (sv & 0x80) ^ nm;
    }
    return sv >> 7;
  }

  /** At a restart interval's end: past its RST marker, the registers anew. */
  restart(): void {
    if (this.marker === 0) {
      while (this.at + 1 < this.b.length && !(this.b[this.at] === 0xff && this.b[this.at + 1] !== 0 && this.b[this.at + 1] !== 0xff)) this.at++;
      this.marker = this.b[this.at + 1] ?? 0;
      this.at += 2;
    }
    if (this.marker < 0xd0 || this.marker > 0xd7) fail('a restart marker is missing from its arithmetic-coded data');
    this.marker = 0;
    this.c = 0;
    this.a = 0;
    this.ct = -16;
  }
}

interface Scan {
  components: number[];
  dcTables: number[];
  acTables: number[];
  ss: number;
  se: number;
  ah: number;
  al: number;
}

/** Decodes every scan's coefficients into the frame's blocks (zigzag order), then writes them Huffman-coded. */
export function transcodeArithmeticJpeg(b: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [];
  const dcL = [0, 0, 0, 0];
  const dcU = [1, 1, 1, 1];
  const acK = [5, 5, 5, 5];
  let frame: Frame | undefined;
  let restartInterval = 0;
  walkJpeg(b, 'JPEG', fail, (marker, body, _length, next) => {
    if (marker === 0xdb || (marker >= 0xe0 && marker <= 0xef)) kept.push(b.subarray(body - 4, next));
    else if (marker === 0xc9 || marker === 0xca) frame = frameOf(b, body, marker === 0xca);
    else if (marker === 0xcc) {
      for (let q = body; q + 1 < next; q += 2) {
        const t = b[q]! & 15;
        if (t > 3) fail('a damaged arithmetic conditioning table');
        if (b[q]! >> 4 === 0) {
          dcL[t] = b[q + 1]! & 15;
          dcU[t] = b[q + 1]! >> 4;
          if (dcL[t]! > dcU[t]!) fail('a damaged arithmetic conditioning table');
        } else {
          acK[t] = b[q + 1]!;
          if (acK[t]! < 1 || acK[t]! > 63) fail('a damaged arithmetic conditioning table');
        }
      }
    } else if (marker === 0xdd) restartInterval = (b[body]! << 8) | b[body + 1]!;
    else if (marker === 0xda) {
      if (!frame) fail('a scan before its frame');
      const scan = scanOf(b, body, frame!);
      return decodeScan(b, next, frame!, scan, restartInterval, { dcL, dcU, acK });
    }
    return undefined;
  });
  if (!frame) fail('no JPEG frame');
  return writeHuffmanJpeg(frame!, kept);
}

function frameOf(b: Uint8Array, at: number, progressive: boolean): Frame {
  if (b[at] !== 8) fail('an arithmetic-coded JPEG of other than 8 bits');
  const height = (b[at + 1]! << 8) | b[at + 2]!;
  const width = (b[at + 3]! << 8) | b[at + 4]!;
  const count = b[at + 5]!;
  if (width === 0 || height === 0 || count === 0 || count > 4) fail('an unreadable JPEG frame');
  const ids: number[] = [];
  const h: number[] = [];
  const v: number[] = [];
  const tq: number[] = [];
  for (let c = 0; c < count; c++) {
    ids.push(b[at + 6 + c * 3]!);
    h.push(count === 1 ? 1 : b[at + 7 + c * 3]! >> 4);
    v.push(count === 1 ? 1 : b[at + 7 + c * 3]! & 15);
    tq.push(b[at + 8 + c * 3]!);
    if (h[c]! < 1 || h[c]! > 4 || v[c]! < 1 || v[c]! > 4) fail('bad sampling factors');
  }
  const maxH = Math.max(...h);
  const maxV = Math.max(...v);
  const mcusX = Math.ceil(width / (8 * maxH));
  const mcusY = Math.ceil(height / (8 * maxV));
  const blocks = h.map((hc, c) => new Int16Array(mcusX * hc * mcusY * v[c]! * 64));
  return { width, height, ids, h, v, tq, maxH, maxV, mcusX, mcusY, blocks, progressive };
}

function scanOf(b: Uint8Array, at: number, f: Frame): Scan {
  const count = b[at]!;
  const scan: Scan = { components: [], dcTables: [], acTables: [], ss: 0, se: 63, ah: 0, al: 0 };
  for (let k = 0; k < count; k++) {
    const c = f.ids.indexOf(b[at + 1 + k * 2]!);
    if (c < 0) fail('a scan naming an unknown component');
    scan.components.push(c);
    scan.dcTables.push((b[at + 2 + k * 2]! >> 4) & 3);
    scan.acTables.push(b[at + 2 + k * 2]! & 3);
  }
  const s = at + 1 + count * 2;
  Object.assign(scan, { ss: b[s]!, se: b[s + 1]!, ah: b[s + 2]! >> 4, al: b[s + 2]! & 15 });
  if (scan.se > 63 || scan.ss > scan.se || scan.al > 13 || (!f.progressive && (scan.ss !== 0 || scan.se !== 63))) fail('a scan with bad spectral or approximation bounds');
  if (f.progressive && scan.ss > 0 && scan.components.length !== 1) fail('an AC scan of more than one component');
  return scan;
}

type Conditioning = { dcL: number[]; dcU: number[]; acK: number[] };

/** Decodes one scan into the frame's blocks; returns where the markers go on. */
function decodeScan(b: Uint8Array, at: number, f: Frame, scan: Scan, restartInterval: number, k: Conditioning): number {
  const d = new Decoder(b, at);
  const dcStats = [0, 1, 2, 3].map(() => new Uint8Array(64));
  const acStats = [0, 1, 2, 3].map(() => new Uint8Array(256));
  const fixed = new Uint8Array([FIXED]);
  const lastDc = [0, 0, 0, 0];
  const dcContext = [0, 0, 0, 0];
  const reset = () => {
    for (const s of dcStats) s.fill(0);
    for (const s of acStats) s.fill(0);
    lastDc.fill(0);
    dcContext.fill(0);
  };
  const decodeBlock = (block: Int16Array, offset: number, n: number) => {
    const c = scan.components[n]!;
    if (!f.progressive) {
      block[offset] = dcDiff(d, dcStats[scan.dcTables[n]!]!, c, scan.dcTables[n]!, lastDc, dcContext, k);
      acFirst(d, acStats[scan.acTables[n]!]!, fixed, block, offset, 1, 63, 0, k.acK[scan.acTables[n]!]!);
    } else if (scan.ss === 0) {
      if (scan.ah === 0) block[offset] = dcDiff(d, dcStats[scan.dcTables[n]!]!, c, scan.dcTables[n]!, lastDc, dcContext, k) * (1 << scan.al);
      else if (d.decode(fixed, 0)) block[offset]! |= 1 << scan.al;
    } else if (scan.ah === 0) acFirst(d, acStats[scan.acTables[n]!]!, fixed, block, offset, scan.ss, scan.se, scan.al, k.acK[scan.acTables[n]!]!);
    else acRefine(d, acStats[scan.acTables[n]!]!, fixed, block, offset, scan.ss, scan.se, scan.al);
  };
  reset();
  let left = restartInterval;
  const step = () => {
    if (restartInterval === 0) return;
    if (left === 0) {
      d.restart();
      reset();
      left = restartInterval;
    }
    left--;
  };
  if (scan.components.length === 1) {
    const c = scan.components[0]!;
    const perLine = f.mcusX * f.h[c]!;
    const wide = Math.ceil(Math.ceil((f.width * f.h[c]!) / f.maxH) / 8);
    const high = Math.ceil(Math.ceil((f.height * f.v[c]!) / f.maxV) / 8);
    for (let y = 0; y < high; y++) {
      for (let x = 0; x < wide; x++) {
        step();
        decodeBlock(f.blocks[c]!, (y * perLine + x) * 64, 0);
      }
    }
  } else {
    for (let my = 0; my < f.mcusY; my++) {
      for (let mx = 0; mx < f.mcusX; mx++) {
        step();
        scan.components.forEach((c, n) => {
          const perLine = f.mcusX * f.h[c]!;
          for (let by = 0; by < f.v[c]!; by++) {
            for (let bx = 0; bx < f.h[c]!; bx++) decodeBlock(f.blocks[c]!, ((my * f.v[c]! + by) * perLine + mx * f.h[c]! + bx) * 64, n);
          }
        });
      }
    }
  }
  // On to the next marker: the one the decoder stopped at, or the first after its position.
  if (d.marker !== 0) return d.at - 2;
  let p = d.at;
  while (p + 1 < b.length && !(b[p] === 0xff && b[p + 1] !== 0 && b[p + 1] !== 0xff && !(b[p + 1]! >= 0xd0 && b[p + 1]! <= 0xd7))) p++;
  return p;
}

/** A DC value (F.1.4.4.1): its difference decoded in context, added to the component's last. */
function dcDiff(d: Decoder, stats: Uint8Array, c: number, t: number, lastDc: number[], context: number[], k: Conditioning): number {
  let s = context[c]!;
  if (d.decode(stats, s) === 0) {
    context[c] = 0;
    return lastDc[c]!;
  }
  const sign = d.decode(stats, s + 1);
  s += 2 + sign;
  let m = d.decode(stats, s);
  if (m !== 0) {
    s = 20;
    while (d.decode(stats, s)) {
      if ((m <<= 1) === 0x8000) fail('a DC magnitude out of range in its arithmetic-coded data');
      s++;
    }
  }
  if (m < (1 << k.dcL[t]!) >> 1) context[c] = 0;
  else if (m > (1 << k.dcU[t]!) >> 1) context[c] = 12 + sign * 4;
  else context[c] = 4 + sign * 4;
  let v = m;
  s += 14;
  while ((m >>= 1)) if (d.decode(stats, s)) v |= m;
  v += 1;
  lastDc[c] = lastDc[c]! + (sign ? -v : v);
  return lastDc[c]!;
}

/** AC coefficients ss..se of a block, first pass (F.1.4.4.2, G.1.3.2), scaled by 2^al. */
function acFirst(d: Decoder, stats: Uint8Array, fixed: Uint8Array, block: Int16Array, offset: number, ss: number, se: number, al: number, kx: number): void {
  for (let k = ss; k <= se; k++) {
    let s = 3 * (k - 1);
    if (d.decode(stats, s)) break; // end of block
    while (d.decode(stats, s + 1) === 0) {
      s += 3;
      if (++k > se) fail('its arithmetic-coded AC data runs past the block');
    }
    const sign = d.decode(fixed, 0);
    s += 2;
    let m = d.decode(stats, s);
    if (m !== 0 && d.decode(stats, s)) {
      m <<= 1;
      s = k <= kx ? 189 : 217;
      while (d.decode(stats, s)) {
        if ((m <<= 1) === 0x8000) fail('an AC magnitude out of range in its arithmetic-coded data');
        s++;
      }
    }
    let v = m;
    s += 14;
    while ((m >>= 1)) if (d.decode(stats, s)) v |= m;
    v += 1;
    block[offset + k] = (sign ? -v : v) * (1 << al);
  }
}

/** A refinement pass over AC coefficients ss..se (G.1.3.3): one more bit of each. */
function acRefine(d: Decoder, stats: Uint8Array, fixed: Uint8Array, block: Int16Array, offset: number, ss: number, se: number, al: number): void {
  const p1 = 1 << al;
  let kex = se;
  while (kex > 0 && block[offset + kex] === 0) kex--;
  for (let k = ss; k <= se; k++) {
    let s = 3 * (k - 1);
    if (k > kex && d.decode(stats, s)) break;
    for (;;) {
      const at = offset + k;
      if (block[at] !== 0) {
        if (d.decode(stats, s + 2)) block[at] = block[at]! + (block[at]! < 0 ? -p1 : p1);
        break;
      }
      if (d.decode(stats, s + 1)) {
        block[at] = d.decode(fixed, 0) ? -p1 : p1;
        break;
      }
      s += 3;
      if (++k > se) fail('its arithmetic-coded AC data runs past the block');
    }
  }
}

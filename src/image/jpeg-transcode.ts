/**
 * A frame's quantised coefficients written as a baseline, Huffman-coded JPEG (what jpegtran does
 * to an arithmetic-coded file), for our kernel to decode. The tables are flat rather than optimal
 * (every AC symbol 8 bits, every DC category 4): the file lives only until it is decoded.
 */
export interface Frame {
  width: number;
  height: number;
  ids: number[];
  h: number[];
  v: number[];
  tq: number[];
  maxH: number;
  maxV: number;
  mcusX: number;
  mcusY: number;
  /** Each component's blocks over the whole MCU grid, 64 coefficients each in zigzag order. */
  blocks: Int16Array[];
  progressive: boolean;
}

// DC categories 0-11 as 4-bit codes 0-11; the 162 AC symbols (EOB, ZRL, run/size 1-10) as 8-bit codes.
const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
const AC_SYMBOLS = [0x00, 0xf0, ...Array.from({ length: 160 }, (_, i) => ((i / 10) | 0) * 16 + (i % 10) + 1)];

function table(symbols: number[], length: number): { counts: number[]; codes: Int32Array } {
  const counts = new Array<number>(16).fill(0);
  counts[length - 1] = symbols.length;
  const codes = new Int32Array(256).fill(-1);
  symbols.forEach((s, i) => (codes[s] = i));
  return { counts, codes };
}
const DC = table(DC_SYMBOLS, 4);
const AC = table(AC_SYMBOLS, 8);

class Bits {
  out: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, length: number) {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) {
        this.out.push(this.acc);
        if (this.acc === 0xff) this.out.push(0);
        this.acc = 0;
        this.n = 0;
      }
    }
  }
  flush() {
    while (this.n !== 0) this.put(1, 1);
  }
}

const category = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
const magnitude = (v: number, size: number) => (v < 0 ? v + (1 << size) - 1 : v);

function block(bits: Bits, coefficients: Int16Array, at: number, previous: number): void {
  const diff = coefficients[at]! - previous;
  const dc = category(diff);
  if (dc > 11) throw new RangeError('DC difference out of range');
  bits.put(DC.codes[dc]!, 4);
  if (dc > 0) bits.put(magnitude(diff, dc), dc);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = coefficients[at + k]!;
    if (v === 0) {
      run++;
      continue;
    }
    for (; run > 15; run -= 16) bits.put(AC.codes[0xf0]!, 8);
    const size = category(v);
    if (size > 10) throw new RangeError('AC coefficient out of range');
    bits.put(AC.codes[(run << 4) | size]!, 8);
    bits.put(magnitude(v, size), size);
    run = 0;
  }
  if (run > 0) bits.put(AC.codes[0]!, 8);
}

const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];

/** The baseline file: the source's tables and APP segments (`kept`), the frame, one interleaved scan. */
export function writeHuffmanJpeg(f: Frame, kept: Uint8Array[]): Uint8Array {
  const n = f.ids.length;
  const bits = new Bits();
  const previous = new Array<number>(n).fill(0);
  const code = (c: number, at: number) => {
    block(bits, f.blocks[c]!, at, previous[c]!);
    previous[c] = f.blocks[c]![at]!;
  };
  if (n === 1) {
    // One component: not interleaved, its own blocks only (T.81 A.2.2).
    const perLine = f.mcusX * f.h[0]!;
    for (let y = 0; y < Math.ceil(f.height / 8); y++) for (let x = 0; x < Math.ceil(f.width / 8); x++) code(0, (y * perLine + x) * 64);
  } else {
    for (let my = 0; my < f.mcusY; my++) {
      for (let mx = 0; mx < f.mcusX; mx++) {
        for (let c = 0; c < n; c++) {
          const perLine = f.mcusX * f.h[c]!;
          for (let by = 0; by < f.v[c]!; by++) for (let bx = 0; bx < f.h[c]!; bx++) code(c, ((my * f.v[c]! + by) * perLine + mx * f.h[c]! + bx) * 64);
        }
      }
    }
  }
  bits.flush();
  const head = [
    0xff, 0xd8,
    ...kept.flatMap((s) => Array.from(s)),
    ...segment(0xc0, [8, f.height >> 8, f.height & 255, f.width >> 8, f.width & 255, n, ...f.ids.flatMap((id, c) => [id, (f.h[c]! << 4) | f.v[c]!, f.tq[c]!])]),
    ...segment(0xc4, [0x00, ...DC.counts, ...DC_SYMBOLS, 0x10, ...AC.counts, ...AC_SYMBOLS]),
    ...segment(0xda, [n, ...f.ids.flatMap((id) => [id, 0x00]), 0, 63, 0]),
  ];
  const out = new Uint8Array(head.length + bits.out.length + 2);
  out.set(head);
  out.set(bits.out, head.length);
  out.set([0xff, 0xd9], head.length + bits.out.length);
  return out;
}

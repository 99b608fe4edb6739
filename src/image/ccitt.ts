import { DamagedTiff } from './tiff-codecs.ts';

/**
 * CCITT bilevel coding in TIFF (TIFF 6.0 sections 10 and 11, ITU-T T.4 and T.6): modified Huffman
 * RLE (compression 2: one-dimensional rows, each starting on a byte, no EOLs), Group 3 (3: rows
 * after an EOL, one- or two-dimensional per T4Options, EOLs possibly byte-aligned by fill bits) and
 * Group 4 (4: every row two-dimensional, against the row above, the first against a white one).
 * The output is the strip's rows packed one bit a pixel, most significant first, as uncompressed
 * 1-bit TIFF data: a white run's pixels are 0 and a black run's 1, whatever PhotometricInterpretation
 * says they look like (libtiff reads them the same way). Exactly `rows` rows are decoded: a stream
 * that ends early or holds a code no row can hold is damaged, and the work is bounded by the input's
 * bits (every code consumes at least one) and the rows' width.
 */
export type FaxCoding = 'rle' | 'g3' | 'g4';

const damaged = (what: string) => new DamagedTiff(`The source image is corrupt: ${what}`);

/** T.4 Tables 2 and 3 (terminating codes 0-63, make-up codes 64-1728) and Table 4's make-ups 1792-2560, shared. */
const WHITE_TERMINATING =
  '00110101 000111 0111 1000 1011 1100 1110 1111 10011 10100 00111 01000 001000 000011 110100 110101 ' +
  '101010 101011 0100111 0001100 0001000 0010111 0000011 0000100 0101000 0101011 0010011 0100100 0011000 00000010 00000011 00011010 ' +
  '00011011 00010010 00010011 00010100 00010101 00010110 00010111 00101000 00101001 00101010 00101011 00101100 00101101 00000100 00000101 00001010 ' +
  '00001011 01010010 01010011 01010100 01010101 00100100 00100101 01011000 01011001 01011010 01011011 01001010 01001011 00110010 00110011 00110100';
const BLACK_TERMINATING =
  '0000110111 010 11 10 011 0011 0010 00011 000101 000100 0000100 0000101 0000111 00000100 00000111 000011000 ' +
  '0000010111 0000011000 0000001000 00001100111 00001101000 00001101100 00000110111 00000101000 00000010111 00000011000 000011001010 000011001011 000011001100 000011001101 000001101000 000001101001 ' +
  '000001101010 000001101011 000011010010 000011010011 000011010100 000011010101 000011010110 000011010111 000001101100 000001101101 000011011010 000011011011 000001010100 000001010101 000001010110 000001010111 ' +
  '000001100100 000001100101 000001010010 000001010011 000000100100 000000110111 000000111000 000000100111 000000101000 000001011000 000001011001 000000101011 000000101100 000001011010 000001100110 000001100111';
const WHITE_MAKEUP =
  '11011 10010 010111 0110111 00110110 00110111 01100100 01100101 01101000 01100111 011001100 011001101 011010010 011010011 ' +
  '011010100 011010101 011010110 011010111 011011000 011011001 011011010 011011011 010011000 010011001 010011010 011000 010011011';
const BLACK_MAKEUP =
  '0000001111 000011001000 000011001001 000001011011 000000110011 000000110100 000000110101 0000001101100 0000001101101 ' +
  '0000001001010 0000001001011 0000001001100 0000001001101 0000001110010 0000001110011 0000001110100 0000001110101 ' +
  '0000001110110 0000001110111 0000001010010 0000001010011 0000001010100 0000001010101 0000001011010 0000001011011 0000001100100 0000001100101';
const SHARED_MAKEUP = '00000001000 00000001100 00000001101 000000010010 000000010011 000000010100 000000010101 000000010110 000000010111 000000011100 000000011101 000000011110 000000011111';

/** The longest run code is 13 bits: a table indexed by the next 13 bits gives (length << 16) | run, 0 for no code. */
const PEEK = 13;

function runTable(terminating: string, makeup: string): Int32Array {
  const table = new Int32Array(1 << PEEK);
  const add = (codes: string, first: number, step: number) =>
    codes.split(' ').forEach((code, i) => {
      const from = parseInt(code, 2) << (PEEK - code.length);
      table.fill((code.length << 16) | (first + i * step), from, from + (1 << (PEEK - code.length)));
    });
  add(terminating, 0, 1);
  add(makeup, 64, 64);
  add(SHARED_MAKEUP, 1792, 64);
  return table;
}

const RUNS = [runTable(WHITE_TERMINATING, WHITE_MAKEUP), runTable(BLACK_TERMINATING, BLACK_MAKEUP)] as const;

/** Two-dimensional modes (T.4 Table 4), by the next 7 bits: (length << 8) | mode; vertical modes carry a1 - b1 + 3. */
const PASS = 10;
const HORIZONTAL = 11;
const MODES = (() => {
  const table = new Int32Array(128);
  const add = (code: string, mode: number) => {
    const from = parseInt(code, 2) << (7 - code.length);
    table.fill((code.length << 8) | mode, from, from + (1 << (7 - code.length)));
  };
  [['0000010', -3], ['000010', -2], ['010', -1], ['1', 0], ['011', 1], ['000011', 2], ['0000011', 3]].forEach(([code, d]) => add(code as string, 3 + (d as number)));
  add('0001', PASS);
  add('001', HORIZONTAL);
  return table;
})();

class Bits {
  at = 0;
  private readonly end: number;
  constructor(private readonly input: Uint8Array) {
    this.end = input.length * 8;
  }
  /** The next `n` (at most 17) bits, zeros past the end. */
  peek(n: number): number {
    const i = this.at >> 3;
    const b = this.input;
    const window = ((b[i] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    return (window >>> (24 - (this.at & 7) - n)) & ((1 << n) - 1);
  }
  skip(n: number): void {
    this.at += n;
    if (this.at > this.end) throw damaged('a CCITT strip ends early');
  }
  /** An EOL (eleven or more zeros, the extra ones fill bits, then a one): consumed when there. */
  eol(): boolean {
    let zeros = 0;
    while (this.at + zeros < this.end && this.peek1(this.at + zeros) === 0) zeros++;
    if (zeros < 11 || this.at + zeros >= this.end) return false;
    this.skip(zeros + 1);
    return true;
  }
  private peek1(at: number): number {
    return (this.input[at >> 3]! >> (7 - (at & 7))) & 1;
  }
  align(): void {
    this.at = Math.min(this.end, (this.at + 7) & ~7);
  }
}

/** One run of `color` (0 white, 1 black): make-up codes, then a terminating one. */
function readRun(bits: Bits, color: 0 | 1, room: number): number {
  let total = 0;
  for (;;) {
    const entry = RUNS[color][bits.peek(PEEK)]!;
    if (entry === 0) throw damaged('a CCITT strip holds an unknown run code');
    bits.skip(entry >>> 16);
    const run = entry & 0xffff;
    total += run;
    if (total > room) throw damaged('a CCITT row longer than the image is wide');
    if (run < 64) return total;
  }
}

/** Appends a changing element; a zero-length run's two ends cancel out, so the list stays strictly increasing. */
function change(line: Int32Array, length: number, x: number): number {
  if (length > 0 && line[length - 1] === x) return length - 1;
  line[length] = x;
  return length + 1;
}

/** A one-dimensional row into `line`'s changing elements; their count. */
function row1d(bits: Bits, width: number, line: Int32Array): number {
  let length = 0;
  let x = 0;
  let color: 0 | 1 = 0;
  while (x < width) {
    x += readRun(bits, color, width - x);
    length = change(line, length, x);
    color = color === 0 ? 1 : 0;
  }
  // The row's end is no change: the list holds the colour changes inside it only.
  return line[length - 1] === width ? length - 1 : length;
}

/** A two-dimensional row against `ref` (its changing elements, ended by two `width` sentinels). */
function row2d(bits: Bits, width: number, ref: Int32Array, line: Int32Array): number {
  let length = 0;
  let a0 = -1;
  let color: 0 | 1 = 0;
  let k = 0;
  while (a0 < width) {
    // b1: the first change of the reference row right of a0 to the colour opposite a0's; b2 the one after.
    while (ref[k]! <= a0 && ref[k]! < width) k++;
    const b1At = (k & 1) === color ? k : k + 1;
    const b1 = ref[b1At]!;
    const b2 = ref[Math.min(b1At + 1, ref.length - 1)]!;
    const entry = MODES[bits.peek(7)]!;
    if (entry === 0) throw damaged('a CCITT strip holds an unknown or uncompressed-mode code');
    bits.skip(entry >>> 8);
    const mode = entry & 0xff;
    const start = Math.max(a0, 0);
    if (mode === PASS) {
      a0 = b2;
    } else if (mode === HORIZONTAL) {
      const a1 = start + readRun(bits, color, width - start);
      const a2 = a1 + readRun(bits, color === 0 ? 1 : 0, width - a1);
      length = change(line, length, a1);
      length = change(line, length, a2);
      a0 = a2;
    } else {
      const a1 = b1 + mode - 3;
      if (a1 < start || a1 > width) throw damaged('a CCITT vertical code points outside its row');
      length = change(line, length, a1);
      a0 = a1;
      color = color === 0 ? 1 : 0;
    }
  }
  return line[length - 1] === width ? length - 1 : length;
}

/** The black runs of a row (between its changing elements) as set bits. */
function fill(out: Uint8Array, offset: number, line: Int32Array, length: number, width: number): void {
  for (let i = 0; i < length; i += 2) {
    const from = line[i]!;
    const to = i + 1 < length ? line[i + 1]! : width;
    for (let x = from; x < to; x++) out[offset + (x >> 3)] = out[offset + (x >> 3)]! | (0x80 >> (x & 7));
  }
}

/**
 * `rows` rows of `width` pixels from a CCITT stream, bit order most significant first (FillOrder 2
 * reversed by the caller). `twoD` is T4Options' bit 0: Group 3 rows say after their EOL how each is coded.
 */
export function faxDecode(input: Uint8Array, coding: FaxCoding, twoD: boolean, width: number, rows: number): Uint8Array {
  const rowBytes = Math.ceil(width / 8);
  const out = new Uint8Array(rowBytes * rows);
  const bits = new Bits(input);
  let ref = new Int32Array(width + 3);
  let line = new Int32Array(width + 3);
  let refLength = 0;
  ref.fill(width);
  for (let y = 0; y < rows; y++) {
    let oneD = coding !== 'g4';
    if (coding === 'g3') {
      const eol = bits.eol();
      if (twoD) {
        if (!eol) throw damaged('a two-dimensional CCITT Group 3 row without its EOL');
        oneD = bits.peek(1) === 1;
        bits.skip(1);
      }
    }
    const length = oneD ? row1d(bits, width, line) : row2d(bits, width, ref.subarray(0, refLength + 2), line);
    fill(out, y * rowBytes, line, length, width);
    if (coding === 'rle') bits.align();
    [ref, line] = [line, ref];
    refLength = length;
    ref[length] = ref[length + 1] = width;
  }
  return out;
}

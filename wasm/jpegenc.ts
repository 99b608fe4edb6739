// Baseline JPEG encoding with optimised Huffman tables: a float DCT on SIMD vectors and the JPEG
// standard's quantisation tables (luma and chroma) scaled by quality, as libjpeg, and so sharp and
// libvips, write by default: the same sizes and fidelity at a given quality (bench/matrix.ts prints
// both). No trellis quantisation, which makes MozJPEG several times slower (bench/encode.ts).
//
// Two calls: analyse() converts, transforms and quantises every block into the workspace and builds
// the Huffman tables from the symbol counts; write() then emits the file. Every buffer is laid out by
// the caller; nothing here allocates. The transform and quantiser are in jpeg/fdct.ts, the Huffman
// tables' construction in jpeg/optimal-huffman.ts; here are the colour conversion, the entropy coder
// and the markers.

import { ZIGZAG, QUANT, setQuantiser, transform } from './jpeg/fdct.ts';
import { FREQ, CODE, BITS, VALUES, count, buildTable } from './jpeg/optimal-huffman.ts';

const BLOCK: usize = memory.data(64 * 4, 16); // f32 luma samples, level-shifted
const CB: usize = memory.data(64 * 4, 16); // f32 chroma samples, centred on zero
const CR: usize = memory.data(64 * 4, 16);
const PREDICTORS: usize = memory.data(4 * 4, 16);

let width: i32 = 0;
let height: i32 = 0;
let gray: bool = false;
// Four components, no colour transform, inverted samples behind an Adobe marker (as Photoshop writes CMYK).
let cmyk: bool = false;
let subsample: bool = false;
let blocks: usize = 0;
let blockCount: i32 = 0;
let blocksPerMcu: i32 = 1;

function mcuWidth(): i32 {
  return subsample ? 16 : 8;
}

/** Colour models: YCbCr from RGB, grey from RGB, or CMYK's four bytes as they are. */
const YCBCR: i32 = 0;
const GREY: i32 = 1;
const CMYK: i32 = 2;

/**
 * A block in the workspace: its 64 quantised coefficients (i16, zigzag order), then a u64 with bit k
 * set when coefficient k is not zero, so that the entropy coder visits only those.
 */
const BLOCK_BYTES: i32 = 136;

/** Bytes of workspace for every block (BLOCK_BYTES each). */
export function workspaceBytes(w: i32, h: i32, sub: i32, model: i32): i32 {
  if (model != YCBCR) return ((w + 7) >> 3) * ((h + 7) >> 3) * (model == CMYK ? 4 : 1) * BLOCK_BYTES;
  const size = sub ? 16 : 8;
  const mcus = ((w + size - 1) / size) * ((h + size - 1) / size);
  return mcus * (sub ? 6 : 3) * BLOCK_BYTES;
}


@inline function clampIndex(value: i32, limit: i32): i32 {
  return value < limit ? value : limit - 1;
}

const BYTE = i32x4.splat(255);

/** The red, green and blue of four RGBA pixels as float lanes. */
@inline function red(v: v128): v128 {
  return f32x4.convert_i32x4_u(v128.and(v, BYTE));
}
@inline function green(v: v128): v128 {
  return f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(v, 8), BYTE));
}
@inline function blue(v: v128): v128 {
  return f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(v, 16), BYTE));
}

@inline function luma(r: f32, g: f32, b: f32): f32 {
  return 0.299 * r + 0.587 * g + 0.114 * b - 128;
}

/** Luma of the 8x8 block at (x0, y0) into BLOCK; past the image's edges, its last row and column repeat. */
function lumaBlock(pixels: usize, x0: i32, y0: i32): void {
  if (x0 + 8 <= width && y0 + 8 <= height) {
    const kr = f32x4.splat(0.299);
    const kg = f32x4.splat(0.587);
    const kb = f32x4.splat(0.114);
    const level = f32x4.splat(128);
    for (let y = 0; y < 8; y++) {
      const row = pixels + <usize>((y0 + y) * width + x0) * 4;
      for (let half = 0; half < 2; half++) {
        const v = v128.load(row + <usize>half * 16);
        const sum = f32x4.add(f32x4.add(f32x4.mul(red(v), kr), f32x4.mul(green(v), kg)), f32x4.mul(blue(v), kb));
        v128.store(BLOCK + <usize>(y * 8 + half * 4) * 4, f32x4.sub(sum, level));
      }
    }
    return;
  }
  for (let y = 0; y < 8; y++) {
    const row = pixels + <usize>(clampIndex(y0 + y, height) * width) * 4;
    for (let x = 0; x < 8; x++) {
      const p = load<u32>(row + <usize>clampIndex(x0 + x, width) * 4);
      store<f32>(BLOCK + <usize>(y * 8 + x) * 4, luma(<f32>(p & 255), <f32>((p >> 8) & 255), <f32>((p >> 16) & 255)));
    }
  }
}

/** Ink `channel` of the 8x8 block at (x0, y0) into BLOCK, inverted and level-shifted; edges repeat. */
function inkBlock(pixels: usize, x0: i32, y0: i32, channel: i32): void {
  for (let y = 0; y < 8; y++) {
    const row = pixels + <usize>(clampIndex(y0 + y, height) * width) * 4 + <usize>channel;
    for (let x = 0; x < 8; x++) {
      const ink = <i32>load<u8>(row + <usize>clampIndex(x0 + x, width) * 4);
      const shifted: i32 = 127 - ink;
      store<f32>(BLOCK + <usize>(y * 8 + x) * 4, <f32>shifted);
    }
  }
}

// JFIF's chroma weights.
const CB_R: f32 = -0.168736;
const CB_G: f32 = -0.331264;
const CB_B: f32 = 0.5;
const CR_R: f32 = 0.5;
const CR_G: f32 = -0.418688;
const CR_B: f32 = -0.081312;

/**
 * Cb and Cr of the block at (x0, y0) into CB and CR, each sample the mean over factor x factor
 * pixels (the chroma of the mean colour: the transform is linear).
 */
function chromaBlocks(pixels: usize, x0: i32, y0: i32, factor: i32): void {
  const span = 8 * factor;
  if (factor == 2 && x0 + span <= width && y0 + span <= height) {
    chromaBlocksHalved(pixels, x0, y0);
    return;
  }
  const scale: f32 = 1.0 / <f32>(factor * factor);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let r: i32 = 0;
      let g: i32 = 0;
      let b: i32 = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = pixels + <usize>(clampIndex(y0 + y * factor + dy, height) * width) * 4;
        for (let dx = 0; dx < factor; dx++) {
          const p = load<u32>(row + <usize>clampIndex(x0 + x * factor + dx, width) * 4);
          r += p & 255;
          g += (p >> 8) & 255;
          b += (p >> 16) & 255;
        }
      }
      const at = <usize>(y * 8 + x) * 4;
      const fr = <f32>r * scale;
      const fg = <f32>g * scale;
      const fb = <f32>b * scale;
      store<f32>(CB + at, CB_R * fr + CB_G * fg + CB_B * fb);
      store<f32>(CR + at, CR_R * fr + CR_G * fg + CR_B * fb);
    }
  }
}

/** chromaBlocks for 4:2:0 inside the image: each 2x2 cell summed on vectors, four cells at a time. */
function chromaBlocksHalved(pixels: usize, x0: i32, y0: i32): void {
  const quarter = f32x4.splat(0.25);
  for (let y = 0; y < 8; y++) {
    const top = pixels + <usize>((y0 + y * 2) * width + x0) * 4;
    const bottom = top + <usize>width * 4;
    for (let q = 0; q < 2; q++) {
      // Pixels 0-3 and 4-7 of this group of eight, each summed with the one below.
      const a0 = v128.load(top + <usize>q * 32);
      const a1 = v128.load(top + <usize>q * 32 + 16);
      const b0 = v128.load(bottom + <usize>q * 32);
      const b1 = v128.load(bottom + <usize>q * 32 + 16);
      const r = f32x4.mul(pairs(f32x4.add(red(a0), red(b0)), f32x4.add(red(a1), red(b1))), quarter);
      const g = f32x4.mul(pairs(f32x4.add(green(a0), green(b0)), f32x4.add(green(a1), green(b1))), quarter);
      const b = f32x4.mul(pairs(f32x4.add(blue(a0), blue(b0)), f32x4.add(blue(a1), blue(b1))), quarter);
      const at = <usize>(y * 8 + q * 4) * 4;
      v128.store(CB + at, f32x4.add(f32x4.add(f32x4.mul(r, f32x4.splat(CB_R)), f32x4.mul(g, f32x4.splat(CB_G))), f32x4.mul(b, f32x4.splat(CB_B))));
      v128.store(CR + at, f32x4.add(f32x4.add(f32x4.mul(r, f32x4.splat(CR_R)), f32x4.mul(g, f32x4.splat(CR_G))), f32x4.mul(b, f32x4.splat(CR_B))));
    }
  }
}

/** Sums of neighbouring lanes: (a0 + a1, a2 + a3, b0 + b1, b2 + b3). */
@inline function pairs(a: v128, b: v128): v128 {
  const even = i8x16.shuffle(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
  const odd = i8x16.shuffle(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
  return f32x4.add(even, odd);
}

/**
 * Converts, transforms and quantises the RGBA image at `pixels` into `work` (workspaceBytes), and
 * builds the Huffman tables. Returns an upper bound of the file's size for write().
 */
export function analyse(pixels: usize, w: i32, h: i32, quality: i32, sub: i32, model: i32, work: usize): i32 {
  width = w;
  height = h;
  gray = model == GREY;
  cmyk = model == CMYK;
  subsample = model == YCBCR && sub != 0;
  setQuantiser(quality < 1 ? 1 : quality > 100 ? 100 : quality);
  blocks = work;
  let at = work;
  if (gray) {
    blocksPerMcu = 1;
    for (let y = 0; y < h; y += 8) {
      for (let x = 0; x < w; x += 8) {
        lumaBlock(pixels, x, y);
        transform(BLOCK, at, 0);
        at += BLOCK_BYTES;
      }
    }
  } else if (cmyk) {
    blocksPerMcu = 4;
    for (let y = 0; y < h; y += 8) {
      for (let x = 0; x < w; x += 8) {
        for (let c = 0; c < 4; c++) {
          inkBlock(pixels, x, y, c);
          transform(BLOCK, at, 0);
          at += BLOCK_BYTES;
        }
      }
    }
  } else {
    const size = mcuWidth();
    blocksPerMcu = subsample ? 6 : 3;
    for (let y = 0; y < h; y += size) {
      for (let x = 0; x < w; x += size) {
        for (let by = 0; by < size; by += 8) {
          for (let bx = 0; bx < size; bx += 8) {
            lumaBlock(pixels, x + bx, y + by);
            transform(BLOCK, at, 0);
            at += BLOCK_BYTES;
          }
        }
        chromaBlocks(pixels, x, y, subsample ? 2 : 1);
        transform(CB, at, 1);
        transform(CR, at + BLOCK_BYTES, 1);
        at += BLOCK_BYTES * 2;
      }
    }
  }
  blockCount = <i32>((at - work) / BLOCK_BYTES);
  countSymbols();
  let bits: f64 = 0;
  const tables = gray || cmyk ? 2 : 4;
  for (let t = 0; t < tables; t++) bits += buildTable(t);
  // Byte stuffing can at most double the data; the headers fit in 2 KB.
  return <i32>(Math.ceil(bits / 8) * 2) + 2048;
}

@inline function magnitude(value: i32): i32 {
  const a = value < 0 ? -value : value;
  return a == 0 ? 0 : 32 - clz(a);
}

@inline function tableOf(index: i32): i32 {
  // Within an MCU, the luma blocks come first and the two chroma blocks last; CMYK's inks share one table.
  return !gray && !cmyk && index >= blocksPerMcu - 2 ? 2 : 0;
}

function countSymbols(): void {
  memory.fill(FREQ, 0, 4 * 257 * 4);
  codeBlocks(false);
}

/**
 * Every block's symbols in file order: counted for the Huffman tables (writing false), or written
 * with their extra bits (writing true).
 */
function codeBlocks(writing: bool): void {
  // One DC predictor per component.
  memory.fill(PREDICTORS, 0, 16);
  for (let i = 0; i < blockCount; i++) {
    const block = blocks + <usize>i * BLOCK_BYTES;
    const index = i % blocksPerMcu;
    const table = tableOf(index);
    const dc = <i32>load<i16>(block);
    const component = cmyk ? index : table == 0 ? 0 : index - blocksPerMcu + 3;
    const predictor = PREDICTORS + <usize>component * 4;
    const diff = dc - load<i32>(predictor);
    store<i32>(predictor, dc);
    const size = magnitude(diff);
    code(writing, table, size, diff, size);
    // The AC coefficients that are not zero, in order; the zeros between them are runs.
    let nonzero = load<u64>(block + 128) & ~(<u64>1);
    let last = 0;
    while (nonzero != 0) {
      const k = <i32>ctz(nonzero);
      nonzero &= nonzero - 1;
      let run = k - last - 1;
      while (run > 15) {
        code(writing, table + 1, 0xf0, 0, 0);
        run -= 16;
      }
      const c = <i32>load<i16>(block + <usize>k * 2);
      const s = magnitude(c);
      code(writing, table + 1, (run << 4) | s, c, s);
      last = k;
    }
    if (last != 63) code(writing, table + 1, 0, 0, 0);
  }
}

@inline function code(writing: bool, table: i32, symbol: i32, value: i32, size: i32): void {
  if (!writing) {
    count(table, symbol);
    return;
  }
  // The code and its value's bits in one put (at most 16 + 11 bits): one check for a flush, not two.
  const entry = load<u32>(CODE + <usize>(table * 256 + symbol) * 4);
  const bits = <u32>(value < 0 ? value - 1 : value) & ((1 << size) - 1);
  put(((entry >> 8) << size) | bits, <i32>(entry & 255) + size);
}


// The writer.
let cursor: usize = 0;
let accumulator: u64 = 0;
let pending: i32 = 0;

@inline function byte(value: i32): void {
  store<u8>(cursor++, <u8>value);
}

@inline function word(value: i32): void {
  byte(value >> 8);
  byte(value & 255);
}

@inline function put(value: u32, length: i32): void {
  accumulator = (accumulator << <u64>length) | <u64>value;
  pending += length;
  if (pending >= 32) flush();
}

function flush(): void {
  // Four bytes at once where none of them is 0xFF (which takes a stuffed zero after it). Once is
  // enough: put() flushes from 32 bits pending, and adds at most 27 to fewer than 32, so at most 58
  // are pending here (the accumulator's 64 never overflow), 26 after four bytes.
  if (pending >= 32) {
    const four = <u32>(accumulator >> <u64>(pending - 32));
    const inverse = ~four;
    if (((inverse - 0x01010101) & ~inverse & 0x80808080) == 0) {
      store<u32>(cursor, bswap<u32>(four));
      cursor += 4;
      pending -= 32;
    }
  }
  while (pending >= 8) {
    pending -= 8;
    const b = <i32>(accumulator >> <u64>pending) & 255;
    byte(b);
    if (b == 0xff) byte(0);
  }
}

function huffmanSegment(table: i32, id: i32): void {
  const bits = BITS + <usize>table * 17;
  let total = 0;
  for (let l = 1; l <= 16; l++) total += load<u8>(bits + <usize>l);
  word(0xffc4);
  word(2 + 17 + total);
  byte(id);
  for (let l = 1; l <= 16; l++) byte(load<u8>(bits + <usize>l));
  memory.copy(cursor, VALUES + <usize>table * 256, total);
  cursor += <usize>total;
}

function headers(): void {
  word(0xffd8);
  if (cmyk) adobeMarker();
  else jfifMarker();
  // Luma's table, and for YCbCr chroma's; grey and CMYK's inks use the luma table alone.
  const tables = gray || cmyk ? 1 : 2;
  word(0xffdb);
  word(2 + 65 * tables);
  for (let t = 0; t < tables; t++) {
    byte(t);
    for (let k = 0; k < 64; k++) byte(<i32>load<u16>(QUANT + <usize>(t * 64 + <i32>load<u8>(ZIGZAG + <usize>k)) * 2));
  }
  frame();
}

function jfifMarker(): void {
  // JFIF 1.01, aspect ratio 1:1 (printRes= rewrites the density later).
  word(0xffe0);
  word(16);
  byte(0x4a);
  byte(0x46);
  byte(0x49);
  byte(0x46);
  byte(0);
  byte(1);
  byte(1);
  byte(0);
  word(1);
  word(1);
  byte(0);
  byte(0);
}

/** Adobe's APP14 with transform 0: the four components are CMYK, stored inverted. */
function adobeMarker(): void {
  word(0xffee);
  word(14);
  byte(0x41);
  byte(0x64);
  byte(0x6f);
  byte(0x62);
  byte(0x65);
  word(100);
  word(0);
  word(0);
  byte(0);
}

function frame(): void {
  const n = gray ? 1 : cmyk ? 4 : 3;
  word(0xffc0);
  word(8 + 3 * n);
  byte(8);
  word(height);
  word(width);
  byte(n);
  for (let c = 0; c < n; c++) {
    byte(c + 1);
    byte(c == 0 && subsample ? 0x22 : 0x11);
    byte(c > 0 && !cmyk ? 1 : 0);
  }
  huffmanSegment(0, 0x00);
  huffmanSegment(1, 0x10);
  if (!gray && !cmyk) {
    huffmanSegment(2, 0x01);
    huffmanSegment(3, 0x11);
  }
  word(0xffda);
  word(6 + 2 * n);
  byte(n);
  for (let c = 0; c < n; c++) {
    byte(c + 1);
    byte(c == 0 || cmyk ? 0x00 : 0x11);
  }
  byte(0);
  byte(63);
  byte(0);
}

/** Writes the file at `out`; returns its length. */
export function write(out: usize): i32 {
  cursor = out;
  accumulator = 0;
  pending = 0;
  headers();
  codeBlocks(true);
  // Pad the last byte with ones.
  const fill = (8 - (pending & 7)) & 7;
  if (fill > 0) put((1 << fill) - 1, fill);
  flush();
  word(0xffd9);
  return <i32>(cursor - out);
}

export const heapBase: usize = __heap_base;

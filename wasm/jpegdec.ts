// Baseline JPEG decoding with DCT-domain downscaling: each block goes straight to N x N pixels
// (N = 8, 4, 2, 1), each the mean of the (8/N)^2 pixels the full inverse DCT would give, as
// libjpeg's reduced-size IDCTs (jidctred.c) do. A 6 MP photo wanted at 0.4 MP costs a 1.5 MP decode.
//
// What the fast path needs: 8-bit Huffman-coded JPEG, grey, YCbCr or CMYK/YCCK, either baseline with one
// interleaved scan holding every component (decoded block by block, straight to pixels) or
// progressive (every scan decoded into a coefficient buffer first, as libjpeg's jdphuff.c does).
// parse() answers UNSUPPORTED for anything else, and decode() answers CORRUPT for any anomaly (bad
// code, data running out, a missing restart marker): the caller then uses MozJPEG, so odd files keep
// its exact behaviour and only clean files take this path.
//
// Every buffer is laid out by the caller; nothing here allocates.

//
// The stages live apart, as libjpeg's do: Huffman tables (jpeg/huffman.ts, jdhuff.c), the
// reduced-size inverse DCT (jpeg/idct.ts, jidctred.c), colour conversion (jpeg/color.ts, jdcolor.c);
// markers (jpeg/markers.ts, jdmarker.c), which alone write the frame and scan state; the entropy
// decoder (jpeg/entropy.ts, jdhuff.c and jdphuff.c) over the bit reader; here the entry points, the
// planes' layout, and the scans' walk over the MCUs to the inverse DCT and colour conversion.

import { COEF, clearCoefficients, emit } from './jpeg/idct.ts';
import { toRgba } from './jpeg/color.ts';
import { fancyCase, fancyUpsample } from './jpeg/upsample.ts';
import { HUFF, TABLE_BYTES } from './jpeg/huffman.ts';
import { corrupt, decodeBlock, decodeProgressiveBlock, nextMcu, position, PREDICTORS, ranOut, startScan } from './jpeg/entropy.ts';
import {
  adobeTransform,
  compAc,
  compDc,
  compH,
  components,
  compQ,
  compV,
  CORRUPT,
  END,
  height,
  maxH,
  maxV,
  OK,
  parseHeaders,
  progressive,
  QUANT,
  readMarkers,
  scanComponents,
  scanCount,
  width,
} from './jpeg/markers.ts';

/** Reads the markers up to the first scan. Returns OK, UNSUPPORTED or CORRUPT. */
export function parse(data: usize, length: i32): i32 {
  return parseHeaders(data, length);
}

/** Output size at 1 / 2^shift, rounded up as libjpeg does. */
export function scaledWidth(shift: i32): i32 {
  return (width + (1 << shift) - 1) >> shift;
}
export function scaledHeight(shift: i32): i32 {
  return (height + (1 << shift) - 1) >> shift;
}

function mcusAcross(): i32 {
  return (width + 8 * maxH - 1) / (8 * maxH);
}
function mcusDown(): i32 {
  return (height + 8 * maxV - 1) / (8 * maxV);
}

/**
 * Bytes of workspace decode() needs: one plane per component at the scaled MCU grid, then for a
 * progressive file the coefficients of every block (i16).
 */
export function workspaceBytes(shift: i32): i32 {
  const block = 8 >> shift;
  const planes = components * mcusAcross() * maxH * block * mcusDown() * maxV * block;
  return (progressive ? planes + coefficientBytes() : planes) + nativeBytes(shift);
}

/**
 * At full size, subsampled chroma is decoded at its own resolution and upsampled the way libjpeg
 * does by default (jpeg/upsample.ts); at reduced sizes each chroma block is simply scaled less.
 */
function fancy(c: i32, shift: i32): bool {
  if (shift != 0 || components != 3) return false;
  const h = load<i32>(compH + <usize>c * 4);
  const v = load<i32>(compV + <usize>c * 4);
  return maxH % h == 0 && maxV % v == 0 && fancyCase(maxH / h, maxV / v);
}

function nativeBytes(shift: i32): i32 {
  let total = 0;
  for (let c = 0; c < components; c++) if (fancy(c, shift)) total += blocksAcross(c) * 8 * blocksDown(c) * 8;
  return total;
}

/** Where component c's own-resolution plane lies, after the planes (and a progressive file's coefficients). */
function nativePlane(planes: usize, planeSize: usize, c: i32): usize {
  let at = planes + planeSize * <usize>components + (progressive ? <usize>coefficientBytes() : 0);
  for (let i = 0; i < c; i++) if (fancy(i, 0)) at += <usize>(blocksAcross(i) * 8 * blocksDown(i) * 8);
  return at;
}

/** The fancy components' planes upsampled into their full-size planes. */
function upsampleAll(planes: usize, planeSize: usize, planeWidth: i32): void {
  for (let c = 0; c < components; c++) {
    if (!fancy(c, 0)) continue;
    const h = load<i32>(compH + <usize>c * 4);
    const v = load<i32>(compV + <usize>c * 4);
    // The component's real samples: libjpeg repeats the last one at the image's edge, not the MCU's.
    const cols = (width * h + maxH - 1) / maxH;
    const rows = (height * v + maxV - 1) / maxV;
    fancyUpsample(nativePlane(planes, planeSize, c), blocksAcross(c) * 8, cols, rows, maxH / h, maxV / v, planes + <usize>c * planeSize, planeWidth);
  }
}

/** A component's blocks on the MCU grid, which the coefficient buffer holds. */
function blocksAcross(c: i32): i32 {
  return mcusAcross() * load<i32>(compH + <usize>c * 4);
}
function blocksDown(c: i32): i32 {
  return mcusDown() * load<i32>(compV + <usize>c * 4);
}

function coefficientBytes(): i32 {
  let total = 0;
  for (let c = 0; c < components; c++) total += blocksAcross(c) * blocksDown(c) * 128;
  return total;
}

function coefficientsOf(base: usize, c: i32): usize {
  let at = base;
  for (let i = 0; i < c; i++) at += <usize>(blocksAcross(i) * blocksDown(i) * 128);
  return at;
}

// Each component's layout in a sequential scan (decode()): blocks per MCU across and down, the
// size a block takes in its plane and its inverse DCT's, the plane's stride, whether only DC is
// needed, then its Huffman tables, quantisation table and plane.
const LAYOUT_BYTES: usize = 48;
const LAYOUT: usize = memory.data(4 * <i32>LAYOUT_BYTES, 16);

/**
 * Decodes the scan at 1 / 2^shift into one plane per component in `planes` (workspaceBytes), then
 * converts to RGBA at `out` (scaledWidth x scaledHeight x 4). Returns OK or CORRUPT.
 */
export function decode(shift: i32, planes: usize, out: usize): i32 {
  if (progressive) return decodeProgressive(shift, planes, out);
  const block = 8 >> shift;
  const across = mcusAcross();
  const down = mcusDown();
  const planeWidth = across * maxH * block;
  const planeSize = <usize>(planeWidth * down * maxV * block);
  memory.fill(COEF, 0, 256);
  // Each component's layout, worked out once for the scan rather than once an MCU.
  for (let c = 0; c < components; c++) {
    const bw = outputBlockWidth(c, block);
    const bh = outputBlockHeight(c, block);
    const n = idctSize(bw);
    const m = idctSize(bh);
    const own = fancy(c, shift);
    const layout = LAYOUT + <usize>c * LAYOUT_BYTES;
    store<i32>(layout, load<i32>(compH + <usize>c * 4));
    store<i32>(layout, load<i32>(compV + <usize>c * 4), 4);
    store<i32>(layout, own ? 8 : bw, 8);
    store<i32>(layout, own ? 8 : bh, 12);
    store<i32>(layout, own ? 8 : n, 16);
    store<i32>(layout, own ? 8 : m, 20);
    store<i32>(layout, own ? blocksAcross(c) * 8 : planeWidth, 24);
    store<i32>(layout, !own && n == 1 && m == 1 ? 1 : 0, 28);
    store<usize>(layout, HUFF + <usize>load<i32>(compDc + <usize>c * 4) * TABLE_BYTES, 32);
    store<usize>(layout, HUFF + <usize>load<i32>(compAc + <usize>c * 4) * TABLE_BYTES, 36);
    store<usize>(layout, QUANT + <usize>load<i32>(compQ + <usize>c * 4) * 256, 40);
    store<usize>(layout, own ? nativePlane(planes, planeSize, c) : planes + <usize>c * planeSize, 44);
  }
  startScan();
  for (let my = 0; my < down; my++) {
    for (let mx = 0; mx < across; mx++) {
      if (!nextMcu()) return CORRUPT;
      for (let c = 0; c < components; c++) {
        const layout = LAYOUT + <usize>c * LAYOUT_BYTES;
        const h = load<i32>(layout);
        const v = load<i32>(layout, 4);
        const ew = load<i32>(layout, 8);
        const eh = load<i32>(layout, 12);
        const n = load<i32>(layout, 16);
        const m = load<i32>(layout, 20);
        const stride = load<i32>(layout, 24);
        const dcOnly = load<i32>(layout, 28) != 0;
        const dcTable = load<usize>(layout, 32);
        const acTable = load<usize>(layout, 36);
        const quant = load<usize>(layout, 40);
        const plane = load<usize>(layout, 44);
        for (let by = 0; by < v; by++) {
          for (let bx = 0; bx < h; bx++) {
            const lastRow = decodeBlock(dcTable, acTable, quant, PREDICTORS + <usize>c * 4, dcOnly);
            const x0 = (mx * h + bx) * ew;
            const y0 = (my * v + by) * eh;
            emit(lastRow, n, m, ew, eh, plane + <usize>(y0 * stride + x0), stride);
            clearCoefficients(lastRow);
          }
        }
      }
      if (corrupt) return CORRUPT;
    }
  }
  if (ranOut()) return CORRUPT;
  if (shift == 0) upsampleAll(planes, planeSize, planeWidth);
  toRgba(scaledWidth(shift), scaledHeight(shift), components, planes, planeWidth, planeSize, out, adobeTransform);
  return OK;
}

export const heapBase: usize = __heap_base;

// Progressive files: every scan adds to the coefficient buffer; the pixels come after the last.

function decodeProgressive(shift: i32, planes: usize, out: usize): i32 {
  const block = 8 >> shift;
  const planeWidth = mcusAcross() * maxH * block;
  const planeSize = <usize>(planeWidth * mcusDown() * maxV * block);
  const coefficients = planes + planeSize * <usize>components;
  memory.fill(coefficients, 0, coefficientBytes());
  while (true) {
    if (!decodeScan(coefficients)) return CORRUPT;
    // A scan's data ends where the next marker starts.
    const status = readMarkers(position);
    if (status == END) break;
    if (status != OK) return status;
  }
  for (let c = 0; c < components; c++) {
    const bw = outputBlockWidth(c, block);
    const bh = outputBlockHeight(c, block);
    const n = idctSize(bw);
    const m = idctSize(bh);
    const quant = QUANT + <usize>load<i32>(compQ + <usize>c * 4) * 256;
    const own = fancy(c, shift);
    const plane = own ? nativePlane(planes, planeSize, c) : planes + <usize>c * planeSize;
    const stride = own ? blocksAcross(c) * 8 : planeWidth;
    const ew = own ? 8 : bw;
    const eh = own ? 8 : bh;
    const across = blocksAcross(c);
    const down = blocksDown(c);
    let source = coefficientsOf(coefficients, c);
    for (let by = 0; by < down; by++) {
      for (let bx = 0; bx < across; bx++) {
        emit(dequantise(source, quant), own ? 8 : n, own ? 8 : m, ew, eh, plane + <usize>(by * eh * stride + bx * ew), stride);
        source += 128;
      }
    }
  }
  if (shift == 0) upsampleAll(planes, planeSize, planeWidth);
  toRgba(scaledWidth(shift), scaledHeight(shift), components, planes, planeWidth, planeSize, out, adobeTransform);
  return OK;
}

/** A block's coefficients (i16, natural order) times its table into COEF; returns its last row with AC, or -1. */
function dequantise(source: usize, quant: usize): i32 {
  let lastRow = -1;
  for (let row = 0; row < 8; row++) {
    const values = v128.load(source + <usize>row * 16);
    const q = quant + <usize>row * 32;
    v128.store(COEF + <usize>row * 32, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(values)), v128.load(q)));
    v128.store(COEF + <usize>row * 32 + 16, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(values)), v128.load(q + 16)));
    // Row 0 without its DC lane.
    const ac = row == 0 ? i16x8.replace_lane(values, 0, 0) : values;
    if (v128.any_true(ac)) lastRow = row;
  }
  return lastRow;
}

/** The scan at scanStart into the coefficient buffer; false on any anomaly. */
const SCAN_BASES: usize = memory.data(4 * sizeof<usize>(), 16);

function decodeScan(coefficients: usize): bool {
  startScan();
  if (scanCount == 1) {
    // One component: its own blocks in raster order, each an MCU, the grid cut to the image.
    const c = <i32>load<u8>(scanComponents);
    const h = load<i32>(compH + <usize>c * 4);
    const v = load<i32>(compV + <usize>c * 4);
    const across = (((width * h + maxH - 1) / maxH) + 7) >> 3;
    const down = (((height * v + maxV - 1) / maxV) + 7) >> 3;
    const base = coefficientsOf(coefficients, c);
    const stride = blocksAcross(c);
    for (let by = 0; by < down; by++) {
      for (let bx = 0; bx < across; bx++) {
        if (!nextMcu()) return false;
        decodeProgressiveBlock(c, base + <usize>(by * stride + bx) * 128);
        if (corrupt) return false;
      }
    }
  } else {
    // Where each of the scan's components keeps its blocks, found once rather than per MCU.
    for (let i = 0; i < scanCount; i++) {
      store<usize>(SCAN_BASES + <usize>i * sizeof<usize>(), coefficientsOf(coefficients, <i32>load<u8>(scanComponents + <usize>i)));
    }
    const down = mcusDown();
    const across = mcusAcross();
    for (let my = 0; my < down; my++) {
      for (let mx = 0; mx < across; mx++) {
        if (!nextMcu()) return false;
        for (let i = 0; i < scanCount; i++) {
          const c = <i32>load<u8>(scanComponents + <usize>i);
          const h = load<i32>(compH + <usize>c * 4);
          const v = load<i32>(compV + <usize>c * 4);
          const base = load<usize>(SCAN_BASES + <usize>i * sizeof<usize>());
          const stride = across * h;
          for (let by = 0; by < v; by++) {
            for (let bx = 0; bx < h; bx++) {
              decodeProgressiveBlock(c, base + <usize>((my * v + by) * stride + mx * h + bx) * 128);
            }
          }
        }
        if (corrupt) return false;
      }
    }
  }
  return !ranOut();
}

/** A component's block covers (maxH / h) x (maxV / v) blocks of the largest component: its output size. */
function outputBlockWidth(c: i32, block: i32): i32 {
  return (block * maxH) / load<i32>(compH + <usize>c * 4);
}
function outputBlockHeight(c: i32, block: i32): i32 {
  return (block * maxV) / load<i32>(compV + <usize>c * 4);
}

/** The inverse DCT goes up to 8 x 8; larger blocks are widened by repetition. */
@inline function idctSize(size: i32): i32 {
  return size < 8 ? size : 8;
}

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
// decode() makes the whole image at a reduced size, or at full size for four components (which
// take no fancy upsampling); startBands() and decodeBand() make it at full size a band of MCU rows
// at a time, for every other full-size decode and for `isle convert` (a progressive file's
// coefficients still whole).
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
  UNSUPPORTED,
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
 * progressive file the coefficients of every block (i16). No component of decode()'s is fancy.
 */
export function workspaceBytes(shift: i32): i32 {
  const block = 8 >> shift;
  const planes = components * mcusAcross() * maxH * block * mcusDown() * maxV * block;
  return progressive ? planes + coefficientBytes() : planes;
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

/**
 * The fancy components' samples of MCU rows [from, to) upsampled from their own planes (as the
 * layout places them, MCU row `from` first) into their full-size planes from the first row of `from`.
 */
function upsampleRows(planes: usize, planeSize: usize, planeWidth: i32, from: i32, to: i32): void {
  for (let c = 0; c < components; c++) {
    if (!fancy(c, 0)) continue;
    const layout = LAYOUT + <usize>c * LAYOUT_BYTES;
    const h = load<i32>(compH + <usize>c * 4);
    const v = load<i32>(compV + <usize>c * 4);
    // The component's real samples: libjpeg repeats the last one at the image's edge, not the MCU's.
    const cols = (width * h + maxH - 1) / maxH;
    const rows = (height * v + maxV - 1) / maxV;
    const last = to * v * 8 < rows ? to * v * 8 : rows;
    fancyUpsample(load<usize>(layout, 44), load<i32>(layout, 24), cols, from * v * 8, last, rows, maxH / h, maxV / v, planes + <usize>c * planeSize, planeWidth);
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

// Each component's layout (layoutPlanes()): blocks per MCU across and down, the size a block takes
// in its plane and its inverse DCT's, the plane's stride, whether only DC is needed, then its
// Huffman tables, quantisation table and plane (where MCU row `origin` of decodeMcuRows() starts).
const LAYOUT_BYTES: usize = 48;
const LAYOUT: usize = memory.data(4 * <i32>LAYOUT_BYTES, 16);

/**
 * Each component's layout, worked out once rather than once an MCU: its blocks go to its plane in
 * `planes` (planeSize apart), or for a fancy one (full size, so in bands) to its own-resolution
 * plane from `native` on, `bandRows` MCU rows and one more below a row of context.
 */
function layoutPlanes(shift: i32, planes: usize, planeSize: usize, planeWidth: i32, native: usize, bandRows: i32): void {
  const block = 8 >> shift;
  let at = native;
  for (let c = 0; c < components; c++) {
    const bw = outputBlockWidth(c, block);
    const bh = outputBlockHeight(c, block);
    const n = idctSize(bw);
    const m = idctSize(bh);
    const own = fancy(c, shift);
    const v = load<i32>(compV + <usize>c * 4);
    const stride = own ? blocksAcross(c) * 8 : planeWidth;
    let plane = planes + <usize>c * planeSize;
    if (own) {
      plane = at + <usize>stride;
      at += <usize>(stride * (1 + (bandRows + 1) * v * 8));
    }
    const layout = LAYOUT + <usize>c * LAYOUT_BYTES;
    store<i32>(layout, load<i32>(compH + <usize>c * 4));
    store<i32>(layout, v, 4);
    store<i32>(layout, own ? 8 : bw, 8);
    store<i32>(layout, own ? 8 : bh, 12);
    store<i32>(layout, own ? 8 : n, 16);
    store<i32>(layout, own ? 8 : m, 20);
    store<i32>(layout, stride, 24);
    store<i32>(layout, !own && n == 1 && m == 1 ? 1 : 0, 28);
    store<usize>(layout, HUFF + <usize>load<i32>(compDc + <usize>c * 4) * TABLE_BYTES, 32);
    store<usize>(layout, HUFF + <usize>load<i32>(compAc + <usize>c * 4) * TABLE_BYTES, 36);
    store<usize>(layout, QUANT + <usize>load<i32>(compQ + <usize>c * 4) * 256, 40);
    store<usize>(layout, plane, 44);
  }
}

/**
 * Decodes the scan at 1 / 2^shift into one plane per component in `planes` (workspaceBytes), then
 * converts to RGBA at `out` (scaledWidth x scaledHeight x 4). Returns OK, CORRUPT, or UNSUPPORTED (a progressive file whose markers between scans this decoder declines).
 * At full size only four components: the others are decoded in bands (decodeBand()).
 */
export function decode(shift: i32, planes: usize, out: usize): i32 {
  if (shift == 0 && components != 4) return UNSUPPORTED;
  const block = 8 >> shift;
  const planeWidth = mcusAcross() * maxH * block;
  const planeSize = <usize>(planeWidth * mcusDown() * maxV * block);
  const coefficients = planes + planeSize * <usize>components;
  layoutPlanes(shift, planes, planeSize, planeWidth, 0, 0);
  if (progressive) {
    const scanned = decodeScans(coefficients);
    if (scanned != OK) return scanned;
    transformMcuRows(coefficients, 0, mcusDown(), 0);
  } else {
    memory.fill(COEF, 0, 256);
    startScan();
    if (!decodeMcuRows(0, mcusDown(), 0)) return CORRUPT;
  }
  toRgba(scaledWidth(shift), scaledHeight(shift), components, planes, planeWidth, planeSize, out, adobeTransform);
  return OK;
}

/** A baseline scan's MCU rows [from, to) into the layout's planes, whose first rows are MCU row `origin`'s; false on any anomaly. */
function decodeMcuRows(from: i32, to: i32, origin: i32, emitFrom: i32 = 0): bool {
  const across = mcusAcross();
  for (let my = from; my < to; my++) {
    for (let mx = 0; mx < across; mx++) {
      if (!nextMcu()) return false;
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
            if (my >= emitFrom) {
              const x0 = (mx * h + bx) * ew;
              const y0 = ((my - origin) * v + by) * eh;
              emit(lastRow, n, m, ew, eh, plane + <usize>(y0 * stride + x0), stride);
            }
            clearCoefficients(lastRow);
          }
        }
      }
      if (corrupt) return false;
    }
  }
  return !ranOut();
}

export const heapBase: usize = __heap_base;

// Decoding in bands of MCU rows at full size (every full-size decode but four components', and
// `isle convert`), so that the planes are never held for the whole image: a baseline scan's
// entropy decoder stops between bands, a progressive file's coefficients are all decoded first
// (every scan refines them) and transformed a band at a time.
// Each band decodes its MCU rows and the next one (as libjpeg's context rows), since fancy
// upsampling of its last chroma row needs the row below; that row is carried to the next band.
let bandRows: i32 = 0;
let bandNext: i32 = 0;
let bandPlanes: usize = 0;
let bandCoefficients: usize = 0;

function bandPlaneWidth(): i32 {
  return mcusAcross() * maxH * 8;
}
function bandPlaneSize(): usize {
  return <usize>(bandPlaneWidth() * (bandRows + 1) * maxV * 8);
}

/** The frame's components, for the caller to tell grey, colour and inks apart. */
export function frameComponents(): i32 {
  return components;
}

/** Pixel rows of a band of `mcuRows` MCU rows (the last band may have fewer). */
export function bandHeight(mcuRows: i32): i32 {
  return mcuRows * maxV * 8;
}

/** Bytes of workspace for bands of `mcuRows` MCU rows: a progressive file's coefficients, then the bands' planes. */
export function bandWorkspaceBytes(mcuRows: i32): i32 {
  let total = components * bandPlaneWidth() * (mcuRows + 1) * maxV * 8;
  for (let c = 0; c < components; c++) {
    if (fancy(c, 0)) total += blocksAcross(c) * 8 * (1 + (mcuRows + 1) * load<i32>(compV + <usize>c * 4) * 8);
  }
  return (progressive ? coefficientBytes() : 0) + total;
}

/** Readies decodeBand() for bands of `mcuRows` MCU rows in `workspace` (bandWorkspaceBytes); a progressive file's scans are decoded here. OK, CORRUPT or UNSUPPORTED. */
export function startBands(mcuRows: i32, workspace: usize): i32 {
  bandRows = mcuRows;
  bandCoefficients = workspace;
  bandPlanes = workspace + (progressive ? <usize>coefficientBytes() : 0);
  const planeSize = bandPlaneSize();
  layoutPlanes(0, bandPlanes, planeSize, bandPlaneWidth(), bandPlanes + planeSize * <usize>components, mcuRows);
  if (progressive) {
    const scanned = decodeScans(bandCoefficients);
    if (scanned != OK) return scanned;
  }
  rewindBands();
  return OK;
}

/** The next band is the first again. */
export function rewindBands(): void {
  bandNext = 0;
  if (progressive) return;
  memory.fill(COEF, 0, 256);
  startScan();
}

/** The next band's RGBA at `out` (width x bandHeight, fewer rows at the image's end). OK or CORRUPT. */
export function decodeBand(out: usize): i32 {
  const first = bandNext;
  const down = mcusDown();
  if (first > 0) carryRows();
  const from = first == 0 ? 0 : first + 1;
  const to = first + bandRows + 1 < down ? first + bandRows + 1 : down;
  if (progressive) transformMcuRows(bandCoefficients, from, to, first);
  else if (!decodeMcuRows(from, to, first)) return CORRUPT;
  const planeSize = bandPlaneSize();
  upsampleRows(bandPlanes, planeSize, bandPlaneWidth(), first, first + bandRows);
  const rows = height - first * maxV * 8;
  toRgba(width, rows < bandHeight(bandRows) ? rows : bandHeight(bandRows), components, bandPlanes, bandPlaneWidth(), planeSize, out, adobeTransform);
  bandNext = first + bandRows;
  return OK;
}

/**
 * The next band passed over without its pixels (a region read's rows above its rect): a baseline
 * scan's data is read, as it must be to reach the rows below, but only the band's last MCU row and
 * the one carried past it are transformed, for the band after it. OK or CORRUPT.
 */
export function skipBand(): i32 {
  const first = bandNext;
  const down = mcusDown();
  if (first > 0) carryRows();
  const from = first == 0 ? 0 : first + 1;
  const to = first + bandRows + 1 < down ? first + bandRows + 1 : down;
  const kept = to - 2 > from ? to - 2 : from;
  if (progressive) transformMcuRows(bandCoefficients, kept, to, first);
  else if (!decodeMcuRows(from, to, first, kept)) return CORRUPT;
  bandNext = first + bandRows;
  return OK;
}

/** The MCU row decoded past the last band to its planes' first, and a fancy plane's last row of the band above it. */
function carryRows(): void {
  for (let c = 0; c < components; c++) {
    const layout = LAYOUT + <usize>c * LAYOUT_BYTES;
    const stride = load<i32>(layout, 24);
    const plane = load<usize>(layout, 44);
    const rows = load<i32>(layout, 4) * load<i32>(layout, 12);
    if (fancy(c, 0)) memory.copy(plane - <usize>stride, plane + <usize>((bandRows * rows - 1) * stride), <usize>stride);
    memory.copy(plane, plane + <usize>(bandRows * rows * stride), <usize>(rows * stride));
  }
}

// Progressive files: every scan adds to the coefficient buffer; the pixels come after the last.

/** Every scan into the coefficient buffer: OK, CORRUPT, or what readMarkers() declines between scans. */
function decodeScans(coefficients: usize): i32 {
  memory.fill(coefficients, 0, coefficientBytes());
  while (true) {
    if (!decodeScan(coefficients)) return CORRUPT;
    // A scan's data ends where the next marker starts; what readMarkers() declines (tables redefined
    // between scans, another frame) is UNSUPPORTED, for MozJPEG to decode, not damage.
    const status = readMarkers(position);
    if (status == END) return OK;
    if (status != OK) return status;
  }
}

/** The coefficients of MCU rows [from, to) to the layout's planes, as decodeMcuRows() places them. */
function transformMcuRows(coefficients: usize, from: i32, to: i32, origin: i32): void {
  for (let c = 0; c < components; c++) {
    const layout = LAYOUT + <usize>c * LAYOUT_BYTES;
    const v = load<i32>(layout, 4);
    const ew = load<i32>(layout, 8);
    const eh = load<i32>(layout, 12);
    const n = load<i32>(layout, 16);
    const m = load<i32>(layout, 20);
    const stride = load<i32>(layout, 24);
    const quant = load<usize>(layout, 40);
    const plane = load<usize>(layout, 44);
    const across = blocksAcross(c);
    let source = coefficientsOf(coefficients, c) + <usize>(from * v * across) * 128;
    for (let by = from * v; by < to * v; by++) {
      const row = plane + <usize>((by - origin * v) * eh * stride);
      for (let bx = 0; bx < across; bx++) {
        emit(dequantise(source, quant), n, m, ew, eh, row + <usize>(bx * ew), stride);
        source += 128;
      }
    }
  }
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

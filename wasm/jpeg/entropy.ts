// The entropy decoder of the JPEG decoder (jpegdec.ts), as libjpeg's jdhuff.c and jdphuff.c: the
// bit reader over a scan's data and its restart markers, a baseline block's coefficients straight to
// COEF, and a progressive scan's DC and AC bands (first and refinement) into the coefficient buffer.
// Only this module moves through the scan's data; jpegdec.ts reads `position` and `corrupt`.

import { COEF } from './idct.ts';
import { extend, FAST, FAST_BITS, HUFF, LOOKAHEAD, SKIP_BITS, skipTable, TABLE_BYTES } from './huffman.ts';
import {
  approximationHigh,
  approximationLow,
  compAc,
  compDc,
  dataEnd,
  height,
  restartInterval,
  scanStart,
  spectralEnd,
  spectralStart,
  width,
  ZIGZAG,
} from './markers.ts';

// The entropy decoder's state: a left-aligned 64-bit buffer of the next bits.
export let position: usize = 0;
let bits: u64 = 0;
let bitCount: i32 = 0;
let atMarker: bool = false;
// Zero bits fed past the data; consuming any of them means the data ran out.
let paddingBits: i32 = 0;
export let corrupt: bool = false;

@inline function fill(): void {
  // Whole bytes at once while the next eight hold no 0xFF (no stuffing, no marker): most of a scan.
  if (!atMarker && position + 8 <= dataEnd) {
    const word = load<u64>(position);
    const inverse = ~word;
    if (((inverse - 0x0101010101010101) & ~inverse & 0x8080808080808080) == 0) {
      const n = (64 - bitCount) >> 3;
      const wanted = n == 8 ? bswap<u64>(word) : bswap<u64>(word) & ~(<u64>-1 >> <u64>(n * 8));
      bits |= wanted >> <u64>bitCount;
      bitCount += n * 8;
      position += <usize>n;
      return;
    }
  }
  while (bitCount <= 56) {
    let byte: u64 = 0;
    if (!atMarker && position < dataEnd) {
      byte = <u64>load<u8>(position);
      if (byte == 0xff) {
        const next = position + 1 < dataEnd ? load<u8>(position + 1) : 0xd9;
        if (next == 0) position += 2;
        else {
          atMarker = true;
          byte = 0;
        }
      } else position++;
    } else {
      // Past the data: zeros, as libjpeg inserts. Using them means the data ran out.
      atMarker = true;
    }
    if (atMarker) paddingBits += 8;
    bits |= byte << <u64>(56 - bitCount);
    bitCount += 8;
  }
}

@inline function take(n: i32): i32 {
  const value = <i32>(bits >> <u64>(64 - n));
  bits <<= <u64>n;
  bitCount -= n;
  return value;
}

@inline function decodeSymbol(table: usize): i32 {
  const entry = <i32>load<u16>(table + <usize>(bits >> <u64>(64 - LOOKAHEAD)) * 2);
  if (entry != 0) {
    const length = entry >> 8;
    bits <<= <u64>length;
    bitCount -= length;
    return entry & 255;
  }
  const maxcode = table + 1024;
  for (let l = LOOKAHEAD + 1; l <= 16; l++) {
    const code = <i32>(bits >> <u64>(64 - l));
    if (code <= load<i32>(maxcode + <usize>l * 4)) {
      bits <<= <u64>l;
      bitCount -= l;
      return <i32>load<u8>(maxcode + 68 + 68 + <usize>(code + load<i32>(maxcode + 68 + <usize>l * 4)));
    }
  }
  corrupt = true;
  return 0;
}

// SKIP is built for frames of more than 512x512 pixels' worth: building it costs about as much as it
// saves on a few hundred thousand, and a pyramid's 512x512 tiles, each with its tables again, never need it.
const SKIP_FROM_PIXELS: i64 = 1 << 18;

/**
 * One block's coefficients, dequantised, into COEF; returns the highest row (0-7) holding a
 * non-zero AC coefficient, or -1 when only DC is set. With `dcOnly` (a 1x1 inverse DCT, at 1/8)
 * the AC coefficients are decoded past and not kept, which is almost all of a thumbnail's decode:
 * in a large frame each lookup in SKIP (huffman.ts) then takes every whole symbol its bits hold,
 * two or three for most photos, where the loop otherwise takes one.
 */
export function decodeBlock(dcTable: usize, acTable: usize, quant: usize, predictor: usize, dcOnly: bool): i32 {
  if (bitCount < 32) fill();
  let dc = load<i32>(predictor);
  const quick = <i32>load<i16>(dcTable + FAST + <usize>(bits >> <u64>(64 - FAST_BITS)) * 2);
  if (quick != 0) {
    const length = quick & 15;
    bits <<= <u64>length;
    bitCount -= length;
    dc += quick >> 8;
  } else {
    const size = decodeSymbol(dcTable);
    if (size > 11) corrupt = true;
    if (size > 0) dc += extend(take(size), size);
  }
  store<i32>(predictor, dc);
  store<f32>(COEF, <f32>dc * load<f32>(quant));
  let lastRow: i32 = -1;
  const fast = acTable + FAST;
  const skip = dcOnly && <i64>width * <i64>height > SKIP_FROM_PIXELS ? skipTable(acTable) : 0;
  // The bit buffer in locals for the AC loop: globals live in memory, and each coefficient would
  // otherwise store and reload them on its critical path. Synced around fill() and the slow path.
  let buffer = bits;
  let count = bitCount;
  for (let k = 1; k < 64; ) {
    if (count < 32) {
      bits = buffer;
      bitCount = count;
      fill();
      buffer = bits;
      count = bitCount;
    }
    if (skip != 0) {
      // Several whole symbols a lookup (huffman.ts's SKIP), where they end where reading them one
      // by one would: a run's last coefficient at 63 at most, an end of block read before the 64th.
      const several = <i32>load<u16>(skip + <usize>(buffer >> <u64>(64 - SKIP_BITS)) * 2);
      const end = several >> 11;
      if (several != 0 && k + ((several >> 4) & 127) + end <= 64) {
        const length = several & 15;
        buffer <<= <u64>length;
        count -= length;
        k += (several >> 4) & 127;
        if (end != 0) break;
        continue;
      }
    }
    const entry = <i32>load<i16>(fast + <usize>(buffer >> <u64>(64 - FAST_BITS)) * 2);
    let value: i32;
    if (entry != 0) {
      const length = entry & 15;
      buffer <<= <u64>length;
      count -= length;
      value = entry >> 8;
      if (value == 0) {
        // End of block, or sixteen zeros (huffman.ts).
        if ((entry & 0xf0) == 0) break;
        k += 16;
        continue;
      }
      k += (entry >> 4) & 15;
    } else {
      bits = buffer;
      bitCount = count;
      const rs = decodeSymbol(acTable);
      buffer = bits;
      count = bitCount;
      const run = rs >> 4;
      const size = rs & 15;
      if (size == 0) {
        if (run != 15) break;
        k += 16;
        continue;
      }
      k += run;
      value = extend(<i32>(buffer >> <u64>(64 - size)), size);
      buffer <<= <u64>size;
      count -= size;
    }
    if (k > 63) {
      corrupt = true;
      break;
    }
    if (dcOnly) {
      k++;
      continue;
    }
    const at = <i32>load<u8>(ZIGZAG + <usize>k);
    store<f32>(COEF + <usize>at * 4, <f32>value * load<f32>(quant + <usize>at * 4));
    const row = at >> 3;
    if (row > lastRow) lastRow = row;
    k++;
  }
  bits = buffer;
  bitCount = count;
  return lastRow;
}

// The DC predictor of each component.
export const PREDICTORS: usize = memory.data(16, 16);

@inline export function ranOut(): bool {
  return bitCount < paddingBits;
}

function restart(): bool {
  if (ranOut()) return false;
  bits = 0;
  bitCount = 0;
  paddingBits = 0;
  while (position + 1 < dataEnd && load<u8>(position) == 0xff && load<u8>(position + 1) == 0xff) position++;
  if (position + 1 >= dataEnd || load<u8>(position) != 0xff) return false;
  const marker = load<u8>(position + 1);
  if (marker < 0xd0 || marker > 0xd7) return false;
  position += 2;
  atMarker = false;
  return true;
}

// The blocks left in a progressive AC band's end-of-band run.
let endOfBandRun: i32 = 0;

let untilRestart: i32 = 0;

/** The entropy decoder at the start of the scan's data. */
export function startScan(): void {
  position = scanStart;
  bits = 0;
  bitCount = 0;
  atMarker = false;
  paddingBits = 0;
  corrupt = false;
  endOfBandRun = 0;
  memory.fill(PREDICTORS, 0, 16);
  untilRestart = restartInterval;
}

/** Before each MCU: where a restart interval ends, its marker, and prediction starts afresh. */
export function nextMcu(): bool {
  if (restartInterval == 0) return true;
  if (untilRestart == 0) {
    if (!restart()) return false;
    memory.fill(PREDICTORS, 0, 16);
    endOfBandRun = 0;
    untilRestart = restartInterval;
  }
  untilRestart--;
  return true;
}

@inline function readBit(): i32 {
  if (bitCount < 16) fill();
  return take(1);
}

export function decodeProgressiveBlock(c: i32, block: usize): void {
  const low = approximationLow;
  if (spectralStart == 0) {
    if (approximationHigh == 0) {
      // First DC scan: the difference from the previous block's DC, scaled to its bit position.
      if (bitCount < 32) fill();
      const size = decodeSymbol(HUFF + <usize>load<i32>(compDc + <usize>c * 4) * TABLE_BYTES);
      const predictor = PREDICTORS + <usize>c * 4;
      let dc = load<i32>(predictor);
      if (size > 0) {
        if (size > 11) corrupt = true;
        dc += extend(take(size), size);
      }
      store<i32>(predictor, dc);
      store<i16>(block, <i16>(dc << low));
    } else if (readBit() != 0) {
      // DC refinement: one more bit.
      store<i16>(block, <i16>(<i32>load<i16>(block) | (1 << low)));
    }
    return;
  }
  const table = HUFF + <usize>load<i32>(compAc + <usize>c * 4) * TABLE_BYTES;
  if (approximationHigh == 0) firstAc(block, table, low);
  else refineAc(block, table, low);
}

/** A first scan of an AC band: run-length coded values, and runs of whole blocks ending early. */
function firstAc(block: usize, table: usize, low: i32): void {
  if (endOfBandRun > 0) {
    endOfBandRun--;
    return;
  }
  for (let k = spectralStart; k <= spectralEnd; ) {
    if (bitCount < 32) fill();
    const rs = decodeSymbol(table);
    const run = rs >> 4;
    const size = rs & 15;
    if (size != 0) {
      k += run;
      if (k > spectralEnd) {
        corrupt = true;
        return;
      }
      const value = extend(take(size), size);
      store<i16>(block + <usize>load<u8>(ZIGZAG + <usize>k) * 2, <i16>(value << low));
      k++;
    } else if (run == 15) {
      k += 16;
    } else {
      endOfBandRun = (1 << run) - 1;
      if (run > 0) endOfBandRun += take(run);
      return;
    }
  }
}

/** Adds one bit of magnitude to a coefficient already known to be non-zero, when the stream says so. */
@inline function correct(at: usize, coefficient: i32, bit: i32): void {
  if (readBit() != 0 && (coefficient & bit) == 0) store<i16>(at, <i16>(coefficient >= 0 ? coefficient + bit : coefficient - bit));
}

/** A refinement scan of an AC band (successive approximation), as libjpeg's decode_mcu_AC_refine. */
function refineAc(block: usize, table: usize, low: i32): void {
  const bit = 1 << low;
  let k = spectralStart;
  if (endOfBandRun == 0) {
    for (; k <= spectralEnd; k++) {
      if (bitCount < 32) fill();
      const rs = decodeSymbol(table);
      let run = rs >> 4;
      const size = rs & 15;
      let value = 0;
      if (size != 0) {
        if (size != 1) {
          corrupt = true;
          return;
        }
        value = take(1) != 0 ? bit : -bit;
      } else if (run != 15) {
        endOfBandRun = 1 << run;
        if (run > 0) endOfBandRun += take(run);
        break;
      }
      // Past the coefficients already non-zero (each taking a correction bit) and `run` zero ones.
      while (k <= spectralEnd) {
        const at = block + <usize>load<u8>(ZIGZAG + <usize>k) * 2;
        const coefficient = <i32>load<i16>(at);
        if (coefficient != 0) correct(at, coefficient, bit);
        else {
          if (run == 0) break;
          run--;
        }
        k++;
      }
      if (value != 0) {
        if (k > spectralEnd) {
          corrupt = true;
          return;
        }
        store<i16>(block + <usize>load<u8>(ZIGZAG + <usize>k) * 2, <i16>value);
      }
    }
  }
  if (endOfBandRun > 0) {
    // The rest of the band only refines what is already non-zero.
    for (; k <= spectralEnd; k++) {
      const at = block + <usize>load<u8>(ZIGZAG + <usize>k) * 2;
      const coefficient = <i32>load<i16>(at);
      if (coefficient != 0) correct(at, coefficient, bit);
    }
    endOfBandRun--;
  }
}

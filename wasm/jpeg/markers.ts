// Marker parsing (libjpeg's jdmarker.c): the tables (DQT, DHT), the frame (SOF), restart intervals,
// Adobe's transform flag and each scan's header (SOS), into the frame and scan state below, which
// the scan decoders of jpegdec.ts read. Only this module writes that state.

import { defineHuffman } from './huffman.ts';

// Status codes of parse() and decode(); src/image/jpeg.ts knows OK.
export const OK: i32 = 0;
export const UNSUPPORTED: i32 = 1;
export const CORRUPT: i32 = 2;
// readMarkers() at the end of the image.
export const END: i32 = 3;

export const ZIGZAG: usize = memory.data<u8>([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  // Past the end: a run that overshoots 63 lands here harmlessly before being reported as corrupt.
  63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
]);

// Quantisation tables, natural order, as f32 (the inverse DCT works in floats).
export const QUANT: usize = memory.data(4 * 64 * 4, 16);
export let quantDefined: i32 = 0;

export let huffDefined: i32 = 0;

// The frame.
export let width: i32 = 0;
export let height: i32 = 0;
export let components: i32 = 0;
export const compId = memory.data(4);
export const compH = memory.data(16);
export const compV = memory.data(16);
export const compQ = memory.data(16);
export const compDc = memory.data(16);
export const compAc = memory.data(16);
export let maxH: i32 = 1;
export let maxV: i32 = 1;
export let restartInterval: i32 = 0;
export let adobeTransform: i32 = -1;
export let progressive: bool = false;
export let dataEnd: usize = 0;

// The scan being read: its components (frame indices), spectral band and successive approximation.
export let scanStart: usize = 0;
export let scanCount: i32 = 0;
export const scanComponents = memory.data(16);
export let spectralStart: i32 = 0;
export let spectralEnd: i32 = 63;
export let approximationHigh: i32 = 0;
export let approximationLow: i32 = 0;
export let scansSeen: i32 = 0;


@inline function u16be(p: usize): i32 {
  return (<i32>load<u8>(p) << 8) | <i32>load<u8>(p + 1);
}


/** Reads the markers up to the first scan. Returns OK, UNSUPPORTED or CORRUPT. */
export function parseHeaders(data: usize, length: i32): i32 {
  dataEnd = data + <usize>length;
  quantDefined = 0;
  huffDefined = 0;
  width = 0;
  components = 0;
  restartInterval = 0;
  adobeTransform = -1;
  progressive = false;
  scansSeen = 0;
  if (length < 4 || load<u8>(data) != 0xff || load<u8>(data + 1) != 0xd8) return CORRUPT;
  const status = readMarkers(data + 2);
  return status == END ? CORRUPT : status;
}

/**
 * Reads markers from p: tables, the frame, restart intervals, up to the next scan's header (OK, the
 * scan's parameters set) or the end of the image (END).
 */
export function readMarkers(start: usize): i32 {
  const end = dataEnd;
  let p = start;
  while (true) {
    if (p + 2 > end) return CORRUPT;
    if (load<u8>(p) != 0xff) return CORRUPT;
    const marker = <i32>load<u8>(p + 1);
    if (marker == 0xff) {
      p++;
      continue;
    }
    if (marker == 0xd9) return END;
    if (p + 4 > end) return CORRUPT;
    const len = u16be(p + 2);
    const body = p + 4;
    const next = p + 2 + <usize>len;
    if (len < 2 || next > end) return CORRUPT;
    if (marker == 0xdb) {
      // Tables redefined between scans would apply to some scans' coefficients and not others.
      if (scansSeen > 0) return UNSUPPORTED;
      let q = body;
      while (q < next) {
        const precision = <i32>load<u8>(q) >> 4;
        const id = <i32>load<u8>(q) & 15;
        if (id > 3 || precision > 1) return CORRUPT;
        const size = precision == 0 ? 64 : 128;
        if (q + 1 + <usize>size > next) return CORRUPT;
        for (let i = 0; i < 64; i++) {
          const value = precision == 0 ? <i32>load<u8>(q + 1 + <usize>i) : u16be(q + 1 + <usize>i * 2);
          store<f32>(QUANT + <usize>(id * 64 + <i32>load<u8>(ZIGZAG + <usize>i)) * 4, <f32>value);
        }
        quantDefined |= 1 << id;
        q += 1 + <usize>size;
      }
    } else if (marker == 0xc4) {
      let q = body;
      while (q < next) {
        const slot = (<i32>load<u8>(q) >> 4) * 4 + (<i32>load<u8>(q) & 15);
        q = defineHuffman(q, next);
        if (q == 0) return CORRUPT;
        huffDefined |= 1 << slot;
      }
    } else if (marker == 0xc0 || marker == 0xc1 || marker == 0xc2) {
      if (components != 0) return CORRUPT; // a second frame
      if (load<u8>(body) != 8) return UNSUPPORTED;
      progressive = marker == 0xc2;
      height = u16be(body + 1);
      width = u16be(body + 3);
      components = load<u8>(body + 5);
      if (width == 0 || height == 0) return UNSUPPORTED; // height in a DNL marker: let MozJPEG cope
      if (components != 1 && components != 3 && components != 4) return UNSUPPORTED;
      if (len < 8 + 3 * components) return CORRUPT;
      maxH = 1;
      maxV = 1;
      for (let c = 0; c < components; c++) {
        const at = body + 6 + <usize>c * 3;
        store<u8>(compId + <usize>c, load<u8>(at));
        const h = <i32>load<u8>(at + 1) >> 4;
        const v = <i32>load<u8>(at + 1) & 15;
        const tq = <i32>load<u8>(at + 2);
        if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) return CORRUPT;
        store<i32>(compH + <usize>c * 4, h);
        store<i32>(compV + <usize>c * 4, v);
        store<i32>(compQ + <usize>c * 4, tq);
        if (h > maxH) maxH = h;
        if (v > maxV) maxV = v;
      }
      for (let c = 0; c < components; c++) {
        // Sampling factors that do not divide the largest (3 against 2 or 4) need a general resampler.
        if (maxH % load<i32>(compH + <usize>c * 4) != 0 || maxV % load<i32>(compV + <usize>c * 4) != 0) return UNSUPPORTED;
      }
      if (components == 1) {
        // A single-component scan is not interleaved: its MCU is one block whatever the factors say.
        store<i32>(compH, 1);
        store<i32>(compV, 1);
        maxH = 1;
        maxV = 1;
      }
    } else if (marker >= 0xc3 && marker <= 0xcf && marker != 0xc4) {
      return UNSUPPORTED; // lossless, arithmetic, hierarchical
    } else if (marker == 0xdd) {
      if (len < 4) return CORRUPT;
      restartInterval = u16be(body);
    } else if (marker == 0xee) {
      // Adobe: transform 0 means RGB (or CMYK) samples, not YCbCr.
      if (len >= 14 && load<u8>(body) == 0x41 && load<u8>(body + 1) == 0x64) adobeTransform = load<u8>(body + 11);
    } else if (marker == 0xda) {
      if (components == 0) return CORRUPT;
      const count = <i32>load<u8>(body);
      if (count < 1 || count > components || len < 6 + 2 * count) return CORRUPT;
      // Baseline files decode block by block, which needs every component in one scan, in frame order.
      if (!progressive && count != components) return UNSUPPORTED;
      for (let i = 0; i < count; i++) {
        const id = load<u8>(body + 1 + <usize>i * 2);
        let c = 0;
        while (c < components && load<u8>(compId + <usize>c) != id) c++;
        if (c == components || (!progressive && c != i)) return progressive ? CORRUPT : UNSUPPORTED;
        const tables = <i32>load<u8>(body + 2 + <usize>i * 2);
        const dc = tables >> 4;
        const ac = tables & 15;
        if (dc > 3 || ac > 3) return CORRUPT;
        if ((quantDefined & (1 << load<i32>(compQ + <usize>c * 4))) == 0) return CORRUPT;
        store<u8>(scanComponents + <usize>i, <u8>c);
        store<i32>(compDc + <usize>c * 4, dc);
        store<i32>(compAc + <usize>c * 4, 4 + ac);
      }
      const spectral = body + 1 + <usize>count * 2;
      scanCount = count;
      spectralStart = load<u8>(spectral);
      spectralEnd = load<u8>(spectral + 1);
      approximationHigh = <i32>load<u8>(spectral + 2) >> 4;
      approximationLow = <i32>load<u8>(spectral + 2) & 15;
      if (!progressive) {
        if (spectralStart != 0 || spectralEnd != 63 || approximationHigh != 0 || approximationLow != 0) return UNSUPPORTED;
      } else {
        // DC alone (any components) or one band of AC of one component; at most 13 bits of refinement.
        if (spectralEnd > 63 || spectralStart > spectralEnd || (spectralStart == 0 && spectralEnd != 0)) return CORRUPT;
        if (spectralStart > 0 && count != 1) return CORRUPT;
        if (approximationLow > 13) return CORRUPT;
      }
      // The Huffman tables the scan reads: DC in first DC scans (and baseline), AC in AC scans.
      for (let i = 0; i < count; i++) {
        const c = <i32>load<u8>(scanComponents + <usize>i);
        const needsDc = spectralStart == 0 && approximationHigh == 0;
        const needsAc = !progressive || spectralStart > 0;
        if (needsDc && (huffDefined & (1 << load<i32>(compDc + <usize>c * 4))) == 0) return CORRUPT;
        if (needsAc && (huffDefined & (1 << load<i32>(compAc + <usize>c * 4))) == 0) return CORRUPT;
      }
      if (components == 3 && adobeTransform == 0) return UNSUPPORTED;
      scanStart = next;
      scansSeen++;
      return OK;
    }
    p = next;
  }
}

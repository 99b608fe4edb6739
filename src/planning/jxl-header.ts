import type { SourceInfo, Walk } from './sniff.ts';
import { corrupt, viewOf } from './raster-header.ts';

/**
 * A JPEG XL's header without decoding (ISO/IEC 18181-1): a bare codestream (FF 0A) or the ISOBMFF
 * container (its signature box, then boxes, the codestream whole in `jxlc` or in parts in `jxlp`),
 * then the codestream's SizeHeader and the start of its ImageMetadata: orientation, extra channels
 * (is the first an alpha, is it premultiplied), and whether the colours are grey or carry an ICC
 * profile. Each container box is a step of the walk; the codestream's fields are a few bytes, read
 * with bounds.
 */
const F = 'JPEG XL';
const CONTAINER = [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
/** The largest side the format's level 10 allows, and more than any decoder here would take. */
const MAX_SIDE = 2 ** 30;

export const isJxl = (b: Uint8Array): boolean =>
  (b.length >= 2 && b[0] === 0xff && b[1] === 0x0a) || (b.length >= 12 && CONTAINER.every((v, i) => b[i] === v));

/** The codestream's first bytes: the file itself, or the payload of the container's first `jxlc` or `jxlp` box. */
function codestream(b: Uint8Array, step: () => void): Uint8Array {
  if (b[0] === 0xff) return b;
  const view = viewOf(b);
  for (let at = 0; at + 8 <= b.length; ) {
    step();
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > b.length) break;
      const large = view.getBigUint64(at + 8);
      size = large > BigInt(b.length - at) ? Infinity : Number(large);
      header = 16;
    } else if (size === 0) size = b.length - at;
    if (size < header || size > b.length - at) throw corrupt(F, 'box runs past the end of the file');
    const type = String.fromCharCode(...b.subarray(at + 4, at + 8));
    // A jxlp box begins with its part's index.
    if (type === 'jxlc' || type === 'jxlp') return b.subarray(at + header + (type === 'jxlp' ? 4 : 0), at + size);
    at += size;
  }
  throw corrupt(F, 'container without its codestream');
}

type Distribution = number | [number, number];

/** The codestream's bits, least significant first (18181-1 section 4). */
class Bits {
  private at = 16;
  constructor(private readonly b: Uint8Array) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++, this.at++) {
      if (this.at >> 3 >= this.b.length) throw corrupt(F, 'codestream ends inside its header');
      v += ((this.b[this.at >> 3]! >> (this.at & 7)) & 1) * 2 ** i;
    }
    return v;
  }
  bool = () => this.u(1) === 1;
  /** U32: a 2-bit selector of four distributions, each a constant or bits plus an offset ([bits, offset]). */
  u32(...d: Distribution[]): number {
    const pick = d[this.u(2)]!;
    return typeof pick === 'number' ? pick : this.u(pick[0]) + pick[1];
  }
}

const SIZE: Distribution[] = [[9, 1], [13, 1], [18, 1], [30, 1]];
/** The aspect ratios a SizeHeader may name instead of a width. */
const RATIOS = [[1, 1], [12, 10], [4, 3], [3, 2], [16, 9], [5, 4], [2, 1]];

function size(r: Bits, small: Distribution[], div8Size: (r: Bits) => number): { width: number; height: number } {
  const div8 = r.bool();
  const height = div8 ? div8Size(r) * 8 : r.u32(...small);
  const ratio = r.u(3);
  if (ratio > 0) return { width: Math.floor((height * RATIOS[ratio - 1]![0]!) / RATIOS[ratio - 1]![1]!), height };
  return { width: div8 ? div8Size(r) * 8 : r.u32(...small), height };
}

const bitDepth = (r: Bits) => (r.bool() ? (r.u32(32, 16, 24, [5, 1]), r.u(4)) : r.u32(8, 10, 12, [6, 1]));
const enumValue = (r: Bits) => r.u32(0, 1, [4, 2], [6, 18]);

interface JxlHeader {
  width: number;
  height: number;
  orientation: number;
  bits: number;
  alpha: boolean;
  premultiplied: boolean;
  grey: boolean;
  icc: boolean;
}

function readHeader(b: Uint8Array, step: () => void): JxlHeader {
  const stream = codestream(b, step);
  if (stream.length < 2 || stream[0] !== 0xff || stream[1] !== 0x0a) throw corrupt(F, 'codestream without its signature');
  const r = new Bits(stream);
  const { width, height } = size(r, SIZE, (x) => x.u(5) + 1);
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) throw corrupt(F, `image of ${width}x${height}`);
  if (r.bool()) return { width, height, orientation: 1, bits: 8, alpha: false, premultiplied: false, grey: false, icc: false };
  let orientation = 1;
  if (r.bool()) {
    orientation = r.u(3) + 1;
    if (r.bool()) size(r, SIZE, (x) => x.u(5) + 1); // the intrinsic size
    if (r.bool()) size(r, [[6, 1], [8, 65], [10, 321], [12, 1345]], (x) => x.u32(16, 32, [5, 1], [9, 33])); // the preview
    if (r.bool()) { // the animation: its ticks, loops and timecodes
      r.u32(100, 1000, [10, 1], [30, 1]);
      r.u32(1, 1001, [8, 1], [10, 1]);
      r.u32(0, [3, 0], [16, 0], [32, 0]);
      r.bool();
    }
  }
  const bits = bitDepth(r);
  r.bool(); // modular_16bit_buffers
  const extra = r.u32(0, 1, [4, 2], [12, 1]);
  let alpha = false;
  let premultiplied = false;
  for (let i = 0; i < extra; i++) {
    step();
    let type = 0;
    let associated = false;
    if (!r.bool()) {
      type = enumValue(r);
      bitDepth(r);
      r.u32(0, 3, 4, [3, 1]); // dim_shift
      r.u(r.u32(0, [4, 0], [5, 16], [10, 48]) * 8); // the name
      if (type === 0) associated = r.bool();
      if (type === 2) r.u(64); // a spot colour's four F16 values
      if (type === 5) r.u32(1, [2, 0], [4, 3], [8, 19]);
    }
    if (i === 0 && type === 0) [alpha, premultiplied] = [true, associated];
  }
  r.bool(); // xyb_encoded
  let grey = false;
  let icc = false;
  if (!r.bool()) {
    icc = r.bool();
    grey = enumValue(r) === 1;
  }
  return { width, height, orientation: orientation <= 8 ? orientation : 1, bits, alpha, premultiplied, grey, icc };
}

/**
 * The decoder (libjxl) turns the image upright as it decodes, so the header's size is the upright
 * one and the pipeline has no orientation left to apply.
 */
export function sniffJxl(b: Uint8Array, walk: Walk): SourceInfo {
  const h = readHeader(b, () => walk.step());
  const turned = h.orientation >= 5;
  return {
    format: 'jxl',
    width: turned ? h.height : h.width,
    height: turned ? h.width : h.height,
    components: h.grey ? 1 : 3,
    hasAlpha: h.alpha,
    ...(h.premultiplied ? { premultiplied: true } : {}),
    // The decoder delivers 8 bits a channel, whatever the file holds.
    bitDepth: 8,
    hasIcc: false,
    hasXmp: false,
  };
}

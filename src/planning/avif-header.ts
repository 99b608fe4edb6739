import type { SourceInfo, Walk } from './sniff.ts';
import { corrupt, unsupported, viewOf } from './raster-header.ts';

/**
 * An AVIF's header without decoding (ISO/IEC 14496-12 boxes, HEIF's item properties): the file
 * type, then the meta box's primary item (pitm) and the properties associated with it (ipma into
 * ipco): its size (ispe), bits (pixi), whether it is monochrome (av1C), ICC profile (colr prof or
 * rICC) and rotation and mirror (irot, imir). Every box's length is checked against its parent's, and each box read is a step
 * of the walk. Alpha is an auxiliary image of the alpha kind (auxC) anywhere in the file.
 */
const ALPHA_URNS = ['urn:mpeg:mpegB:cicp:systems:auxiliary:alpha', 'urn:mpeg:hevc:2015:auxid:1'];
const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

export interface Box {
  type: string;
  /** The payload, after the header (and a full box's version and flags, where `full`). */
  start: number;
  end: number;
}

/** The boxes between `start` and `end`. */
function boxes(b: Uint8Array, start: number, end: number, step: () => void, F: string): Box[] {
  const view = viewOf(b);
  const out: Box[] = [];
  for (let at = start; at + 8 <= end; ) {
    step();
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) throw corrupt(F, 'box header is truncated');
      const large = view.getBigUint64(at + 8);
      size = large > BigInt(end - at) ? Infinity : Number(large);
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || size > end - at) throw corrupt(F, `${ascii(b, at + 4)} box runs past its container`);
    out.push({ type: ascii(b, at + 4), start: at + header, end: at + size });
    at += size;
  }
  return out;
}

export function isAvif(b: Uint8Array): boolean {
  if (b.length < 16 || ascii(b, 4) !== 'ftyp') return false;
  const end = Math.min(b.length, viewOf(b).getUint32(0));
  for (let at = 8; at + 4 <= end; at += 4) if (at !== 12 && (ascii(b, at) === 'avif' || ascii(b, at) === 'avis')) return true;
  return false;
}

interface AvifHeader {
  /** The primary item's properties, for what a HEIF reader looks at beyond them (planning/heif-header.ts). */
  properties: Box[];
  width: number;
  height: number;
  bits: number;
  grey: boolean;
  alpha: boolean;
  icc: boolean;
  orientation: number;
}

/** The primary item's header: AVIF's, or HEIF's (`F` names the format in messages). */
export function readHeader(b: Uint8Array, step: () => void, F = 'AVIF'): AvifHeader {
  const top = boxes(b, 0, b.length, step, F);
  const meta = top.find((x) => x.type === 'meta');
  if (!meta) throw unsupported(F, 'an image sequence without a primary image');
  const view = viewOf(b);
  const children = boxes(b, meta.start + 4, meta.end, step, F);
  const pitm = children.find((x) => x.type === 'pitm');
  const iprp = children.find((x) => x.type === 'iprp');
  if (!pitm || !iprp || pitm.end - pitm.start < 6) throw corrupt(F, 'file without its primary item or its properties');
  const primary = b[pitm.start] === 0 ? view.getUint16(pitm.start + 4) : view.getUint32(pitm.start + 4);
  const inner = boxes(b, iprp.start, iprp.end, step, F);
  const ipco = inner.find((x) => x.type === 'ipco');
  const ipma = inner.find((x) => x.type === 'ipma');
  if (!ipco || !ipma) throw corrupt(F, 'file without its item properties');
  const properties = boxes(b, ipco.start, ipco.end, step, F);
  const alpha = properties.some((p) => p.type === 'auxC' && ALPHA_URNS.includes(cString(b, p.start + 4, p.end)));
  const own = associated(b, ipma, primary, step, F).map((i) => properties[i - 1]).filter((p): p is Box => p !== undefined);
  const ispe = own.find((p) => p.type === 'ispe');
  if (!ispe || ispe.end - ispe.start < 12) throw corrupt(F, 'primary item without its size (ispe)');
  const width = view.getUint32(ispe.start + 4);
  const height = view.getUint32(ispe.start + 8);
  if (width === 0 || height === 0) throw corrupt(F, 'primary item of no size');
  const pixi = own.find((p) => p.type === 'pixi');
  const bits = pixi && pixi.end - pixi.start >= 6 && b[pixi.start + 4]! >= 1 ? b[pixi.start + 5]! : 8;
  if (bits !== 8 && bits !== 10 && bits !== 12) throw unsupported(F, `${bits} bits per channel`);
  const av1c = own.find((p) => p.type === 'av1C');
  const grey = !!av1c && av1c.end - av1c.start >= 4 && (b[av1c.start + 2]! & 0x10) !== 0;
  const icc = own.some((p) => p.type === 'colr' && p.end - p.start > 4 && ['prof', 'rICC'].includes(ascii(b, p.start)));
  const irot = own.find((p) => p.type === 'irot');
  const imir = own.find((p) => p.type === 'imir');
  const angle = irot && irot.end > irot.start ? b[irot.start]! & 3 : 0;
  const axis = imir && imir.end > imir.start ? b[imir.start]! & 1 : undefined;
  return { properties: own, width, height, bits, grey, alpha, icc, orientation: orientationOf(angle, axis) };
}

/** A zero-terminated string from `at`, within `end`. */
function cString(b: Uint8Array, at: number, end: number): string {
  const stop = b.indexOf(0, at);
  return String.fromCharCode(...b.subarray(at, stop < 0 || stop > end ? end : stop));
}

/** The 1-based ipco indices associated with `item` by ipma. */
function associated(b: Uint8Array, ipma: Box, item: number, step: () => void, F: string): number[] {
  const view = viewOf(b);
  const version = b[ipma.start]!;
  const wideIndex = (b[ipma.start + 3]! & 1) === 1;
  let at = ipma.start + 4;
  if (at + 4 > ipma.end) throw corrupt(F, 'ipma box is truncated');
  const entries = view.getUint32(at);
  at += 4;
  for (let e = 0; e < entries; e++) {
    step();
    const idSize = version < 1 ? 2 : 4;
    if (at + idSize + 1 > ipma.end) throw corrupt(F, 'ipma box is truncated');
    const id = idSize === 2 ? view.getUint16(at) : view.getUint32(at);
    const count = b[at + idSize]!;
    at += idSize + 1;
    const size = wideIndex ? 2 : 1;
    if (at + count * size > ipma.end) throw corrupt(F, 'ipma box is truncated');
    if (id === item) return Array.from({ length: count }, (_, i) => (wideIndex ? view.getUint16(at + i * 2) & 0x7fff : b[at + i]! & 0x7f));
    at += count * size;
  }
  return [];
}

/**
 * irot (anticlockwise quarter turns) then imir (0 top and bottom exchanged, 1 left and right) as
 * an EXIF orientation, as libavif maps one to the other.
 */
function orientationOf(angle: number, axis: number | undefined): number {
  if (axis === undefined) return [1, 8, 3, 6][angle]!;
  // Left-right after a turn is top-bottom after the opposite turn.
  return [4, 5, 2, 7][axis === 1 ? (angle + 2) % 4 : angle]!;
}

export function sniffAvif(b: Uint8Array, walk: Walk): SourceInfo {
  const h = readHeader(b, () => walk.step());
  return { format: 'avif', width: h.width, height: h.height, components: h.grey ? 1 : 3, hasAlpha: h.alpha, bitDepth: h.bits, hasIcc: h.icc, hasXmp: false };
}

export function avifOrientation(b: Uint8Array): number {
  return readHeader(b, () => {}).orientation;
}

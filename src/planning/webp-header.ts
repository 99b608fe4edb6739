import type { SourceInfo, Walk } from './sniff.ts';
import { corrupt, unsupported, viewOf } from './raster-header.ts';

/**
 * A WebP's header without decoding (Google's "WebP Container Specification"): the RIFF chunks, each
 * length checked against the file, a chunk a step of the walk; the size from the VP8 key frame,
 * the VP8L header or the VP8X canvas; alpha from VP8L's flag or VP8X's; an ICCP and an XMP chunk.
 * An animation's first frame is what the decoder (image/wasm-codecs.ts) gives; its size is the canvas.
 */
const F = 'WebP';
const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

export const isWebp = (b: Uint8Array) => b.length >= 12 && ascii(b, 0) === 'RIFF' && ascii(b, 8) === 'WEBP';

export interface RiffChunk {
  type: string;
  offset: number;
  length: number;
}

/** The chunks after 'WEBP', each whole within the RIFF's declared size and the file. */
export function webpChunks(b: Uint8Array, step: () => void = () => {}): RiffChunk[] {
  const view = viewOf(b);
  const end = 8 + view.getUint32(4, true);
  if (end > b.length) throw corrupt(F, 'file is truncated');
  const chunks: RiffChunk[] = [];
  for (let at = 12; at + 8 <= end; ) {
    step();
    const length = view.getUint32(at + 4, true);
    if (length > end - at - 8) throw corrupt(F, `${ascii(b, at)} chunk runs past the end of the file`);
    chunks.push({ type: ascii(b, at), offset: at + 8, length });
    at += 8 + length + (length & 1);
  }
  return chunks;
}

/** The size (and VP8L's alpha flag) of a VP8 or VP8L bitstream chunk. */
function bitstream(b: Uint8Array, c: RiffChunk): { width: number; height: number; alpha: boolean } {
  const view = viewOf(b);
  if (c.type === 'VP8 ') {
    if (c.length < 10 || b[c.offset + 3] !== 0x9d || b[c.offset + 4] !== 0x01 || b[c.offset + 5] !== 0x2a) throw corrupt(F, 'VP8 data without its key frame');
    return { width: view.getUint16(c.offset + 6, true) & 0x3fff, height: view.getUint16(c.offset + 8, true) & 0x3fff, alpha: false };
  }
  if (c.length < 5 || b[c.offset] !== 0x2f) throw corrupt(F, 'VP8L data without its signature');
  const bits = view.getUint32(c.offset + 1, true);
  if (bits >>> 29 !== 0) throw corrupt(F, `VP8L version ${bits >>> 29}`);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1 };
}

export function sniffWebp(b: Uint8Array, walk: Walk): SourceInfo {
  const chunks = webpChunks(b, () => walk.step());
  const first = chunks[0];
  if (!first) throw corrupt(F, 'file without an image');
  const has = (type: string) => chunks.some((c) => c.type === type);
  let size: { width: number; height: number; alpha: boolean };
  if (first.type === 'VP8X') {
    if (first.length < 10) throw corrupt(F, 'VP8X chunk is truncated');
    const flags = b[first.offset]!;
    const u24 = (at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    size = { width: u24(first.offset + 4) + 1, height: u24(first.offset + 7) + 1, alpha: (flags & 0x10) !== 0 };
    const image = chunks.find((c) => c.type === 'VP8 ' || c.type === 'VP8L');
    if (flags & 0x02) {
      if (!has('ANMF')) throw corrupt(F, 'animation without frames');
    } else {
      if (!image) throw corrupt(F, 'file without an image');
      const own = bitstream(b, image);
      if (own.width !== size.width || own.height !== size.height) throw corrupt(F, `image of ${own.width}x${own.height} on a ${size.width}x${size.height} canvas`);
    }
  } else if (first.type === 'VP8 ' || first.type === 'VP8L') size = bitstream(b, first);
  else throw unsupported(F, `a first chunk ${first.type}`);
  if (size.width === 0 || size.height === 0) throw corrupt(F, 'image of no size');
  return {
    format: 'webp',
    width: size.width,
    height: size.height,
    components: 3,
    hasAlpha: size.alpha,
    bitDepth: 8,
    hasIcc: first.type === 'VP8X' && has('ICCP'),
    hasXmp: first.type === 'VP8X' && has('XMP '),
  };
}

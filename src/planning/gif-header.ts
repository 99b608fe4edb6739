import { corrupt, viewOf, type RasterHeader, type Span, type Step } from './raster-header.ts';

/**
 * GIF, the first frame: the header walk reads the screen, the colour tables, the first frame's
 * descriptor and graphic control (its transparent index) and counts the frames, each block's
 * length checked against the file; the decode (pipeline/gif-decode.ts) expands the first frame's LZW codes into exactly
 * its width x height indices (never past them, whatever the codes say), undoes the interlace and
 * places it on the screen: the palette's transparent entry, and the screen outside the frame, are
 * transparent. A file whose first frame is cut short is damaged; frames after it are only counted.
 */
export interface GifHeader extends RasterHeader {
  frame: { left: number; top: number; width: number; height: number; interlaced: boolean };
  /** The first frame's colour table (its own, or the global one), three bytes an entry. */
  palette: Span;
  transparentIndex?: number;
  /** The first frame's LZW minimum code size, and its data's sub-blocks (lengths included). */
  codeSize: number;
  data: Span;
}

const F = 'GIF';

export const isGif = (b: Uint8Array) => b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61;

/** Past the sub-blocks starting at `at`: where the terminator's next byte is, or -1 if the file ends first. */
function skipBlocks(b: Uint8Array, at: number): number {
  while (at < b.length) {
    const n = b[at]!;
    if (n === 0) return at + 1;
    at += n + 1;
  }
  return -1;
}

export function gifHeader(b: Uint8Array, step: Step = () => {}): GifHeader {
  if (!isGif(b)) throw corrupt(F, 'file without its signature');
  if (b.length < 13) throw corrupt(F, 'header is truncated');
  const view = viewOf(b);
  let width = view.getUint16(6, true);
  let height = view.getUint16(8, true);
  const flags = b[10]!;
  let at = 13;
  let global: Span | undefined;
  if (flags & 0x80) {
    global = { offset: at, length: 3 << ((flags & 7) + 1) };
    at += global.length;
    if (at > b.length) throw corrupt(F, 'global colour table is truncated');
  }
  let first: Omit<GifHeader, keyof RasterHeader> | undefined;
  let transparent: number | undefined;
  let xmp: Span | undefined;
  let frames = 0;
  while (at < b.length && b[at] !== 0x3b) {
    step();
    const kind = b[at]!;
    if (kind === 0x21) {
      if (at + 2 > b.length) break;
      const label = b[at + 1]!;
      if (!first && label === 0xf9 && b[at + 2] === 4 && at + 7 <= b.length) transparent = b[at + 3]! & 1 ? b[at + 6] : undefined;
      const end = skipBlocks(b, at + 2);
      if (end < 0) break;
      if (label === 0xff && b[at + 2] === 11 && String.fromCharCode(...b.subarray(at + 3, at + 14)) === 'XMP DataXMP') xmp = xmpSpan(at + 14, end);
      at = end;
    } else if (kind === 0x2c) {
      if (at + 10 > b.length) break;
      const f = b[at + 9]!;
      const local = f & 0x80 ? { offset: at + 10, length: 3 << ((f & 7) + 1) } : undefined;
      const dataAt = at + 10 + (local?.length ?? 0);
      const end = dataAt < b.length ? skipBlocks(b, dataAt + 1) : -1;
      if (end < 0) break;
      if (!first) {
        const palette = local ?? global;
        if (!palette) throw corrupt(F, 'first frame has no colour table');
        const frame = { left: view.getUint16(at + 1, true), top: view.getUint16(at + 3, true), width: view.getUint16(at + 5, true), height: view.getUint16(at + 7, true), interlaced: (f & 0x40) !== 0 };
        if (frame.width === 0 || frame.height === 0) throw corrupt(F, 'first frame has no size');
        const codeSize = b[dataAt]!;
        if (codeSize < 2 || codeSize > 8) throw corrupt(F, `first frame with an LZW code size of ${codeSize}`);
        first = { frame, palette, codeSize, data: { offset: dataAt + 1, length: end - dataAt - 1 }, ...(transparent !== undefined ? { transparentIndex: transparent } : {}) };
      }
      frames++;
      at = end;
    } else {
      if (!first) throw corrupt(F, `block of unknown kind 0x${kind.toString(16)}`);
      break;
    }
  }
  if (!first) throw corrupt(F, 'file ends before its first frame is whole');
  // A screen of no size (some writers leave it so) is the first frame's.
  if (width === 0 || height === 0) [width, height] = [first.frame.left + first.frame.width, first.frame.top + first.frame.height];
  const f = first.frame;
  const covers = f.left === 0 && f.top === 0 && f.width >= width && f.height >= height;
  return {
    width,
    height,
    pixelType: 'indexed',
    bits: 8,
    alpha: first.transparentIndex !== undefined || !covers ? 'unassociated' : 'none',
    ...(xmp ? { xmp } : {}),
    orientation: 1,
    pages: frames,
    ...first,
  };
}

/** XMP's application extension: the packet as raw bytes, then a 258-byte "magic trailer" that makes them read as sub-blocks. */
function xmpSpan(start: number, end: number): Span | undefined {
  const length = end - start - 258;
  return length > 0 ? { offset: start, length } : undefined;
}

/**
 * The embedded profile and XMP of PSD, BMP, WebP, AVIF and HEIF sources, and a GIF's XMP,, found where their containers
 * keep them (raw bytes, never inflated). Only these lookups are done here: each file has been
 * accepted by its header reader in planning/ (its lengths checked against the file) before any of
 * this runs; a lookup that finds something out of bounds finds nothing.
 */

const ascii = (b: Uint8Array, at: number, n = 4) => String.fromCharCode(...b.subarray(at, at + n));
const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const slice = (b: Uint8Array, offset: number, length: number) => (length > 0 && offset + length <= b.length ? b.subarray(offset, offset + length) : undefined);

export const isPsdFile = (b: Uint8Array) => b.length >= 26 && ascii(b, 0) === '8BPS';
export const isBmpFile = (b: Uint8Array) => b.length >= 18 && b[0] === 0x42 && b[1] === 0x4d;
export const isWebpFile = (b: Uint8Array) => b.length >= 12 && ascii(b, 0) === 'RIFF' && ascii(b, 8) === 'WEBP';
export const isGifFile = (b: Uint8Array) => b.length >= 13 && ascii(b, 0, 3) === 'GIF';
/** An AVIF or a HEIF (HEIC): one container (ISO/IEC 23008-12), whose first box is ftyp; sources are recognised before this runs. */
export const isHeifContainer = (b: Uint8Array) => b.length >= 16 && ascii(b, 4) === 'ftyp';

/** A PSD image resource's data (1039 the ICC profile, 1060 the XMP). */
export function psdResource(b: Uint8Array, id: number): Uint8Array | undefined {
  const view = viewOf(b);
  let at = 26 + 4 + view.getUint32(26);
  if (at + 4 > b.length) return undefined;
  const end = Math.min(b.length, at + 4 + view.getUint32(at));
  at += 4;
  while (at + 12 <= end && ascii(b, at) === '8BIM') {
    const name = b[at + 6]!;
    const sizeAt = at + 6 + ((name + 2) & ~1);
    if (sizeAt + 4 > end) return undefined;
    const length = view.getUint32(sizeAt);
    if (view.getUint16(at + 4) === id) return slice(b, sizeAt + 4, length);
    at = sizeAt + 4 + length + (length & 1);
  }
  return undefined;
}

/** A BMP V5 header's embedded profile (CSType 'MBED'). */
export function bmpProfile(b: Uint8Array): Uint8Array | undefined {
  const view = viewOf(b);
  if (b.length < 138 || view.getUint32(14, true) !== 124 || view.getUint32(70, true) !== 0x4d424544) return undefined;
  return slice(b, 14 + view.getUint32(126, true), view.getUint32(130, true));
}

/** A WebP chunk's data (ICCP the profile, 'XMP ' the XMP). */
export function webpChunk(b: Uint8Array, type: string): Uint8Array | undefined {
  const view = viewOf(b);
  for (let at = 12; at + 8 <= b.length; ) {
    const length = view.getUint32(at + 4, true);
    if (ascii(b, at) === type) return slice(b, at + 8, length);
    at += 8 + length + (length & 1);
  }
  return undefined;
}

/** An AVIF's or HEIF's ICC profile: the first colr box of kind prof or rICC among meta/iprp/ipco's properties. */
export function heifProfile(b: Uint8Array): Uint8Array | undefined {
  const view = viewOf(b);
  const find = (start: number, end: number, type: string): [number, number] | undefined => {
    for (let at = start; at + 8 <= end; ) {
      const size = view.getUint32(at);
      if (size < 8 || size > end - at) return undefined;
      if (ascii(b, at + 4) === type) return [at + 8, at + size];
      at += size;
    }
    return undefined;
  };
  const meta = find(0, b.length, 'meta');
  const iprp = meta && find(meta[0] + 4, meta[1], 'iprp');
  const ipco = iprp && find(iprp[0], iprp[1], 'ipco');
  for (let at = ipco?.[0] ?? 0, end = ipco?.[1] ?? 0; at + 12 <= end; ) {
    const size = view.getUint32(at);
    if (size < 8 || size > end - at) return undefined;
    if (ascii(b, at + 4) === 'colr' && ['prof', 'rICC'].includes(ascii(b, at + 8))) return slice(b, at + 12, size - 12);
    at += size;
  }
  return undefined;
}

/** Past the sub-blocks from `at`: the byte after their terminator, or -1 when the file ends first. */
function skipBlocks(b: Uint8Array, at: number): number {
  for (; at < b.length; at += b[at]! + 1) if (b[at] === 0) return at + 1;
  return -1;
}

/**
 * A GIF's XMP application extension ("XMP DataXMP"): the packet's raw bytes, less the 258-byte
 * trailer that makes them read as sub-blocks.
 */
export function gifXmp(b: Uint8Array): Uint8Array | undefined {
  let at = 13 + (b[10]! & 0x80 ? 3 << ((b[10]! & 7) + 1) : 0);
  while (at + 2 < b.length && b[at] !== 0x3b) {
    if (b[at] === 0x21) {
      const end = skipBlocks(b, at + 2);
      if (end < 0) return undefined;
      if (b[at + 1] === 0xff && b[at + 2] === 11 && ascii(b, at + 3, 11) === 'XMP DataXMP') return slice(b, at + 14, end - at - 14 - 258);
      at = end;
    } else if (b[at] === 0x2c && at + 10 < b.length) {
      const local = b[at + 9]! & 0x80 ? 3 << ((b[at + 9]! & 7) + 1) : 0;
      at = skipBlocks(b, at + 11 + local);
      if (at < 0) return undefined;
    } else return undefined;
  }
  return undefined;
}

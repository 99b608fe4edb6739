import { lumaAt, type Pixels } from './pixels.ts';

/**
 * A JP2 file around a JPEG 2000 codestream: signature, file type, header (image size, colour
 * space, and which channel is opacity), then the codestream (ISO/IEC 15444-1 Annex I).
 */
function box(type: string, ...payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

export function jp2Container(codestream: Uint8Array, width: number, height: number, components: number): Uint8Array {
  const ihdr = Buffer.alloc(14);
  ihdr.writeUInt32BE(height, 0);
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt16BE(components, 8);
  ihdr[10] = 7; // 8 bits, unsigned
  ihdr[11] = 7; // JPEG 2000 compression
  const gray = components <= 2;
  const colr = Buffer.from([1, 0, 0, 0, 0, 0, gray ? 17 : 16]); // enumerated: 16 sRGB, 17 greyscale
  const header = [box('ihdr', ihdr), box('colr', colr)];
  if (components === 2 || components === 4) {
    // The last channel is opacity for the whole image; the others are the colours in order.
    const cdef = Buffer.alloc(2 + components * 6);
    cdef.writeUInt16BE(components, 0);
    for (let c = 0; c < components; c++) {
      const alpha = c === components - 1;
      cdef.writeUInt16BE(c, 2 + c * 6);
      cdef.writeUInt16BE(alpha ? 1 : 0, 4 + c * 6);
      cdef.writeUInt16BE(alpha ? 0 : c + 1, 6 + c * 6);
    }
    header.push(box('cdef', cdef));
  }
  return Buffer.concat([
    Buffer.from([0, 0, 0, 12, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]),
    box('ftyp', Buffer.from('jp2 \0\0\0\0jp2 ', 'latin1')),
    box('jp2h', ...header),
    box('jp2c', codestream),
  ]);
}

/**
 * qlt= to OpenJPEG's compression ratio for a lossy JP2 of `rawBytes` samples: libjpeg's quality
 * scaling (the factor its quantisation tables are multiplied by: 50/q below 50, 2 - q/50 above)
 * times 50, plus 1. On a photo at 300 pixels this gave the PSNR of a JPEG of the same qlt within
 * about 1 dB (qlt=80: 35 dB at ratio 21, a fifth of the lossless file; docs/compatibility.md). The
 * codestream's own headers (about 200 bytes) are added to the target, or a small view's budget
 * would hold nothing but them and decode flat grey.
 */
const HEADER_ALLOWANCE = 256;

export function jpeg2000Ratio(quality: number, rawBytes: number): number {
  const q = Math.min(100, Math.max(1, quality));
  const ratio = 1 + 50 * (q < 50 ? 50 / q : 2 - q / 50);
  return Math.max(1, rawBytes / (rawBytes / ratio + HEADER_ALLOWANCE));
}

/** RGBA to the interleaved samples the encoder takes: RGB(A) or grey(+alpha). */
export function interleave(image: Pixels, target: Uint8Array, gray: boolean, alpha: boolean): void {
  const d = image.data;
  const n = image.width * image.height;
  const stride = (gray ? 1 : 3) + (alpha ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    if (gray) target[o] = lumaAt(d, i * 4);
    else target.set(d.subarray(i * 4, i * 4 + 3), o);
    if (alpha) target[o + stride - 1] = d[i * 4 + 3]!;
  }
}

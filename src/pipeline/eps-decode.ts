import { epsHeader, type EpsHeader } from '../planning/eps-header.ts';
import { corrupt } from '../planning/raster-header.ts';
import { sniffJpeg, Walk } from '../planning/sniff.ts';
import { decodeJpeg } from '../image/wasm-codecs.ts';
import type { DecodedRaster } from './decoded-raster.ts';

/**
 * A Photoshop EPS's image (planning/eps-header.ts): its samples out of ASCII hex, ASCII85 or
 * binary, interleaved by pixel or by line, the pad channels skipped; or its JPEG, whose size must
 * be the one %ImageData promised. Grey and RGB come out as RGBA8, CMYK as four inks (PostScript's
 * samples are ink amounts already).
 */
export async function decodeEps(bytes: Uint8Array): Promise<DecodedRaster> {
  const h = epsHeader(bytes);
  if (h.encoding === 'jpeg' || h.encoding === 'ascii85-jpeg') return jpeg(h, h.encoding === 'jpeg' ? bytes.subarray(skipSpace(bytes, h.dataStart), h.end) : ascii85(bytes, h, Infinity));
  const per = h.channels + h.pad;
  const need = h.width * h.height * per;
  const raw = h.encoding === 'binary' ? bytes.subarray(h.dataStart, h.dataStart + need) : h.encoding === 'hex' ? hex(bytes, h, need) : ascii85(bytes, h, need);
  if (raw.length < need) throw corrupt('EPS', 'image data ends early');
  const pixels = h.width * h.height;
  const data = new Uint8ClampedArray(pixels * 4);
  const at = (i: number, c: number) => {
    const x = i % h.width;
    const row = (i - x) * per;
    return h.lineInterleaved ? row + c * h.width + x : row + x * per + c;
  };
  for (let i = 0; i < pixels; i++) {
    if (h.pixelType === 'gray') data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = raw[at(i, 0)]!;
    else for (let c = 0; c < h.channels; c++) data[i * 4 + c] = raw[at(i, c)]!;
    if (h.pixelType !== 'cmyk') data[i * 4 + 3] = 255;
  }
  return { data, width: h.width, height: h.height, ...(h.pixelType === 'cmyk' ? { cmyk: true } : {}) };
}

async function jpeg(h: EpsHeader, file: Uint8Array): Promise<DecodedRaster> {
  const info = sniffJpeg(file, new Walk(undefined));
  if (info.width !== h.width || info.height !== h.height) throw corrupt('EPS', `JPEG of ${info.width}x${info.height} where %ImageData says ${h.width}x${h.height}`);
  const copy = file.slice().buffer;
  const pixels = await decodeJpeg(copy, 1, true, h.pixelType === 'cmyk');
  return { ...pixels, ...(h.pixelType === 'cmyk' ? { cmyk: true } : {}) };
}

function skipSpace(b: Uint8Array, at: number): number {
  while (at < b.length && (b[at] === 0x20 || b[at] === 0x0a || b[at] === 0x0d || b[at] === 0x09)) at++;
  return at;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

/** Up to `need` bytes of ASCII hex, white space between digits skipped. */
function hex(b: Uint8Array, h: EpsHeader, need: number): Uint8Array {
  const out = new Uint8Array(need);
  let n = 0;
  let high = -1;
  for (let i = h.dataStart; i < h.end && n < need; i++) {
    const v = HEX[b[i]!]!;
    if (v < 0) {
      if (b[i]! > 0x20) throw corrupt('EPS', 'ASCII hex data holds a character that is not a digit');
      continue;
    }
    if (high < 0) high = v;
    else {
      out[n++] = (high << 4) | v;
      high = -1;
    }
  }
  return out.subarray(0, n);
}

/** Up to `need` bytes of ASCII85 (to its end, "~>", with Infinity); white space skipped. */
function ascii85(b: Uint8Array, h: EpsHeader, need: number): Uint8Array {
  const out: number[] = [];
  const group: number[] = [];
  for (let i = h.dataStart; i < h.end && out.length < need; i++) {
    const c = b[i]!;
    if (c <= 0x20) continue;
    if (c === 0x7e) break; // ~>
    if (c === 0x7a && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    if (c < 0x21 || c > 0x75) throw corrupt('EPS', 'ASCII85 data holds a character outside its alphabet');
    group.push(c - 0x21);
    if (group.length === 5) {
      push(out, group, 4);
      group.length = 0;
    }
  }
  if (group.length === 1) throw corrupt('EPS', 'ASCII85 data ends in a lone character');
  if (group.length > 1) {
    const kept = group.length - 1;
    while (group.length < 5) group.push(84);
    push(out, group, kept);
  }
  return Uint8Array.from(out.length > need ? out.slice(0, need) : out);
}

function push(out: number[], group: number[], count: number) {
  const v = group.reduce((s, d) => s * 85 + d, 0);
  if (v > 0xffffffff) throw corrupt('EPS', 'ASCII85 group is out of range');
  for (let k = 0; k < count; k++) out.push((v >>> (24 - 8 * k)) & 255);
}

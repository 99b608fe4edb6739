import { decodeWebp } from '../image/wasm-codecs.ts';
import type { Pixels } from '../image/pixels.ts';
import { webpChunks, type RiffChunk } from '../planning/webp-header.ts';
import { corrupt } from '../planning/raster-header.ts';

/**
 * A WebP: a still one as it is; an animation's first frame, which libwebp's simple decoder does not
 * give, cut out of its ANMF chunk as a still file of its own, decoded, and placed on the canvas at
 * its offset; the canvas outside it is transparent (as a GIF's screen outside its first frame).
 */
export async function decodeWebpSource(bytes: Uint8Array): Promise<Pixels> {
  const chunks = webpChunks(bytes);
  const first = chunks[0]!;
  if (first.type !== 'VP8X' || (bytes[first.offset]! & 0x02) === 0) return decodeWebp(bytes);
  const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
  const width = u24(first.offset + 4) + 1;
  const height = u24(first.offset + 7) + 1;
  const frame = chunks.find((c) => c.type === 'ANMF');
  if (!frame || frame.length < 16) throw corrupt('WebP', 'animation without its first frame');
  const x = u24(frame.offset) * 2;
  const y = u24(frame.offset + 3) * 2;
  const image = await decodeWebp(stillOf(bytes, frame, u24(frame.offset + 6) + 1, u24(frame.offset + 9) + 1));
  if (x + image.width > width || y + image.height > height) throw corrupt('WebP', 'first frame lies outside its canvas');
  const data = new Uint8ClampedArray(width * height * 4);
  for (let r = 0; r < image.height; r++) data.set(image.data.subarray(r * image.width * 4, (r + 1) * image.width * 4), ((y + r) * width + x) * 4);
  return { data, width, height };
}

/** The frame's ALPH and VP8/VP8L chunks as a file: behind a VP8X that says so where it has alpha. */
function stillOf(bytes: Uint8Array, frame: RiffChunk, width: number, height: number): Uint8Array {
  const inner = bytes.subarray(frame.offset + 16, frame.offset + frame.length);
  const alpha = String.fromCharCode(...inner.subarray(0, 4)) === 'ALPH';
  const vp8x = new Uint8Array(alpha ? 18 : 0);
  if (alpha) {
    vp8x.set([0x56, 0x50, 0x38, 0x58, 10, 0, 0, 0, 0x10]);
    const w = width - 1;
    const h = height - 1;
    vp8x.set([w & 0xff, (w >> 8) & 0xff, w >> 16, h & 0xff, (h >> 8) & 0xff, h >> 16], 12);
  }
  const out = new Uint8Array(12 + vp8x.length + inner.length);
  const view = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0);
  view.setUint32(4, out.length - 8, true);
  out.set([0x57, 0x45, 0x42, 0x50], 8);
  out.set(vp8x, 12);
  out.set(inner, 12 + vp8x.length);
  return out;
}

import { deflateSync } from 'node:zlib';
import { pngChunk } from './metadata.ts';
import { Arena, pngFilterKernelInstance } from './kernels.ts';
import type { Pixels } from './pixels.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * PNG, truecolour (RGB, or RGBA when alpha is kept): rows filtered on our kernel
 * (wasm/pngfilter.ts), deflated by node:zlib at `level` (0 stored .. 9 smallest; the png-level setting;
 * zlib's own default without it).
 */
export function encodePng(image: Pixels, options: { alpha: boolean; level?: number } = { alpha: true }): ArrayBuffer {
  const k = pngFilterKernelInstance();
  // Pixels our PNG decoder left in this kernel's memory: taken out before the memory is reused.
  const pixels = image.data.buffer === k.memory.buffer ? image.data.slice() : image.data;
  const arena = new Arena(k.memory, k.heapBase.value as number);
  const { width, height } = image;
  const channels = options.alpha ? 4 : 3;
  const stride = width * channels;
  const src = arena.take(width * height * 4);
  arena.bytes(src, width * height * 4).set(pixels);
  const raw = arena.take(stride * height + 16); // packing writes a few bytes past the end
  const scratch = arena.take(stride * 5);
  const filtered = arena.take((stride + 1) * height);
  k.pack(src, width * height, channels, raw);
  k.filterRows(raw, stride, height, channels, scratch, filtered);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = options.alpha ? 6 : 2; // RGBA or RGB
  const png = Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(arena.bytes(filtered, (stride + 1) * height), { level: options.level })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  return png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer;
}

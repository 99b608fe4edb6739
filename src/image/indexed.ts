import { deflateSync } from '../common/zlib.ts';
import gifenc from 'gifenc';
import { keepsAlpha } from '../protocol/formats.ts';
import type { OutputSpec } from '../protocol/request.ts';
import { Arena, colorKernelInstance } from './kernels.ts';
import { medianCut, nearestTable, webPalette, type Rgb } from './palette.ts';
import { pngChunk } from './metadata.ts';
import type { Pixels } from './pixels.ts';

const { GIFEncoder } = gifenc as unknown as { GIFEncoder: () => GifWriter };
interface GifWriter {
  writeFrame(index: Uint8Array, width: number, height: number, options: { palette: number[][]; transparent?: boolean; transparentIndex?: number }): void;
  finish(): void;
  bytes(): Uint8Array;
}

/**
 * png8, png8-alpha, gif and gif-alpha: a palette (quantize=: median cut, the web palette, or the
 * listed colours), pixels mapped to it on the colour kernel (with Floyd-Steinberg dithering
 * unless `off`), then a palette PNG written here or a GIF written by gifenc. The -alpha formats
 * give transparency to pixels below half opacity through palette entry 0.
 */
export function encodeIndexed(image: Pixels, output: OutputSpec): ArrayBuffer {
  const quantize = output.quantize;
  const { width, height, data } = image;
  let transparent = false;
  if (keepsAlpha(output.format)) for (let i = 3; i < data.length && !transparent; i += 4) transparent = data[i]! < 128;

  const k = colorKernelInstance();
  const arena = new Arena(k.memory, k.heapBase.value as number);
  const pixels = arena.take(data.length);
  arena.bytes(pixels, data.length).set(data);
  const slots = quantize.colors - (transparent ? 1 : 0);
  let palette: Rgb[];
  if (quantize.colorList) palette = quantize.colorList.slice(0, slots);
  else if (quantize.type === 'web') palette = webPalette().slice(0, slots);
  else {
    const hist = arena.take(32768 * 4);
    k.histogram5(pixels, width * height, hist, transparent ? 128 : 0);
    palette = medianCut(new Uint32Array(k.memory.buffer, hist, 32768).slice(), slots);
  }
  const entries: Rgb[] = transparent ? [[0, 0, 0], ...palette] : palette;
  const lut = arena.take(32768);
  arena.bytes(lut, 32768).set(nearestTable(palette, transparent ? 1 : 0));
  const paletteBytes = arena.take(entries.length * 3);
  arena.bytes(paletteBytes, entries.length * 3).set(entries.flat());
  const indices = arena.take(width * height);
  const errors = arena.take((width + 2) * 3 * 2 * 4);
  k.mapToPalette(pixels, width, height, lut, paletteBytes, indices, quantize.dither, transparent ? 0 : -1, errors);
  const index = arena.bytes(indices, width * height).slice();

  if (output.format.startsWith('gif')) {
    const gif = GIFEncoder();
    gif.writeFrame(index, width, height, { palette: entries, transparent, transparentIndex: 0 });
    gif.finish();
    return gif.bytes().slice().buffer as ArrayBuffer;
  }
  return writePng8(index, width, height, entries, transparent);
}

function writePng8(index: Uint8Array, width: number, height: number, palette: Rgb[], transparent: boolean): ArrayBuffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 3; // palette colour
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) rows.set(index.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('PLTE', Buffer.from(palette.flat())),
    ...(transparent ? [pngChunk('tRNS', Buffer.from([0]))] : []),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  return png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer;
}

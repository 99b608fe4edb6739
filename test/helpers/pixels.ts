import { codecs } from '../../tools/codecs.ts';
import decodeJpegReference from '@jsquash/jpeg/decode.js';
import type { Pixels } from '../../src/image/pixels.ts';
import { exactBuffer } from '../../src/image/bytes.ts';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import decodeWebpWasm, { init as initWebpDecoder } from '@jsquash/webp/decode.js';
import { decode as decodePngWasm, init as initPngDecoder } from '@jsquash/png/decode.js';

// Shared with bench/, which makes its sources the same way.
export { codecs, encodeImage } from '../../tools/codecs.ts';

export async function decodeImage(bytes: Uint8Array): Promise<Pixels> {
  await codecs();
  // MozJPEG (initialised by codecs()) and @jsquash/png: references, not the server's own decoders.
  return bytes[0] === 0xff ? decodeJpegReference(exactBuffer(bytes), { preserveOrientation: false }) : decodePngReference(bytes);
}

let pngReady: Promise<unknown> | undefined;
const pngDecoder = () => (pngReady ??= initPngDecoder(new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve('@jsquash/png/codec/pkg/squoosh_png_bg.wasm')))));

/** The tests read PNG replies with @jsquash/png's decoder: not the server's own, so they check it. */
export async function decodePngReference(bytes: Uint8Array): Promise<Pixels> {
  await pngDecoder();
  return decodePngWasm(exactBuffer(bytes));
}

/** The same decoder's 16-bit output (RGBA16), the reference for our decoder's `wide` colours. */
export async function decodePng16Reference(bytes: Uint8Array): Promise<{ data: Uint16Array; width: number; height: number }> {
  await pngDecoder();
  return decodePngWasm(exactBuffer(bytes), { bitDepth: 16 });
}

let webpReady: Promise<unknown> | undefined;
/** WebP is an output format only; the tests decode it with @jsquash/webp's decoder. */
export async function decodeWebp(bytes: Uint8Array): Promise<Pixels> {
  webpReady ??= (initWebpDecoder as (m: WebAssembly.Module) => Promise<unknown>)(
    new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve('@jsquash/webp/codec/dec/webp_dec.wasm'))),
  );
  await webpReady;
  return decodeWebpWasm(exactBuffer(bytes));
}

export function pixelAt(image: Pixels, x: number, y: number): [number, number, number, number] {
  const i = (y * image.width + x) * 4;
  const d = image.data;
  return [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!];
}

/** Fills a new image from a function of the pixel position. */
export function synth(width: number, height: number, f: (x: number, y: number) => [number, number, number, number]): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 4);
  return { data, width, height };
}

/** The largest channel difference between `part` and the window of `whole` at (x0, y0). */
export function worstDifference(whole: Pixels, part: Pixels, x0: number, y0: number): { levels: number; at: string } {
  let levels = 0;
  let at = '';
  for (let y = 0; y < part.height; y++) {
    for (let x = 0; x < part.width; x++) {
      for (let c = 0; c < 4; c++) {
        const d = Math.abs(part.data[(y * part.width + x) * 4 + c]! - whole.data[((y0 + y) * whole.width + x0 + x) * 4 + c]!);
        if (d > levels) [levels, at] = [d, `${x0 + x},${y0 + y} channel ${c}`];
      }
    }
  }
  return { levels, at };
}

/** Mean absolute difference over the RGB channels of two same-sized images. */
export function meanDiff(a: Pixels, b: Pixels): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    sum += Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[i + 1]! - b.data[i + 1]!) + Math.abs(a.data[i + 2]! - b.data[i + 2]!);
  }
  return sum / ((a.data.length / 4) * 3);
}

export const near = (a: readonly number[], b: readonly number[], tolerance: number) =>
  a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

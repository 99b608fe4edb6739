import { readFileSync } from 'node:fs';
import encodeJpegDefaults from '@jsquash/jpeg/encode.js';
import decodeMozjpeg from '@jsquash/jpeg/decode.js';
import { decode as decodePngJsquash, init as initPngDecoder } from '@jsquash/png/decode.js';
import { fileURLToPath } from 'node:url';
import { decodePng } from '../src/image/png-decode.ts';
import { decodeJpegScaled } from '../src/image/jpeg.ts';
import { boxAverage, compare } from '../tools/reference.ts';
import type { Pixels } from '../src/image/pixels.ts';
import { STANDARD_PHOTO, standardPhoto } from './encode.ts';
import { median, timeRounds } from './stats.ts';

export interface DecodeRow {
  decoder: string;
  width: number;
  height: number;
  medianMs: number;
  psnr?: number;
}

/**
 * Decoding the standard photo: MozJPEG in full (what @jsquash/jpeg offers) against our kernel in
 * full (libjpeg's fancy upsampling) and at 1/2, 1/4 and 1/8, each checked against MozJPEG's full
 * decode (averaged over the same cells); then the same photo re-encoded progressive (MozJPEG's
 * defaults, q80), as most web photos come.
 */
const mozjpeg = (bytes: ArrayBuffer): Promise<Pixels> => decodeMozjpeg(bytes, { preserveOrientation: false });
export async function benchDecode(rounds: number): Promise<DecodeRow[]> {
  await standardPhoto(); // initialises the codecs
  const file = readFileSync(STANDARD_PHOTO);
  const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const full = await mozjpeg(bytes);
  const rows: DecodeRow[] = [];
  const ms = median(await timeRounds(() => mozjpeg(bytes), rounds));
  rows.push({ decoder: 'MozJPEG (@jsquash/jpeg), full size', width: full.width, height: full.height, medianMs: +ms.toFixed(1) });
  const own = decodeJpegScaled(bytes, 1)!;
  const same = compare(own, full);
  const t1 = median(await timeRounds(async () => decodeJpegScaled(bytes, 1), rounds));
  rows.push({ decoder: 'Isle kernel, full size (fancy upsampling)', width: own.width, height: own.height, medianMs: +t1.toFixed(1), psnr: +same.psnr.toFixed(1) });
  for (const factor of [2, 4, 8] as const) {
    // The pixels are a view that the next decode overwrites: compare before timing.
    const image = decodeJpegScaled(bytes, factor)!;
    const { psnr } = compare(image, boxAverage(full, factor));
    const t = median(await timeRounds(async () => decodeJpegScaled(bytes, factor), rounds));
    rows.push({ decoder: `Isle kernel, DCT-domain 1/${factor}`, width: image.width, height: image.height, medianMs: +t.toFixed(1), psnr: +psnr.toFixed(1) });
  }
  const progressive = await encodeJpegDefaults(full as ImageData, { quality: 80 });
  const progressiveFull = await mozjpeg(progressive);
  const ms2 = median(await timeRounds(() => mozjpeg(progressive), rounds));
  rows.push({ decoder: 'MozJPEG, progressive, full size', width: full.width, height: full.height, medianMs: +ms2.toFixed(1) });
  const image = decodeJpegScaled(progressive, 2)!;
  const { psnr } = compare(image, boxAverage(progressiveFull, 2));
  const t = median(await timeRounds(async () => decodeJpegScaled(progressive, 2), rounds));
  rows.push({ decoder: 'Isle kernel, progressive, DCT-domain 1/2', width: image.width, height: image.height, medianMs: +t.toFixed(1), psnr: +psnr.toFixed(1) });
  return rows;
}

/** Decoding the corpus's PNGs: our decoder (src/image/png-decode.ts) against @jsquash/png's, which it replaced. */
export async function benchPngDecode(rounds: number): Promise<{ file: string; size: string; oursMs: number; jsquashMs: number }[]> {
  await standardPhoto(); // initialises our kernels
  await initPngDecoder(new WebAssembly.Module(readFileSync(fileURLToPath(import.meta.resolve('@jsquash/png/codec/pkg/squoosh_png_bg.wasm')))));
  const rows = [];
  for (const file of ['50020484-00001.png', 'alpha-premultiply-1024x768-paper.png', 'gradients-rgb8.png']) {
    const bytes = readFileSync(new URL(file, STANDARD_PHOTO));
    const exact = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const ours = decodePng(bytes);
    const oursMs = median(await timeRounds(async () => decodePng(bytes), rounds));
    const jsquashMs = median(await timeRounds(() => decodePngJsquash(exact), rounds));
    rows.push({ file, size: `${ours.width}x${ours.height}`, oursMs: +oursMs.toFixed(1), jsquashMs: +jsquashMs.toFixed(1) });
  }
  return rows;
}

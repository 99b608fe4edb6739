import { readFileSync } from 'node:fs';
import encodeJpegDefaults from '@jsquash/jpeg/encode.js';
import decodeMozjpeg from '@jsquash/jpeg/decode.js';
import { decodeJpegScaled } from '../src/image/jpeg.ts';
import { boxAverage, compare } from './reference.ts';
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

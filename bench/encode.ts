import { readFileSync } from 'node:fs';
import { decodeJpeg, encodeJpeg, encodePng, initCodecs } from '../src/worker/codecs.ts';
import { compileModules } from '../src/worker/modules.ts';
import { resize } from '../src/render/steps/resize.ts';
import type { Pixels } from '../src/render/steps/pixels.ts';
import { median, timeRounds } from './stats.ts';

export const STANDARD_PHOTO = new URL('../../shared/corpus/photos/2569067123_aca715a2ee_o.jpg', import.meta.url);

export interface EncodeRow {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  megapixels: number;
  medianMs: number;
  mpPerSecond: number;
  bytes: number;
}

/**
 * Encode throughput of the worker's own codec functions at a few sizes, from the standard photo
 * resized to each size.
 */
export async function benchEncode(sizes: [number, number][], rounds: number): Promise<EncodeRow[]> {
  await initCodecs(compileModules());
  const bytes = readFileSync(STANDARD_PHOTO);
  const photo = await decodeJpeg(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const rows: EncodeRow[] = [];
  for (const [width, height] of sizes) {
    const image: Pixels = resize(photo, width, height);
    const mp = (width * height) / 1e6;
    for (const format of ['jpeg', 'png'] as const) {
      let out = 0;
      const encode = async () => {
        const b = format === 'jpeg' ? await encodeJpeg(image, { quality: 80, fullChroma: false, gray: false }) : await encodePng(image);
        out = b.byteLength;
      };
      const ms = median(await timeRounds(encode, rounds));
      rows.push({ format, width, height, megapixels: +mp.toFixed(3), medianMs: +ms.toFixed(1), mpPerSecond: +(mp / (ms / 1000)).toFixed(2), bytes: out });
    }
  }
  return rows;
}

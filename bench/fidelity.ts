import decodeMozjpeg from '@jsquash/jpeg/decode.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '../src/image/png-decode.ts';
import type { Pixels } from '../src/image/pixels.ts';
import { PHOTOS } from '../tools/corpus.ts';
import { compare, referenceResize } from '../tools/reference.ts';
import { standardPhoto } from './encode.ts';

/**
 * How close a JPEG job's output is to the resize it asks for, so that speed is not bought with
 * quality: each reply decoded by MozJPEG (neither contender's own decoder) and compared with a
 * float64 Lanczos3 of the source decoded in full (tools/reference.ts), the same reference for Isle
 * and sharp. The output's own JPEG loss is in the figure, as a viewer sees it.
 */
const references = new Map<string, Pixels>();

async function decoded(bytes: Uint8Array): Promise<Pixels> {
  await standardPhoto(); // initialises the codecs MozJPEG's decoder needs
  const exact = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return decodeMozjpeg(exact, { preserveOrientation: false });
}

async function reference(source: string, width: number, height: number): Promise<Pixels> {
  const key = `${source} ${width}x${height}`;
  let image = references.get(key);
  if (!image) {
    const file = readFileSync(join(PHOTOS, source));
    const full = source.endsWith('.png') ? decodePng(file) : await decoded(file);
    image = referenceResize(full, width, height);
    references.set(key, image);
  }
  return image;
}

/** PSNR in dB (one decimal) of a JPEG reply against the float reference of its job's resize. */
export async function jpegPsnr(source: string, width: number, height: number, reply: Uint8Array): Promise<number | undefined> {
  const image = await decoded(reply);
  if (image.width !== width || image.height !== height) return undefined;
  return +compare(image, await reference(source, width, height)).psnr.toFixed(1);
}

import { PHOTOS } from '../tools/corpus.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import encodeJpegDefaults from '@jsquash/jpeg/encode.js';
import encodePngJsquash, { init as initPngEncoder } from '@jsquash/png/encode.js';
import encodeAvifWasm, { init as initAvifEncoder } from '@jsquash/avif/encode.js';
import encodeWebpShipped, { init as initWebpShipped } from '@jsquash/webp/encode.js';
import decodeAvif, { init as initAvifDecoder } from '@jsquash/avif/decode.js';
import { createRequire } from 'node:module';
import { AVIF_SPEED, AVIF_SUBSAMPLE, decodeJpeg, encodeJpeg, encodePng, encodeWebp, initCodecs } from '../src/image/wasm-codecs.ts';
import { compare } from '../tools/reference.ts';
import { haloChroma, haloScene } from '../tools/chroma-halo.ts';
import { compileModules, type WasmModules } from '../src/image/modules.ts';
import { resize } from '../src/pipeline/steps/resize.ts';
import type { Pixels } from '../src/image/pixels.ts';
import { median, timeRounds } from './stats.ts';

export const STANDARD_PHOTO = pathToFileURL(join(PHOTOS, '2569067123_aca715a2ee_o.jpg'));

/** The standard photo, decoded by the worker's own codec code (initialising the codecs once). */
let photo: Promise<Pixels> | undefined;
let modules: WasmModules | undefined;
export function standardPhoto(): Promise<Pixels> {
  photo ??= (async () => {
    modules = compileModules();
    await initCodecs(modules);
    const bytes = readFileSync(STANDARD_PHOTO);
    // A copy: our decoder's pixels are a view into its memory, which the next decode reuses.
    const image = await decodeJpeg(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    return { ...image, data: image.data.slice() };
  })();
  return photo;
}

export interface JpegComparison {
  settings: string;
  medianMs: number;
  mpPerSecond: number;
  bytes: number;
  psnr: number;
}

/**
 * JPEG q80 at 2000x1500: Isle's encoder (wasm/jpegenc.ts) against @jsquash/jpeg's defaults
 * (progressive, trellis) and against MozJPEG baseline with trellis (what Isle used before its own
 * encoder), with size and PSNR against the pixels encoded.
 */
export async function compareJpeg(rounds: number): Promise<JpegComparison[]> {
  const image = resize(await standardPhoto(), 2000, 1500);
  const rows: JpegComparison[] = [];
  const run = async (settings: string, encode: () => Promise<ArrayBuffer>) => {
    let out = await encode();
    const ms = median(await timeRounds(async () => (out = await encode()), rounds));
    const { psnr } = compare(await decodeJpeg(out), image);
    rows.push({ settings, medianMs: +ms.toFixed(1), mpPerSecond: +(3 / (ms / 1000)).toFixed(2), bytes: out.byteLength, psnr: +psnr.toFixed(2) });
  };
  await run("Isle kernel (baseline, libjpeg's tables, optimised Huffman)", () => encodeJpeg(image, { quality: 80, fullChroma: false, gray: false }));
  await run('@jsquash/jpeg defaults', () => encodeJpegDefaults(image as ImageData, { quality: 80 }));
  await run('MozJPEG baseline + trellis', () =>
    encodeJpegDefaults(image as ImageData, { quality: 80, progressive: false, optimize_coding: true, auto_subsample: false, chroma_subsample: 2 }),
  );
  return rows;
}

export interface AvifComparison extends JpegComparison {
  /** CIELAB chroma of the grey 2-6 pixels from saturated squares after the round trip at qlt=40 (tools/chroma-halo.ts). */
  haloMean: number;
  haloP99: number;
}

/**
 * AVIF q50 of the standard photo at 640 wide (the avif640 job): libavif at speed 8 (what sharp's
 * effort 1 asks for) and at Isle's speed, 4:2:0 (sharp YUV or not) and 4:4:4, with size and PSNR
 * against the pixels encoded, and the chroma halo at qlt=40 beside saturated edges: the
 * measurement Isle's settings come from.
 */
export async function compareAvif(rounds: number): Promise<AvifComparison[]> {
  const image = resize(await standardPhoto(), 640, 523);
  const scene = haloScene();
  const wasm = (file: string) => new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve(file)));
  await (initAvifDecoder as (module: WebAssembly.Module) => Promise<unknown>)(wasm('@jsquash/avif/codec/dec/avif_dec.wasm'));
  // @jsquash's own encode(), which takes every setting; Isle's encodeAvif() fixes speed and subsampling.
  await (initAvifEncoder as (module: WebAssembly.Module) => Promise<unknown>)(wasm('@jsquash/avif/codec/enc/avif_enc.wasm'));
  const rows: AvifComparison[] = [];
  const settings = [
    { subsample: 1, enableSharpYUV: false, name: '4:2:0' },
    { subsample: 1, enableSharpYUV: true, name: '4:2:0 sharp YUV' },
    { subsample: 3, enableSharpYUV: false, name: '4:4:4' },
  ];
  for (const speed of [8, AVIF_SPEED]) {
    for (const { subsample, enableSharpYUV, name } of settings) {
      const options = { lossless: false, speed, subsample, enableSharpYUV };
      const encode = () => encodeAvifWasm(image as ImageData, { ...options, quality: 50 });
      let out = await encode();
      const ms = median(await timeRounds(async () => (out = await encode()), rounds));
      const { psnr } = compare((await decodeAvif(out))!, image);
      const halo = haloChroma((await decodeAvif(await encodeAvifWasm(scene as ImageData, { ...options, quality: 40 })))!);
      const isles = speed === AVIF_SPEED && subsample === AVIF_SUBSAMPLE && !enableSharpYUV;
      rows.push({
        settings: `speed ${speed}, ${name}${isles ? " (Isle's)" : ''}`,
        medianMs: +ms.toFixed(1),
        mpPerSecond: +((image.width * image.height) / 1e6 / (ms / 1000)).toFixed(2),
        bytes: out.byteLength,
        psnr: +psnr.toFixed(2),
        haloMean: +halo.mean.toFixed(1),
        haloP99: +halo.p99.toFixed(1),
      });
    }
  }
  return rows;
}

/**
 * WebP q80 method 2 of the webp1024 job's image (the standard photo at 1024x836): Isle's encoder, on
 * glue remade to copy the pixels in one call (src/image/emscripten-glue.ts), against @jsquash/webp's
 * own encode(), whose glue copies them a byte at a time. The same libwebp module, and the same bytes.
 */
export async function compareWebp(rounds: number): Promise<{ settings: string; medianMs: number; bytes: number }[]> {
  const image = resize(await standardPhoto(), 1024, 836);
  await (initWebpShipped as (module: WebAssembly.Module) => Promise<unknown>)(modules!.webpEncoder);
  const rows: { settings: string; medianMs: number; bytes: number }[] = [];
  const run = async (settings: string, encode: () => Promise<ArrayBuffer>) => {
    let out = await encode();
    const ms = median(await timeRounds(async () => (out = await encode()), rounds));
    rows.push({ settings, medianMs: +ms.toFixed(1), bytes: out.byteLength });
  };
  for (let i = 0; i < 2; i++) {
    await run("Isle's encodeWebp (one-call copy)", () => encodeWebp(image, { quality: 80, lossless: false }));
    await run("@jsquash/webp's encode() (byte-by-byte copy)", () => encodeWebpShipped(image as ImageData, { quality: 80, method: 2 }));
  }
  return rows;
}

/**
 * PNG at 2000x1500 (fmt=png, so RGB): Isle's writer at four png-level settings against
 * @jsquash/png (which always writes RGBA and has no level to choose). Lossless, so bytes and speed only.
 */
export async function comparePng(rounds: number): Promise<Omit<JpegComparison, 'psnr'>[]> {
  const image = resize(await standardPhoto(), 2000, 1500);
  await initPngEncoder(new WebAssembly.Module(readFileSync(fileURLToPath(import.meta.resolve('@jsquash/png/codec/pkg/squoosh_png_bg.wasm')))));
  const rows: Omit<JpegComparison, 'psnr'>[] = [];
  const run = async (settings: string, encode: () => Promise<ArrayBuffer> | ArrayBuffer) => {
    let out = await encode();
    const ms = median(await timeRounds(async () => (out = await encode()), rounds));
    rows.push({ settings, medianMs: +ms.toFixed(1), mpPerSecond: +(3 / (ms / 1000)).toFixed(2), bytes: out.byteLength });
  };
  for (const level of PNG_LEVELS) await run(`Isle, png-level ${level}`, () => encodePng(image, { alpha: false, level }));
  await run('@jsquash/png', () => encodePngJsquash(image as ImageData));
  return rows;
}

const PNG_LEVELS = [1, 5, 6, 9];

export interface EncodeRow {
  /** jpeg, or png and its level. */
  format: string;
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
  const photo = await standardPhoto();
  const rows: EncodeRow[] = [];
  for (const [width, height] of sizes) {
    const image: Pixels = resize(photo, width, height);
    const mp = (width * height) / 1e6;
    for (const format of ['jpeg', 'png level 1', 'png level 6']) {
      let out = 0;
      const encode = async () => {
        const level = Number(format.split(' ')[2]);
        const b = format === 'jpeg' ? await encodeJpeg(image, { quality: 80, fullChroma: false, gray: false }) : encodePng(image, { alpha: false, level });
        out = b.byteLength;
      };
      const ms = median(await timeRounds(encode, rounds));
      rows.push({ format, width, height, megapixels: +mp.toFixed(3), medianMs: +ms.toFixed(1), mpPerSecond: +(mp / (ms / 1000)).toFixed(2), bytes: out });
    }
  }
  return rows;
}

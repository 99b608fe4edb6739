import decodeJpegWasm, { init as initJpegDecoder } from '@jsquash/jpeg/decode.js';
import encodeJpegWasm, { init as initJpegEncoder } from '@jsquash/jpeg/encode.js';
import webpEncoderGlue from '@jsquash/webp/codec/enc/webp_enc_simd.js';
import type { WebPModule } from '@jsquash/webp/codec/enc/webp_enc.js';
import { defaultOptions as webpDefaults } from '@jsquash/webp/meta.js';
import avifEncoderGlue, { type AVIFModule } from '@jsquash/avif/codec/enc/avif_enc.js';
import { defaultOptions as avifDefaults } from '@jsquash/avif/meta.js';
import decodeWebpWasm, { init as initWebpDecoder } from '@jsquash/webp/decode.js';
import decodeAvifWasm, { init as initAvifDecoder } from '@jsquash/avif/decode.js';
import decodeJxlWasm, { init as initJxlDecoder } from '@jsquash/jxl/decode.js';
import * as libheif from 'libheif-js/libheif-wasm/libheif.js';
import openJpeg, { type OpenJpegModule } from '@cornerstonejs/codec-openjpeg/wasmjs';
import { interleave, jp2Container } from './jpeg2000.ts';
import { initKernels } from './kernels.ts';
import { bulkCopyGlue } from './emscripten-glue.ts';
import { ownBuffer } from './bytes.ts';
import { decodeJpegRect, decodeJpegScaled, encodeBaselineJpeg, frameMarker } from './jpeg.ts';
import { DamagedLossless, decodeLosslessJpeg } from './jpeg-lossless.ts';
import { DamagedArithmetic, transcodeArithmeticJpeg } from './jpeg-arithmetic.ts';
import { DamagedPng, decodePng as decodeOwnPng } from './png-decode.ts';
import type { WasmModules } from './modules.ts';

import type { Pixels } from './pixels.ts';

/*
 * The codecs of one worker, instantiated from the shared compiled modules. Keeps hold of every
 * linear memory so the pool can recycle a worker whose WASM heap grew too large (it never shrinks).
 */

type EmscriptenInit = (module?: WebAssembly.Module, options?: object) => Promise<unknown>;

const memories = new Map<string, WebAssembly.Memory>();
let modules: WasmModules;

function findMemory(exports: WebAssembly.Exports): WebAssembly.Memory | undefined {
  return Object.values(exports).find((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory);
}

/**
 * libjpeg's warnings (jerror.h) that mean pixels were made up: data that ends early, a bad code, a
 * lost restart marker. "N extraneous bytes before marker", common and harmless, is not one.
 */
const DAMAGE_WARNINGS = ['premature end of data segment', 'bad Huffman code', 'Premature end of JPEG file', 'instead of RST'];

/** What a codec printed to stderr during the current call: MozJPEG's warnings arrive here. */
const printed: string[] = [];

/** Emscripten options: our own instantiation (to see the memory) and stderr kept, not shown. */
function emscriptenOptions(name: string, module: WebAssembly.Module) {
  return {
    print() {},
    printErr(text: string) {
      if (printed.length < 16) printed.push(text);
    },
    instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) {
      const instance = new WebAssembly.Instance(module, imports);
      const memory = findMemory(instance.exports);
      if (memory) memories.set(name, memory);
      done(instance);
      return instance.exports;
    },
  };
}

// The WebP and AVIF encoders, called here rather than through @jsquash's encode(), so that their
// glue copies the pixels in one call (./emscripten-glue.ts).
let webpEncoder: WebPModule;
let avifEncoder: AVIFModule;
let webpGlue: typeof webpEncoderGlue;
let avifGlue: typeof avifEncoderGlue;
const initWebpEncoder: EmscriptenInit = async (_module, options) => {
  webpEncoder = await startGlue(webpGlue, webpEncoderGlue, options);
};
const initAvifEncoder: EmscriptenInit = async (_module, options) => {
  avifEncoder = await startGlue(avifGlue, avifEncoderGlue, options);
};

/** The remade glue's module, or the shipped glue's should the remade one not start (a reprint not foreseen). */
async function startGlue<M>(remade: (options: object) => Promise<M>, shipped: (options: object) => Promise<M>, options?: object): Promise<M> {
  try {
    return await remade({ noInitialRun: true, ...options });
  } catch {
    return shipped({ noInitialRun: true, ...options });
  }
}

export async function initCodecs(wasm: WasmModules): Promise<void> {
  modules = wasm;
  webpGlue = bulkCopyGlue(webpEncoderGlue, import.meta.url);
  avifGlue = bulkCopyGlue(avifEncoderGlue, import.meta.url);
  await (initJpegDecoder as EmscriptenInit)(undefined, emscriptenOptions('jpegDecoder', wasm.jpegDecoder));
  await (initJpegEncoder as EmscriptenInit)(undefined, emscriptenOptions('jpegEncoder', wasm.jpegEncoder));
  await initWebpEncoder(undefined, emscriptenOptions('webpEncoder', wasm.webpEncoder));
  await initAvifEncoder(undefined, emscriptenOptions('avifEncoder', wasm.avifEncoder));
  openJpegModule = await openJpeg(emscriptenOptions('jpeg2000Encoder', wasm.jpeg2000Encoder));
  initKernels(wasm).forEach((memory, i) => memories.set(`kernel${i}`, memory));
}

/** Total bytes of WASM linear memory held by this worker's codecs. */
export function wasmHeapBytes(): number {
  let total = 0;
  for (const m of memories.values()) total += m.buffer.byteLength;
  return total;
}

/**
 * mozjpeg leaks on every failed call and is corrupt after ~71 of them (we measured it); a fresh
 * instance costs about a millisecond, so take one after every failure.
 */
async function withFreshInstanceOnFailure<T>(
  name: 'jpegDecoder' | 'jpegEncoder' | 'webpEncoder' | 'avifEncoder' | 'webpDecoder' | 'avifDecoder' | 'jxlDecoder',
  init: EmscriptenInit,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    await init(undefined, emscriptenOptions(name, modules[name]));
    throw err;
  }
}

/**
 * At most 1/shrink of the size (shrink 1, 2, 4 or 8): our decoder when the file allows (at full
 * size with libjpeg's fancy chroma upsampling, so within a level or two of MozJPEG), else MozJPEG
 * at full size, or a lossless (SOF3) file on ./jpeg-lossless.ts at full size; an arithmetic-coded file is
 * first written Huffman-coded (./jpeg-arithmetic.ts). The caller sees which from the result's size. A file our decoder finds damaged is
 * refused rather than handed to MozJPEG, which would fill it with grey; so is a fallback the job's
 * memory cannot afford (`fullDecode` false).
 */
export function decodeJpeg(source: ArrayBufferLike, shrink: 1 | 2 | 4 | 8 = 1, fullDecode = true, cmyk = false): Promise<Pixels> {
  const frame = frameMarker(new Uint8Array(source));
  let bytes = source;
  if (frame === 0xc9 || frame === 0xca) {
    try {
      bytes = transcodeArithmeticJpeg(new Uint8Array(source)).slice().buffer;
    } catch (err) {
      if (err instanceof DamagedArithmetic) return Promise.reject(new DamagedSource(err.message));
      // The transcoder's tables hold every value an 8-bit frame can have: more is damage.
      if (err instanceof RangeError) return Promise.reject(new DamagedSource('The source image is corrupt: its arithmetic-coded coefficients are out of range'));
      return Promise.reject(err);
    }
  }
  const declined = { corrupt: false };
  const scaled = decodeJpegScaled(bytes, shrink, declined);
  if (scaled) return Promise.resolve(scaled);
  if (declined.corrupt) return Promise.reject(new DamagedSource('The source image is corrupt: its JPEG data is damaged'));
  if (frame === 0xc3) {
    if (shrink > 1 && !fullDecode) return Promise.reject(new DamagedSource('The source image cannot be decoded at a reduced size and is too large to decode in full'));
    try {
      return Promise.resolve(decodeLosslessJpeg(new Uint8Array(bytes)));
    } catch (err) {
      return Promise.reject(err instanceof DamagedLossless ? new DamagedSource(err.message) : err);
    }
  }
  // CMYK is ours alone: MozJPEG's build only writes RGBA, and libjpeg cannot turn CMYK into it.
  if (cmyk) return Promise.reject(new DamagedSource('This CMYK JPEG cannot be decoded (arithmetic coding or an unusual layout)'));
  if (shrink > 1 && !fullDecode) return Promise.reject(new DamagedSource('The source image cannot be decoded at a reduced size and is too large to decode in full'));
  printed.length = 0;
  return withFreshInstanceOnFailure('jpegDecoder', initJpegDecoder as EmscriptenInit, () => decodeJpegWasm(ownBuffer(bytes), { preserveOrientation: false })).then((image) => {
    // libjpeg goes on past damaged data, filling the rest with grey, and only warns: refuse instead.
    const damage = printed.find((line) => DAMAGE_WARNINGS.some((w) => line.includes(w)));
    if (damage) throw new DamagedSource(`The source image is corrupt: ${damage.replace(/^Corrupt JPEG data: /, '').replace(/\.$/, '')}`);
    return image;
  });
}

/**
 * A rect of a JPEG at full size (a region read, planning/jpeg-region.ts) by our kernel band by band,
 * stopping at the rect's last row; undefined where the kernel declines the file (arithmetic coding,
 * CMYK, tables between progressive scans), which is then decoded whole (pipeline/steps/codec.ts).
 */
export function decodeJpegBanded(source: ArrayBuffer, rect: { x: number; y: number; width: number; height: number }): Pixels | undefined {
  const frame = frameMarker(new Uint8Array(source));
  if (frame === 0xc9 || frame === 0xca) return undefined;
  const declined = { corrupt: false };
  const banded = decodeJpegRect(source, rect, declined);
  if (declined.corrupt) throw new DamagedSource('The source image is corrupt: its JPEG data is damaged');
  return banded;
}

/** A source refused by a decoder for a reason the client should read (not a codec failure). */
export class DamagedSource extends Error {}

/** PNG: our own decoder (./png-decode.ts); a file it finds damaged is the client's to hear about. */
/** With `wide`, a 16-bit file's colours also come as RGBA16 (png-decode.ts). */
export function decodePng(bytes: ArrayBuffer, wide = false): Pixels & { wide?: Uint16Array } {
  try {
    return decodeOwnPng(new Uint8Array(bytes), wide);
  } catch (err) {
    throw err instanceof DamagedPng ? new DamagedSource(err.message) : err;
  }
}

/**
 * A still WebP (libwebp's simple decoder, which refuses an animation: pipeline/webp-decode.ts hands
 * it the first frame alone). A file it cannot decode is damaged.
 */
export async function decodeWebp(bytes: Uint8Array): Promise<Pixels> {
  await started('webpDecoder', initWebpDecoder as EmscriptenInit);
  try {
    return await withFreshInstanceOnFailure('webpDecoder', initWebpDecoder as EmscriptenInit, () => decodeWebpWasm(exactBytes(bytes)));
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) throw err;
    throw new DamagedSource('The source image is corrupt: its WebP data cannot be decoded');
  }
}

/**
 * An AVIF's primary image (libavif, its first frame for a sequence), 8 bits a channel whatever the
 * file's (libavif scales 10 and 12 bits down), alpha straight. Its colours are as the AV1 data's
 * matrix gives them; the primaries and transfer of an nclx colour box are not applied.
 */
export async function decodeAvif(bytes: Uint8Array): Promise<Pixels> {
  await started('avifDecoder', initAvifDecoder as EmscriptenInit);
  try {
    return (await withFreshInstanceOnFailure('avifDecoder', initAvifDecoder as EmscriptenInit, () => decodeAvifWasm(exactBytes(bytes), { bitDepth: 8 }))) as ImageData;
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) throw err;
    throw new DamagedSource('The source image is corrupt: its AVIF data cannot be decoded');
  }
}

/**
 * A JPEG XL's image (libjxl), upright, 8 bits a channel whatever the file's, its alpha as the file
 * holds it (`premultiplied` says it is associated: made straight here, as every step takes it).
 */
export async function decodeJxl(bytes: Uint8Array, premultiplied: boolean): Promise<Pixels> {
  await started('jxlDecoder', initJxlDecoder as EmscriptenInit);
  let image: Pixels;
  try {
    image = (await withFreshInstanceOnFailure('jxlDecoder', initJxlDecoder as EmscriptenInit, () => decodeJxlWasm(exactBytes(bytes)))) as ImageData;
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) throw err;
    throw new DamagedSource('The source image is corrupt: its JPEG XL data cannot be decoded');
  }
  const d = image.data;
  if (premultiplied) for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && d[i + 3]! < 255) for (let c = 0; c < 3; c++) d[i + c] = (d[i + c]! * 255) / d[i + 3]!;
  return image;
}

type Heif = libheif.MainModule;
// A CommonJS module whose types declare an ES default export: the factory is module.exports.
const heifFactory = (libheif as unknown as { default: (options: object) => Promise<Heif> }).default;
let heif: Promise<Heif> | undefined;

/**
 * A HEIF's primary image (libheif with libde265), 8 bits a channel, cropped, turned and mirrored as
 * the file says (planning/heif-header.ts gives that size). libheif's own wrapper (HeifDecoder) is
 * not used: it prints its errors to stdout and answers them with an empty list.
 */
export async function decodeHeif(bytes: Uint8Array, width: number, height: number): Promise<Pixels> {
  const lib = await (heif ??= heifFactory(emscriptenOptions('heifDecoder', modules.heifDecoder)));
  const context = lib.heif_context_alloc();
  const fail = (what: string) => new DamagedSource(`The source image is corrupt: its HEIF data ${what}`);
  try {
    if (lib.heif_context_read_from_memory(context, bytes).code !== lib.heif_error_code.heif_error_Ok) throw fail('cannot be read');
    const handle = lib.heif_js_context_get_primary_image_handle(context);
    if (!handle || handle.code) throw fail('has no primary image');
    try {
      const image = await lib.heif_js_decode_image2(handle, lib.heif_colorspace.heif_colorspace_RGB, lib.heif_chroma.heif_chroma_interleaved_RGBA);
      if (!image || image.code) throw fail('cannot be decoded');
      try {
        const plane = (image.channels as { id: unknown; data: Uint8Array; width: number; height: number; stride: number }[]).find((c) => c.id === lib.heif_channel.heif_channel_interleaved);
        if (!plane || plane.width !== width || plane.height !== height) throw fail(`decodes to another size than its header's ${width}x${height}`);
        const data = new Uint8ClampedArray(width * height * 4);
        for (let y = 0; y < height; y++) data.set(plane.data.subarray(y * plane.stride, y * plane.stride + width * 4), y * width * 4);
        return { data, width, height };
      } finally {
        lib.heif_image_release(image.image);
      }
    } finally {
      lib.heif_image_handle_release(handle);
    }
  } finally {
    lib.heif_context_free(context);
  }
}

/**
 * The source decoders start on a worker's first WebP, AVIF, JPEG XL or HEIF source, not with the worker: each
 * takes 16 MB of WASM memory at once, which a worker that never meets the format need not hold.
 */
const starting = new Map<string, Promise<unknown>>();
function started(name: 'webpDecoder' | 'avifDecoder' | 'jxlDecoder', init: EmscriptenInit): Promise<unknown> {
  let pending = starting.get(name);
  if (!pending) starting.set(name, (pending = init(undefined, emscriptenOptions(name, modules[name]))));
  return pending;
}

const exactBytes = (b: Uint8Array): ArrayBuffer =>
  b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : (b.slice().buffer as ArrayBuffer);

export interface JpegOptions {
  quality: number;
  fullChroma: boolean;
  gray: boolean;
  /** Pixels holding CMYK inks: a four-component baseline JPEG (fmt=pjpeg does not take cmyk). */
  cmyk?: boolean;
  /** pjpeg (MozJPEG, trellis); otherwise baseline on our kernel, about 6x faster for the same bytes. */
  progressive?: boolean;
}

/** Baseline on our kernel (wasm/jpegenc.ts); progressive on MozJPEG. */
export function encodeJpeg(image: Pixels, options: JpegOptions): Promise<ArrayBuffer> {
  if (!options.progressive) return Promise.resolve(encodeBaselineJpeg(image, options));
  return withFreshInstanceOnFailure('jpegEncoder', initJpegEncoder as EmscriptenInit, () => encodeJpegWasm(image as ImageData, {
    quality: options.quality,
    progressive: true,
    optimize_coding: true,
    auto_subsample: false,
    chroma_subsample: options.fullChroma ? 1 : 2,
    color_space: options.gray ? 1 : 3,
  }));
}

/** WebP: method 2 is ~2.3x faster than the default 4 for a few percent more bytes. */
export function encodeWebp(image: Pixels, options: { quality: number; lossless: boolean }): Promise<ArrayBuffer> {
  return withFreshInstanceOnFailure('webpEncoder', initWebpEncoder, async () =>
    encoded(webpEncoder.encode(embindPixels(image), image.width, image.height, { ...webpDefaults, quality: options.quality, lossless: options.lossless ? 1 : 0, method: options.lossless ? 1 : 2 })),
  );
}

/**
 * AVIF: speed 9 of 0-10. The default 6 takes several times longer for a few percent; 9 (libaom's
 * real-time mode) took 0.38 of 8's time for 6% more bytes and 0.35 dB less PSNR at q50 on the
 * avif640 image in the bench's AVIF table, which prints both (the replies stay 12% smaller than
 * sharp's at its effort 1).
 */
export const AVIF_SPEED = 9;

/**
 * libavif's subsampling code: 3 is 4:4:4 (1, its default, 4:2:0). At qlt=40, 4:2:0 smeared a
 * saturated square's chroma into the grey beside it (CIELAB chroma p99 25 two to six pixels away,
 * with or without sharp YUV), where 4:4:4 keeps it at 14; it costs 12-14% more bytes at the same
 * qlt and gains 0.6-1.2 dB PSNR (the bench's AVIF table; docs/benchmarks.md).
 */
export const AVIF_SUBSAMPLE = 3;

export function encodeAvif(image: Pixels, options: { quality: number; lossless: boolean }): Promise<ArrayBuffer> {
  // Lossless as @jsquash/avif's encode() sets it: every bit, 4:4:4, the alpha plane lossless too.
  const quality = options.lossless ? { quality: 100, qualityAlpha: -1 } : { quality: options.quality };
  const settings = { ...avifDefaults, ...quality, lossless: options.lossless, speed: AVIF_SPEED, subsample: options.lossless ? 3 : AVIF_SUBSAMPLE };
  return withFreshInstanceOnFailure('avifEncoder', initAvifEncoder, async () => encoded(avifEncoder.encode(embindPixels(image), image.width, image.height, settings)));
}

/** An encoder's reply: a fresh Uint8Array of the file, or null when the library refused. */
function encoded(file: Uint8Array | null): ArrayBuffer {
  if (!file) throw new Error('Encoding error.');
  return file.buffer as ArrayBuffer;
}

let openJpegModule: OpenJpegModule;

/**
 * JPEG 2000 as a JP2 file: lossless (the 5/3 wavelet, every bit) or lossy (the 9/7 wavelet, one
 * quality layer cut at `ratio`, raw bytes over coded bytes: OpenJPEG's rate allocation).
 */
export async function encodeJpeg2000(image: Pixels, options: { gray: boolean; alpha: boolean; ratio?: number }): Promise<ArrayBuffer> {
  const components = (options.gray ? 1 : 3) + (options.alpha ? 1 : 0);
  let encoder;
  try {
    encoder = new openJpegModule.J2KEncoder();
    const samples = encoder.getDecodedBuffer({
      width: image.width,
      height: image.height,
      bitsPerSample: 8,
      componentCount: components,
      isSigned: false,
      isUsingColorTransform: components >= 3,
    });
    interleave(image, samples, options.gray, options.alpha);
    // OpenJPEG refuses more wavelet levels than the smaller side can halve (its default 5 needs 32 px).
    encoder.setDecompositions(Math.min(5, Math.floor(Math.log2(Math.min(image.width, image.height)))));
    if (options.ratio === undefined) encoder.setQuality(true, 0);
    else {
      encoder.setQuality(false, 1);
      encoder.setCompressionRatio(0, options.ratio);
    }
    encoder.encode();
    const file = jp2Container(encoder.getEncodedBuffer(), image.width, image.height, components);
    return file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  } catch (err) {
    encoder = undefined;
    openJpegModule = await openJpeg(emscriptenOptions('jpeg2000Encoder', modules.jpeg2000Encoder));
    throw err;
  } finally {
    encoder?.delete();
  }
}

/** PNG is written by our own writer (./png.ts). */
export { encodePng } from './png.ts';

/** The pixels typed as embind's declarations want them: it copies the elements, so a view of a shared memory does as well. */
const embindPixels = (image: Pixels) => image.data as Uint8ClampedArray<ArrayBuffer>;


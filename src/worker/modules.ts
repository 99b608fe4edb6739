import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The compiled WASM modules, compiled once in the main thread and handed to every worker. */
export interface WasmModules {
  jpegDecoder: WebAssembly.Module;
  jpegEncoder: WebAssembly.Module;
  png: WebAssembly.Module;
  webpEncoder: WebAssembly.Module;
  avifEncoder: WebAssembly.Module;
  jpeg2000Encoder: WebAssembly.Module;
  /** Our own kernels (wasm/resize.ts, wasm/color.ts). */
  resize: WebAssembly.Module;
  color: WebAssembly.Module;
}

const compile = (specifier: string) =>
  new WebAssembly.Module(readFileSync(fileURLToPath(import.meta.resolve(specifier))));

/** wasm/build/ from src/worker/ (tsx) or build/src/worker/ (compiled). */
const kernel = (name: string) =>
  new WebAssembly.Module(
    readFileSync(fileURLToPath(new URL(`${import.meta.url.endsWith('.ts') ? '../..' : '../../..'}/wasm/build/${name}.wasm`, import.meta.url))),
  );

export function compileModules(): WasmModules {
  return {
    jpegDecoder: compile('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
    jpegEncoder: compile('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'),
    png: compile('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'),
    // The SIMD build: its glue is what @jsquash/webp picks on Node 20, where SIMD is always there.
    webpEncoder: compile('@jsquash/webp/codec/enc/webp_enc_simd.wasm'),
    // The single-threaded build, which @jsquash/avif always picks in Node.
    avifEncoder: compile('@jsquash/avif/codec/enc/avif_enc.wasm'),
    jpeg2000Encoder: compile('@cornerstonejs/codec-openjpeg/wasm'),
    resize: kernel('resize'),
    color: kernel('color'),
  };
}

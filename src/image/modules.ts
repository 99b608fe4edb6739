import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled WASM modules, compiled once in the main thread and handed to every worker. */
export interface WasmModules {
  jpegDecoder: WebAssembly.Module;
  jpegEncoder: WebAssembly.Module;
  webpEncoder: WebAssembly.Module;
  avifEncoder: WebAssembly.Module;
  webpDecoder: WebAssembly.Module;
  avifDecoder: WebAssembly.Module;
  jxlDecoder: WebAssembly.Module;
  heifDecoder: WebAssembly.Module;
  jpeg2000Encoder: WebAssembly.Module;
  /** Our own kernels (wasm/*.ts). */
  resize: WebAssembly.Module;
  color: WebAssembly.Module;
  jpegdec: WebAssembly.Module;
  jpegenc: WebAssembly.Module;
  pngfilter: WebAssembly.Module;
  composite: WebAssembly.Module;
}

/** The bundle (`npm run build`) carries every .wasm in a wasm/ folder beside its one file. */
const bundled = (file: string) => {
  const path = fileURLToPath(new URL(`./wasm/${file}`, import.meta.url));
  return existsSync(path) ? path : undefined;
};

const compile = (specifier: string, file = basename(specifier)) =>
  new WebAssembly.Module(readFileSync(bundled(file) ?? fileURLToPath(import.meta.resolve(specifier))));

/** Our kernels: wasm/build/ from src/image/ (tsx) or build/src/image/ (compiled), or the bundle's wasm/. */
const kernel = (name: string) =>
  new WebAssembly.Module(
    readFileSync(
      bundled(`${name}.wasm`) ??
        fileURLToPath(new URL(`${import.meta.url.endsWith('.ts') ? '../..' : '../../..'}/wasm/build/${name}.wasm`, import.meta.url)),
    ),
  );

export function compileModules(): WasmModules {
  return {
    jpegDecoder: compile('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
    jpegEncoder: compile('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'),
    // The SIMD build: its glue is what @jsquash/webp picks on Node 20, where SIMD is always there.
    webpEncoder: compile('@jsquash/webp/codec/enc/webp_enc_simd.wasm'),
    // The single-threaded build, which @jsquash/avif always picks in Node.
    avifEncoder: compile('@jsquash/avif/codec/enc/avif_enc.wasm'),
    webpDecoder: compile('@jsquash/webp/codec/dec/webp_dec.wasm'),
    avifDecoder: compile('@jsquash/avif/codec/dec/avif_dec.wasm'),
    jxlDecoder: compile('@jsquash/jxl/codec/dec/jxl_dec.wasm'),
    heifDecoder: compile('libheif-js/libheif-wasm/libheif.wasm'),
    jpeg2000Encoder: compile('@cornerstonejs/codec-openjpeg/wasm', 'openjpegwasm.wasm'),
    resize: kernel('resize'),
    color: kernel('color'),
    jpegdec: kernel('jpegdec'),
    jpegenc: kernel('jpegenc'),
    pngfilter: kernel('pngfilter'),
    composite: kernel('composite'),
  };
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The compiled WASM modules, compiled once in the main thread and handed to every worker. */
export interface WasmModules {
  jpegDecoder: WebAssembly.Module;
  jpegEncoder: WebAssembly.Module;
  png: WebAssembly.Module;
  photon: WebAssembly.Module;
}

const compile = (specifier: string) =>
  new WebAssembly.Module(readFileSync(fileURLToPath(import.meta.resolve(specifier))));

export function compileModules(): WasmModules {
  return {
    jpegDecoder: compile('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
    jpegEncoder: compile('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'),
    png: compile('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'),
    photon: compile('@cf-wasm/photon/photon.wasm'),
  };
}

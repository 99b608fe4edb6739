import type { WasmModules } from './modules.ts';

/**
 * Our own WASM kernels (wasm/*.ts). They allocate nothing: the caller lays buffers out in the
 * kernel's linear memory, which grows as needed and, like every WASM memory, never shrinks.
 */
export interface ResizeKernel {
  memory: WebAssembly.Memory;
  heapBase: WebAssembly.Global;
  tapsFor(extent: number, dstLen: number, filter: number): number;
  computeWeights(srcLen: number, dstLen: number, starts: number, weights: number, taps: number, filter: number, offset: number, extent: number): void;
  resizeVertical(src: number, width: number, dst: number, dstH: number, starts: number, paired: number, used: number, taps: number): void;
  pairWeights(weights: number, starts: number, count: number, taps: number, out: number, used: number): void;
  resizeHorizontal(src: number, srcW: number, height: number, dst: number, dstW: number, starts: number, paired: number, used: number, taps: number): void;
  boxShrink(src: number, srcW: number, srcH: number, factor: number, dst: number): void;
  premultiply(ptr: number, pixels: number): void;
  unpremultiply(ptr: number, pixels: number): void;
  hasTransparency(ptr: number, pixels: number): number;
  packGrey(src: number, width: number, height: number, dst: number, stride: number): number;
  expandGrey(src: number, stride: number, width: number, height: number, dst: number): void;
  tapsForBlur(sigma: number): number;
  rotateBilinear(src: number, sw: number, sh: number, dst: number, dw: number, dh: number, cos: number, sin: number): void;
  blurWeights(len: number, sigma: number, starts: number, weights: number, taps: number): void;
  unsharp(image: number, blurred: number, pixels: number, amount: number, threshold: number, monochrome: number): void;
}

export interface ColorKernel {
  memory: WebAssembly.Memory;
  heapBase: WebAssembly.Global;
  matrix(ptr: number, pixels: number, matrix: number): void;
  shaper(ptr: number, pixels: number, curves: number, matrix: number, encode: number, steps: number): void;
  invert(ptr: number, pixels: number): void;
  lumaHistogram(ptr: number, pixels: number, hist: number): void;
  tint(ptr: number, pixels: number, table: number): void;
  noise(ptr: number, width: number, height: number, x0: number, y0: number, amount: number, gaussian: number, monochrome: number): void;
  histogram5(ptr: number, pixels: number, hist: number, minAlpha: number): void;
  mapToPalette(ptr: number, width: number, height: number, lut: number, palette: number, out: number, dither: boolean, transparentIndex: number, errors: number): void;
}

/** wasm/jpegdec.ts: baseline JPEG decoding with DCT-domain downscaling. */
export interface JpegDecodeKernel {
  memory: WebAssembly.Memory;
  heapBase: WebAssembly.Global;
  parse(data: number, length: number): number;
  scaledWidth(shift: number): number;
  scaledHeight(shift: number): number;
  workspaceBytes(shift: number): number;
  decode(shift: number, planes: number, out: number): number;
  frameComponents(): number;
  bandHeight(mcuRows: number): number;
  bandWorkspaceBytes(mcuRows: number): number;
  startBands(mcuRows: number, workspace: number): number;
  rewindBands(): void;
  decodeBand(out: number): number;
  skipBand(): number;
}

/** wasm/jpegenc.ts: baseline JPEG encoding with optimised Huffman tables. */
export interface JpegEncodeKernel {
  memory: WebAssembly.Memory;
  heapBase: WebAssembly.Global;
  workspaceBytes(width: number, height: number, subsample: number, model: number): number;
  analyse(pixels: number, width: number, height: number, quality: number, subsample: number, model: number, work: number): number;
  write(out: number): number;
}

/** wasm/pngfilter.ts: PNG row filtering, and for decoding the filters undone and samples expanded to RGBA8. */
export interface PngFilterKernel {
  memory: WebAssembly.Memory;
  heapBase: WebAssembly.Global;
  pack(src: number, pixels: number, channels: number, dst: number): void;
  filterRows(raw: number, stride: number, height: number, bpp: number, scratch: number, out: number): void;
  unfilterRows(data: number, stride: number, height: number, bpp: number): number;
  expandRows(
    data: number, stride: number, width: number, height: number, colorType: number, depth: number, palette: number,
    keyR: number, keyG: number, keyB: number, out: number, outWidth: number, x0: number, y0: number, dx: number, dy: number, low: number,
  ): void;
}

/** wasm/composite.ts: drawing onto a premultiplied f32 canvas, and reading it back. */
export interface CompositeKernel {
  memory: WebAssembly.Memory;
  heapBase: WebAssembly.Global;
  draw(canvas: number, cw: number, src: number, sw: number, x: number, y: number, x0: number, y0: number, x1: number, y1: number, opacity: number, mode: number, seed: number): void;
  read(canvas: number, pixels: number, out: number): void;
}

let resizeKernel: ResizeKernel | undefined;
let compositeKernel: CompositeKernel | undefined;
let colorKernel: ColorKernel | undefined;
let jpegDecodeKernel: JpegDecodeKernel | undefined;
let jpegDecodeModule: WebAssembly.Module | undefined;
let jpegEncodeKernel: JpegEncodeKernel | undefined;
let pngFilterKernel: PngFilterKernel | undefined;

function instantiate<T>(module: WebAssembly.Module): T {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort() {
        throw new WebAssembly.RuntimeError('kernel abort');
      },
    },
  });
  return instance.exports as unknown as T;
}

/** Instantiates the kernels; returns their memories for the worker's heap accounting. */
export function initKernels(modules: Pick<WasmModules, 'resize' | 'color' | 'jpegdec' | 'jpegenc' | 'pngfilter' | 'composite'>): WebAssembly.Memory[] {
  resizeKernel = instantiate<ResizeKernel>(modules.resize);
  colorKernel = instantiate<ColorKernel>(modules.color);
  jpegDecodeModule = modules.jpegdec;
  jpegDecodeKernel = instantiate<JpegDecodeKernel>(modules.jpegdec);
  jpegEncodeKernel = instantiate<JpegEncodeKernel>(modules.jpegenc);
  pngFilterKernel = instantiate<PngFilterKernel>(modules.pngfilter);
  compositeKernel = instantiate<CompositeKernel>(modules.composite);
  return [resizeKernel.memory, colorKernel.memory, jpegDecodeKernel.memory, jpegEncodeKernel.memory, pngFilterKernel.memory, compositeKernel.memory];
}

export function resizeKernelInstance(): ResizeKernel {
  if (!resizeKernel) throw new Error('kernels not initialised');
  return resizeKernel;
}

export function colorKernelInstance(): ColorKernel {
  if (!colorKernel) throw new Error('kernels not initialised');
  return colorKernel;
}

export function jpegDecodeKernelInstance(): JpegDecodeKernel {
  if (!jpegDecodeKernel) throw new Error('kernels not initialised');
  return jpegDecodeKernel;
}

/** A JPEG decoder of its own, for a decode that spans many calls (pipeline/jpeg-rows.ts); its memory goes with it. */
export function newJpegDecodeKernel(): JpegDecodeKernel {
  if (!jpegDecodeModule) throw new Error('kernels not initialised');
  return instantiate<JpegDecodeKernel>(jpegDecodeModule);
}

export function jpegEncodeKernelInstance(): JpegEncodeKernel {
  if (!jpegEncodeKernel) throw new Error('kernels not initialised');
  return jpegEncodeKernel;
}

export function compositeKernelInstance(): CompositeKernel {
  if (!compositeKernel) throw new Error('kernels not initialised');
  return compositeKernel;
}

export function pngFilterKernelInstance(): PngFilterKernel {
  if (!pngFilterKernel) throw new Error('kernels not initialised');
  return pngFilterKernel;
}

/** A 32-bit WebAssembly memory's largest size. */
const MAX_MEMORY_BYTES = 2 ** 32;

/** A bump layout of buffers in a kernel's memory, 16-byte aligned, growing the memory to fit. */
export class Arena {
  private next: number;
  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.next = (base + 15) & ~15;
  }

  take(bytes: number): number {
    const at = this.next;
    // Plain arithmetic: a bitwise mask would wrap a layout past 2 GiB into a negative offset.
    const next = Math.ceil((at + bytes) / 16) * 16;
    if (!(bytes >= 0 && next <= MAX_MEMORY_BYTES)) throw new RangeError(`A kernel's memory cannot hold ${bytes} more bytes`);
    this.next = next;
    const missing = this.next - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
    return at;
  }

  bytes(at: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, at, length);
  }

  /** A copy of pixels out of the kernel's memory (from a view of the same type: a plain copy, where a Uint8Array source converts element by element, three times slower). */
  pixels(at: number, length: number): Uint8ClampedArray {
    return new Uint8ClampedArray(new Uint8ClampedArray(this.memory.buffer, at, length));
  }
}

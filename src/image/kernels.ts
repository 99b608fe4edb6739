import type { WasmModules } from './modules.ts';

/**
 * Our own WASM kernels (wasm/*.ts). They allocate nothing: the caller lays buffers out in the
 * kernel's linear memory, which grows as needed and, like every WASM memory, never shrinks.
 */
export interface ResizeKernel {
  memory: WebAssembly.Memory;
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

function instantiate<T>(module: WebAssembly.Module, memory?: WebAssembly.Memory): T {
  const instance = new WebAssembly.Instance(module, {
    env: {
      ...(memory && { memory }),
      abort() {
        throw new WebAssembly.RuntimeError('kernel abort');
      },
    },
  });
  return instance.exports as unknown as T;
}

/**
 * The JPEG decoder, the resizer and the JPEG encoder share one memory (wasm/build.mjs lays their
 * statics one after another): a decode's pixels are resized where the decoder left them, and the
 * resize's output encoded where it lies. Copying them from one memory to the next took 4 and 2 ms of
 * the large2000 job's 76. Each lays out past the statics of all three (`sharedBase`). A decode's
 * pixels stay valid until the next decode (`decodedEnd`), a resize's view (resize()'s `view`) until
 * the next use of the resizer or the next decode (`viewEnd`): the resizer lays out past the one,
 * the encoder past both (a TIFF's JPEG tiles are encoded one by one from a resize's view). The memory
 * is a SharedArrayBuffer, so that its growth leaves the views of it valid.
 */
let sharedBase = 0;
let decodedEnd = 0;
let viewEnd = 0;

/** Instantiates the kernels; returns their memories for the worker's heap accounting. */
export function initKernels(modules: Pick<WasmModules, 'resize' | 'color' | 'jpegdec' | 'jpegenc' | 'pngfilter' | 'composite'>): WebAssembly.Memory[] {
  jpegDecodeModule = modules.jpegdec;
  jpegDecodeKernel = instantiate<JpegDecodeKernel>(modules.jpegdec);
  resizeKernel = instantiate<ResizeKernel>(modules.resize, jpegDecodeKernel.memory);
  jpegEncodeKernel = instantiate<JpegEncodeKernel>(modules.jpegenc, jpegDecodeKernel.memory);
  // Each one's heap base lies under the statics of the next: only the highest is laid out from (the
  // resizer's and the encoder's interfaces leave theirs out).
  sharedBase = Math.max(...[jpegDecodeKernel, resizeKernel, jpegEncodeKernel].map((k) => (k as unknown as { heapBase: WebAssembly.Global }).heapBase.value as number));
  decodedEnd = viewEnd = 0;
  colorKernel = instantiate<ColorKernel>(modules.color);
  pngFilterKernel = instantiate<PngFilterKernel>(modules.pngfilter);
  compositeKernel = instantiate<CompositeKernel>(modules.composite);
  return [jpegDecodeKernel.memory, colorKernel.memory, pngFilterKernel.memory, compositeKernel.memory];
}

/** An arena for a decode on the shared decoder: the last decode's pixels, and a resize's view, are given up. */
export function decodeArena(): Arena {
  decodedEnd = viewEnd = 0;
  return new Arena(jpegDecodeKernelInstance().memory, sharedBase);
}

/** The decode's pixels end here. */
export function keepDecoded(end: number): void {
  decodedEnd = end;
}

/**
 * An arena in the shared memory for the resizer (a resize, rotate, blur or sharpen), whose last view
 * is given up: past the last decode's pixels, and past `input` where it is a view into that memory
 * (which the caller may then read in place).
 */
export function resizerArena(input: ArrayBufferView): Arena {
  viewEnd = 0;
  return new Arena(jpegDecodeKernelInstance().memory, Math.max(sharedBase, decodedEnd, sharedEnd(input)));
}

/** The resizer's view (its output left in the memory for the encode) ends here. */
export function keepView(end: number): void {
  viewEnd = end;
}

/** An arena in the shared memory for the encoder: past the last decode's pixels, the resizer's view, and `input` where it lies there. */
export function encoderArena(input: ArrayBufferView): Arena {
  return new Arena(jpegDecodeKernelInstance().memory, Math.max(sharedBase, decodedEnd, viewEnd, sharedEnd(input)));
}

const sharedEnd = (view: ArrayBufferView) => (isShared(view) ? view.byteOffset + view.byteLength : 0);

/** Whether `view` lies in the memory the decoder, the resizer and the encoder share (its buffer now or before it grew). */
export function isShared(view: ArrayBufferView): boolean {
  const { memory } = jpegDecodeKernelInstance();
  return view.buffer === memory.buffer || grownFrom.get(view.buffer) === memory;
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

/** The buffers memories had before they grew, and whose they were: a shared memory's views of them stay valid (isShared). */
const grownFrom = new WeakMap<ArrayBufferLike, WebAssembly.Memory>();

/** A bump layout of buffers in a kernel's memory, 16-byte aligned, growing the memory to fit. */
export class Arena {
  private next: number;
  private readonly start: number;
  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.start = this.next = (base + 15) & ~15;
  }

  /** Everything taken is given up: the next take starts where the first did. */
  reset(): void {
    this.next = this.start;
  }

  take(bytes: number): number {
    const at = this.next;
    // Plain arithmetic: a bitwise mask would wrap a layout past 2 GiB into a negative offset.
    const next = Math.ceil((at + bytes) / 16) * 16;
    if (!(bytes >= 0 && next <= MAX_MEMORY_BYTES)) throw new RangeError(`A kernel's memory cannot hold ${bytes} more bytes`);
    this.next = next;
    const missing = this.next - this.memory.buffer.byteLength;
    if (missing > 0) {
      grownFrom.set(this.memory.buffer, this.memory);
      this.memory.grow(Math.ceil(missing / 65536));
    }
    return at;
  }

  /**
   * `data` copied into a buffer taken for it (with `slack` bytes after it): its offset. The buffer
   * starts where the two agree modulo 8: V8 copies into a shared memory word by word only then,
   * else byte by byte (pngToJpeg800's 23 MB in bands: 7.3 ms so, 3.4 word by word, 2.0 into a
   * memory not shared).
   */
  place(data: Uint8ClampedArray | Uint8Array, slack = 0): number {
    const at = this.take(data.length + slack + 8) + (data.byteOffset & 7);
    this.bytes(at, data.length).set(data);
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

import { compositeKernelInstance } from '../../image/kernels.ts';
import type { Pixels } from '../../image/pixels.ts';
import type { BlendMode } from '../../protocol/request.ts';

/**
 * The compositing canvas: premultiplied RGBA in 32-bit floats in the composite kernel's memory
 * (wasm/composite.ts), so that stacking many layers rounds once, at the end, instead of once per
 * layer (8-bit in, 8-bit out, max error 1/2 per channel). Canvases stack: a nested composite
 * takes its canvas above its parent's and gives it back when read; a layer's pixels are copied
 * just above the top canvas while they are drawn.
 */
export interface Canvas {
  at: number;
  width: number;
  height: number;
}

/** The mode numbers of wasm/composite.ts. */
const MODES: Record<BlendMode, number> = { normal: 0, dissolve: 1, multiply: 2, screen: 3, darken: 4, lighten: 5 };

/** The first free byte of the kernel's memory above the canvases in use. */
let top: number | undefined;

const align = (n: number) => (n + 15) & ~15;

function reserve(bytes: number): number {
  const k = compositeKernelInstance();
  top ??= align(k.heapBase.value as number);
  const at = top;
  const end = align(at + bytes);
  const missing = end - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  return at;
}

/** Forgets every canvas: a job starts with the memory to itself, whatever the last one left. */
export function releaseCanvases(): void {
  top = undefined;
}

export function createCanvas(width: number, height: number): Canvas {
  const bytes = width * height * 16;
  const at = reserve(bytes);
  new Uint8Array(compositeKernelInstance().memory.buffer, at, bytes).fill(0);
  top = align(at + bytes);
  return { at, width, height };
}

/**
 * Draws a straight-alpha image with its top-left at (x, y), its alpha times `opacity`, with a
 * blend mode; the part outside the canvas is clipped. `seed` varies dissolve's pattern by layer.
 */
export function draw(canvas: Canvas, image: Pixels, x: number, y: number, opacity: number, mode: BlendMode, seed = 0): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(canvas.width, x + image.width);
  const y1 = Math.min(canvas.height, y + image.height);
  if (x1 <= x0 || y1 <= y0 || opacity <= 0) return;
  const k = compositeKernelInstance();
  const src = reserve(image.data.length);
  new Uint8Array(k.memory.buffer, src, image.data.length).set(image.data);
  k.draw(canvas.at, canvas.width, src, image.width, x, y, x0, y0, x1, y1, opacity, MODES[mode], seed);
}

/** The canvas as straight-alpha 8-bit pixels, rounded once; the canvas is then given back. */
export function toPixels(canvas: Canvas): Pixels {
  const k = compositeKernelInstance();
  const pixels = canvas.width * canvas.height;
  const out = reserve(pixels * 4);
  k.read(canvas.at, pixels, out);
  const data = new Uint8ClampedArray(k.memory.buffer.slice(out, out + pixels * 4));
  top = canvas.at;
  return { data, width: canvas.width, height: canvas.height };
}

import { readFileSync } from 'node:fs';
import * as photon from '@cf-wasm/photon/others';
import { resize } from '../src/pipeline/steps/resize.ts';
import { resizeKernelInstance, resizerArena } from '../src/image/kernels.ts';
import { compare, referenceResize } from '../tools/reference.ts';
import { standardPhoto } from './encode.ts';
import { median, timeRounds } from './stats.ts';
import { createRequire } from 'node:module';

export interface ResizeRow {
  implementation: string;
  medianMs: number;
  maxDiff: number;
  psnr: number;
}

/**
 * 2725x2225 (6 MP) to 720x588 (0.4 MP): Isle's kernel as the server resizes at this scale (3.8x:
 * Lanczos3 alone, libvips' rule keeps the box for 4x or more), with a 2x box first, and photon's Lanczos3.
 */
export async function benchResize(rounds: number): Promise<ResizeRow[]> {
  const photo = await standardPhoto();
  const reference = referenceResize(photo, 720, 588);
  const require = createRequire(import.meta.url);
  photon.initPhoton.sync({ module: new WebAssembly.Module(readFileSync(require.resolve('@cf-wasm/photon/photon.wasm'))) });
  const rows: ResizeRow[] = [];
  const measure = async (implementation: string, run: () => { data: Uint8ClampedArray; width: number; height: number }) => {
    let out = run();
    const ms = median(await timeRounds(async () => (out = run()), rounds));
    const { maxDiff, psnr } = compare(out, reference);
    rows.push({ implementation, medianMs: +ms.toFixed(1), maxDiff, psnr: +psnr.toFixed(1) });
  };
  await measure('Isle kernel (Lanczos3, SIMD)', () => resize(photo, 720, 588));
  await measure('Isle kernel (box 2x + Lanczos3, SIMD)', () => resize(photo, 720, 588, { box: 2 }));
  await measure('photon 0.4 Lanczos3', () => {
    const source = new photon.PhotonImage(new Uint8Array(photo.data.buffer), photo.width, photo.height);
    const resized = photon.resize(source, 720, 588, photon.SamplingFilter.Lanczos3);
    try {
      return { data: new Uint8ClampedArray(resized.get_raw_pixels().buffer), width: 720, height: 588 };
    } finally {
      source.free();
      resized.free();
    }
  });
  return rows;
}

/**
 * The Lanczos3 weights of each resize pass (the kernel's computeWeights, as resize() lays them out),
 * microseconds a call: the standard job's two axes (the photo decoded at 1/2, 1362 and 1112, to 720
 * and 588) and large2000's (2725 to 2000). Too small a part of a resize for the rows above to show.
 */
export async function benchWeights(rounds: number): Promise<{ axis: string; medianUs: number }[]> {
  const k = resizeKernelInstance();
  const calls = 50;
  const rows: { axis: string; medianUs: number }[] = [];
  for (const [from, to] of [[1362, 720], [1112, 588], [2725, 2000]] as const) {
    const taps = k.tapsFor(from, to, 0);
    const arena = resizerArena(new Uint8Array(0));
    const starts = arena.take(to * 4);
    const weights = arena.take(to * taps * 2);
    const ms = median(await timeRounds(async () => {
      for (let i = 0; i < calls; i++) k.computeWeights(from, to, starts, weights, taps, 0, 0, from);
    }, rounds));
    rows.push({ axis: `${from} -> ${to}`, medianUs: Math.round((ms * 1000) / calls) });
  }
  return rows;
}

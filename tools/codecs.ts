import { compileModules } from '../src/image/modules.ts';
import type { Pixels } from '../src/image/pixels.ts';
import { encodeJpeg, encodePng, initCodecs } from '../src/image/wasm-codecs.ts';

let ready: Promise<void> | undefined;
/** The same WASM codecs the workers use, in the calling thread: to make sources and look at what came back. */
export function codecs() {
  ready ??= initCodecs(compileModules());
  return ready;
}

/** A source file of `image`: JPEG at quality 95 without chroma subsampling, or PNG. */
export async function encodeImage(image: Pixels, format: 'jpeg' | 'png'): Promise<Uint8Array> {
  await codecs();
  const out = format === 'jpeg' ? await encodeJpeg(image, { quality: 95, fullChroma: true, gray: false }) : await encodePng(image);
  return new Uint8Array(out);
}

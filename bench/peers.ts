import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { STANDARD_PHOTO } from './encode.ts';
import { median, timeRounds } from './stats.ts';

/**
 * The peers of the standard task, in-process on one thread, when `npm run bench:peers` installed
 * them into bench/peers/ (sharp is native, so it never enters Isle's own dependency tree).
 */
export interface PeerRow {
  peer: string;
  medianMs: number;
  opsPerSecond: number;
  bytes: number;
}

const manifest = fileURLToPath(new URL('peers/package.json', import.meta.url));
const peerRequire = createRequire(manifest);

function load(name: string): unknown {
  try {
    return existsSync(new URL('peers/node_modules', import.meta.url)) ? peerRequire(name) : undefined;
  } catch {
    return undefined;
  }
}

export async function benchPeers(rounds: number, notes: string[]): Promise<PeerRow[]> {
  const input = readFileSync(STANDARD_PHOTO);
  const rows: PeerRow[] = [];
  const row = async (peer: string, task: () => Promise<number>) => {
    let bytes = 0;
    const ms = median(await timeRounds(async () => (bytes = await task()), rounds));
    rows.push({ peer, medianMs: +ms.toFixed(1), opsPerSecond: +(1000 / ms).toFixed(2), bytes });
  };

  type Sharp = ((b: Buffer) => { resize(w: number, h: number, o: object): { jpeg(o: object): { toBuffer(): Promise<Buffer> } } }) & {
    concurrency(n: number): void;
    cache(b: boolean): void;
  };
  const sharp = load('sharp') as Sharp | undefined;
  if (sharp) {
    sharp.concurrency(1);
    sharp.cache(false);
    await row('sharp (native libvips, 1 thread)', async () => (await sharp(input).resize(720, 588, { fit: 'fill' }).jpeg({ quality: 80 }).toBuffer()).length);
  } else notes.push('sharp: not installed (npm run bench:peers), skipped');

  const vipsModule = load('wasm-vips') as { default?: () => Promise<Vips> } | (() => Promise<Vips>) | undefined;
  if (vipsModule) {
    const factory = (typeof vipsModule === 'function' ? vipsModule : vipsModule.default)!;
    const vips = await factory();
    vips.concurrency(1);
    await row('wasm-vips (decode, resize, encode)', async () => {
      const image = vips.Image.newFromBuffer(input);
      const resized = image.resize(720 / 2725, { vscale: 588 / 2225 });
      const out = resized.writeToBuffer('.jpg', { Q: 80 });
      image.delete();
      resized.delete();
      return out.length;
    });
    // The same with libjpeg's DCT scaling at load, as Isle and sharp do on their own.
    await row('wasm-vips, shrink-on-load (shrink=2)', async () => {
      const image = vips.Image.newFromBuffer(input, 'shrink=2');
      const resized = image.resize(720 / image.width, { vscale: 588 / image.height });
      const out = resized.writeToBuffer('.jpg', { Q: 80 });
      image.delete();
      resized.delete();
      return out.length;
    });
  } else notes.push('wasm-vips: not installed (npm run bench:peers), skipped');
  return rows;
}

interface VipsImage {
  width: number;
  height: number;
  resize(scale: number, options: object): VipsImage;
  writeToBuffer(suffix: string, options: object): Uint8Array;
  delete(): void;
}
interface Vips {
  concurrency(n: number): void;
  Image: { newFromBuffer(b: Uint8Array, options?: string): VipsImage };
}

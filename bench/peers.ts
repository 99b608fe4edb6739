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

export function loadPeer(name: string): unknown {
  return load(name);
}

let vipsInstance: Promise<Vips> | undefined;
/** wasm-vips, instantiated once for the whole run (each instance costs seconds and memory). */
export async function loadVips(): Promise<Vips | undefined> {
  const vipsModule = load('wasm-vips') as { default?: () => Promise<Vips> } | (() => Promise<Vips>) | undefined;
  if (!vipsModule) return undefined;
  vipsInstance ??= (typeof vipsModule === 'function' ? vipsModule : vipsModule.default)!();
  return vipsInstance;
}

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

  const vips = await loadVips();
  if (vips) {
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
export interface Vips {
  concurrency(n: number): void;
  Image: { newFromBuffer(b: Uint8Array, options?: string): VipsImage; thumbnailBuffer(b: Uint8Array, width: number, options: object): VipsImage };
}

type SharpImage = {
  resize(w: number, h: number, o: object): SharpImage;
  ensureAlpha(): SharpImage;
  extractChannel(c: number): SharpImage;
  extend(o: object): SharpImage;
  blur(sigma: number): SharpImage;
  linear(a: number, b: number): SharpImage;
  joinChannel(b: Buffer, o: object): SharpImage;
  composite(layers: object[]): SharpImage;
  raw(): SharpImage;
  png(): SharpImage;
  jpeg(o: object): SharpImage;
  toBuffer(): Promise<Buffer>;
  toBuffer(o: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number } }>;
};

/**
 * The composite task with sharp's composite(), in-process on one thread: the background cut with
 * fit cover, the product fitted inside 600x450, its alpha blurred (sigma 8) into a 60% black
 * shadow 10 px down and right, both composited, JPEG q80 — the work Isle's COMPOSITE_QUERY does.
 */
type SharpFactory = ((input: Buffer | object, options?: object) => SharpImage) & { concurrency(n: number): void; cache(b: boolean): void };

/** sharp on one thread without its cache, or a note that it is not installed. */
function sharpForTask(task: string, notes: string[]): SharpFactory | undefined {
  const sharp = load('sharp') as SharpFactory | undefined;
  if (!sharp) {
    notes.push(`sharp: not installed (npm run bench:peers), ${task} task skipped for it`);
    return undefined;
  }
  sharp.concurrency(1);
  sharp.cache(false);
  return sharp;
}

/** A drop shadow as sharp makes one: an RGBA image's alpha padded, blurred and scaled by opacity, under black. */
async function sharpShadow(sharp: SharpFactory, data: Buffer, raw: { width: number; height: number; channels: number }, pad: number, sigma: number, opacity: number): Promise<Buffer> {
  const alpha = await sharp(data, { raw }).extractChannel(3).extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 0, g: 0, b: 0, alpha: 1 } }).blur(sigma).linear(opacity, 0).raw().toBuffer();
  const size = { width: raw.width + 2 * pad, height: raw.height + 2 * pad };
  return sharp({ create: { ...size, channels: 3, background: '#000000' } }).joinChannel(alpha, { raw: { ...size, channels: 1 } }).png().toBuffer();
}

export async function benchCompositePeers(rounds: number, notes: string[], product: string): Promise<PeerRow[]> {
  const sharp = sharpForTask('composite', notes);
  if (!sharp) return [];
  const photo = readFileSync(STANDARD_PHOTO);
  const png = readFileSync(new URL(product, STANDARD_PHOTO));
  const task = async () => {
    const fitted = await sharp(png).resize(600, 450, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width, height } = fitted.info;
    const pad = 24;
    const raw = { width, height, channels: 4 };
    const shadow = await sharpShadow(sharp, fitted.data, raw, pad, 8, 0.6);
    const left = Math.round((1920 - width) / 2);
    const top = Math.round((640 - height) / 2);
    const out = await sharp(photo)
      .resize(1920, 640, { fit: 'cover' })
      .composite([
        { input: shadow, left: left - pad + 10, top: top - pad + 10 },
        { input: fitted.data, raw, left, top },
      ])
      .jpeg({ quality: 80 })
      .toBuffer();
    return out.length;
  };
  const ms = median(await timeRounds(task, rounds));
  return [{ peer: 'sharp composite() (native libvips, 1 thread)', medianMs: +ms.toFixed(1), opsPerSecond: +(1000 / ms).toFixed(2), bytes: await task() }];
}

/**
 * The text task with sharp: Pango renders the two texts (its default sans face, bold 60 pt and
 * 28 pt in a 1100 px box, centred), the heading's alpha blurred into a 70% shadow 6 px down and
 * right, all composited on a solid 1200x400, JPEG q80 — the work Isle's TEXT_QUERY does.
 */
export async function benchTextPeers(rounds: number, notes: string[]): Promise<PeerRow[]> {
  const sharp = sharpForTask('text', notes);
  if (!sharp) return [];
  const task = async () => {
    const heading = await sharp({ text: { text: '<span foreground="#ffffff"><b>Summer sale</b></span>', font: 'sans 60', dpi: 72, rgba: true } }).raw().toBuffer({ resolveWithObject: true });
    const { width, height } = heading.info;
    const pad = 20;
    const raw = { width, height, channels: 4 };
    const shadow = await sharpShadow(sharp, heading.data, raw, pad, 6, 0.7);
    const subtitle = await sharp({ text: { text: '<span foreground="#ffdc78">Every print 30% off until Sunday, in every size</span>', font: 'sans 28', width: 1100, align: 'centre', dpi: 72, rgba: true } }).png().toBuffer();
    const left = Math.round((1200 - width) / 2);
    const top = Math.round(200 - 40 - height / 2);
    const out = await sharp({ create: { width: 1200, height: 400, channels: 3, background: '#1b3a5c' } })
      .composite([
        { input: shadow, left: left - pad + 6, top: top - pad + 6 },
        { input: heading.data, raw, left, top },
        { input: subtitle, left: 50, top: 300 },
      ])
      .jpeg({ quality: 80 })
      .toBuffer();
    return out.length;
  };
  const ms = median(await timeRounds(task, rounds));
  return [{ peer: 'sharp text and composite() (native libvips and Pango, 1 thread)', medianMs: +ms.toFixed(1), opsPerSecond: +(1000 / ms).toFixed(2), bytes: await task() }];
}

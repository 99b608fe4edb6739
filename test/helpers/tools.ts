import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '../../src/image/png-decode.ts';
import { decodePngReference } from './pixels.ts';
import { errorMessage, type Fixture } from './server.ts';

/**
 * Files made at test time by tools no one here wrote (ImageMagick, libvips), and their own decodes
 * as references: a test whose tool is missing skips, saying which and where it comes from.
 */
/** Whether a tool is installed; `convert` must be ImageMagick's (a machine may have a stand-in of that name). */
export const hasTool = (tool: string): boolean =>
  tool === 'convert' ? /ImageMagick/.test(spawnSync('convert', ['-version'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '') : spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** The Debian package of each tool the tests use (.ci/run installs them). */
const PACKAGES: Record<string, string> = { convert: 'imagemagick', vips: 'libvips-tools', tiffcp: 'libtiff-tools', tificc: 'liblcms2-utils', cwebp: 'webp', avifenc: 'libavif-bin', avifdec: 'libavif-bin', cjpeg: 'libjpeg-turbo-progs', djpeg: 'libjpeg-turbo-progs', gs: 'ghostscript' };

export const skipUnless = (...tools: string[]): string | false => {
  const missing = tools.filter((t) => !hasTool(t));
  return missing.length ? `${missing.join(', ')} not installed (Debian's ${[...new Set(missing.map((t) => PACKAGES[t] ?? t))].join(', ')}; .ci/run installs them)` : false;
};

/** Runs a tool in `dir`, bounded in time; its stdout. */
export function run(dir: string, tool: string, ...args: string[]): Buffer {
  const r = spawnSync(tool, args, { cwd: dir, timeout: 30_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${tool} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** An RGBA image as a binary PPM (its alpha dropped), the input of libjpeg's cjpeg. */
export function ppmOf(image: Image): Buffer {
  const rgb = Buffer.alloc(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = image.data[p * 4 + c]!;
  return Buffer.concat([Buffer.from(`P6 ${image.width} ${image.height} 255\n`), rgb]);
}

/** ImageMagick's decode of a file (its first image) through a PNG it writes, at 8 or 16 bits. */
export function magickReference(dir: string, file: string, depth: 8 | 16 = 8) {
  const png = `${file}.ref.png`;
  run(dir, 'convert', `${file}[0]`, '-depth', String(depth), png);
  return decodePng(readFileSync(join(dir, png)), depth === 16);
}

type Image = { data: ArrayLike<number>; width: number; height: number };

/** PSNR over the colour channels (Infinity when equal) at full scale `top`, and the largest alpha difference. */
export function compare(got: Image, want: Image, top = 255) {
  assert.deepEqual([got.width, got.height], [want.width, want.height]);
  let se = 0;
  let alpha = 0;
  for (let i = 0; i < got.data.length; i += 4) {
    for (let c = 0; c < 3; c++) se += (got.data[i + c]! - want.data[i + c]!) ** 2;
    alpha = Math.max(alpha, Math.abs(got.data[i + 3]! - want.data[i + 3]!));
  }
  const mse = se / ((got.data.length / 4) * 3);
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10((top * top) / mse), alpha };
}

/** Where two images first differ, for a message; undefined when they are the same. */
export function firstDifference(got: Image, want: Image): string | undefined {
  for (let i = 0; i < got.data.length; i++) {
    if (got.data[i] !== want.data[i]) return `pixel ${i >> 2} channel ${i & 3}: ${got.data[i]} against ${want.data[i]}`;
  }
  return undefined;
}

/** A source rendered through /is/image, its reply asserted a 200 and decoded (a PNG query). */
export async function renderedPng(fixture: Fixture, file: string, query: string) {
  const reply = await fixture.get(`/is/image/${file}?${query}`);
  assert.equal(reply.status, 200, `${file}: ${reply.status} ${errorMessage(reply.text)}`);
  return decodePngReference(reply.body);
}

/** A source the server refuses: a 403 whose message matches. */
export async function refused(fixture: Fixture, file: string, message: RegExp): Promise<void> {
  const reply = await fixture.get(`/is/image/${file}?wid=20&fmt=png`);
  assert.equal(reply.status, 403, `${file}: ${reply.status}`);
  assert.match(errorMessage(reply.text), message);
}

/** An 8BIM image resource block, as ImageMagick copies a `-profile 8BIM:` file into a PSD's resources. */
export function photoshopResource(id: number, name: string, data: Uint8Array): Buffer {
  const pascal = Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1')]);
  const head = Buffer.alloc(6);
  head.write('8BIM', 0, 'latin1');
  head.writeUInt16BE(id, 4);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(data.length);
  return Buffer.concat([head, pascal, Buffer.alloc(pascal.length & 1), size, data, Buffer.alloc(data.length & 1)]);
}

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { before, test } from 'node:test';
import { resolveConfig } from '../../src/config/options.ts';
import { encodePng } from '../../src/image/wasm-codecs.ts';
import type { Pixels } from '../../src/image/pixels.ts';
import { codecs, decodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURES } from '../helpers/server.ts';

/* Our PNG writer (wasm/pngfilter.ts + node:zlib), read back by @jsquash/png's decoder: lossless at every level. */

before(() => codecs());

const chunk = (png: Uint8Array, type: string) => {
  for (let at = 8; at < png.length; ) {
    const length = new DataView(png.buffer, png.byteOffset + at).getUint32(0);
    if (Buffer.from(png.subarray(at + 4, at + 8)).toString('latin1') === type) return png.subarray(at + 8, at + 8 + length);
    at += 12 + length;
  }
  throw new Error(`no ${type}`);
};

const withOpaque = (image: Pixels): Pixels => {
  const data = new Uint8ClampedArray(image.data);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { ...image, data };
};

test('every size and level reads back exactly, RGB and RGBA', async () => {
  const photo = await decodeImage(readFileSync(join(FIXTURES, 'partial-mcu-301x245.jpg')));
  const images = [
    synth(1, 1, () => [10, 20, 30, 40]),
    synth(3, 2, (x, y) => [x * 80, y * 120, 7, 128 + x]),
    synth(17, 5, (x, y) => [(x * 37) % 256, (y * 91) % 256, (x * y) % 256, (x * 15) % 256]),
    synth(100, 37, (x, y) => [(x * 3 + y) % 256, 255 - ((x * y) % 256), (y * 7) % 256, x % 2 ? 0 : 255]),
    photo,
  ];
  for (const image of images) {
    for (const level of [0, 1, 6, 9]) {
      for (const alpha of [true, false]) {
        const bytes = new Uint8Array(encodePng(image, { alpha, level }));
        assert.equal(chunk(bytes, 'IHDR')[9], alpha ? 6 : 2, 'colour type');
        const back = await decodeImage(bytes);
        assert.deepEqual(back.data, alpha ? image.data : withOpaque(image).data, `${image.width}x${image.height} level ${level} alpha ${alpha}`);
      }
    }
  }
});

test('rows take different filters on a photo, and higher levels give smaller files', async () => {
  const photo = await decodeImage(readFileSync(join(FIXTURES, 'orientation-2.jpg')));
  const sizes = [0, 1, 6, 9].map((level) => encodePng(photo, { alpha: false, level }).byteLength);
  assert.ok(sizes[0]! > sizes[1]! && sizes[1]! > sizes[2]! && sizes[2]! >= sizes[3]!, `sizes ${sizes}`);
  const rows = inflateSync(chunk(new Uint8Array(encodePng(photo, { alpha: false, level: 6 })), 'IDAT'));
  const filters = new Set<number>();
  for (let y = 0; y < photo.height; y++) filters.add(rows[y * (photo.width * 3 + 1)]!);
  assert.ok(filters.size >= 3, `filters used: ${[...filters]}`);
  assert.ok([...filters].every((f) => f <= 4));
});

test('rows stay unfiltered where a sample of the image deflates smaller that way: a tile of four colours repeated', async () => {
  // Filtering breaks such a tile's exact repeats (the heuristic mixed Sub, Up and Paeth into it and
  // gave 20% more bytes); a photo keeps its filters (the test above).
  let seed = 1;
  const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 3;
  const colours: [number, number, number, number][] = [[250, 240, 220, 255], [30, 40, 50, 255], [200, 30, 30, 255], [240, 240, 240, 255]];
  const tile = Array.from({ length: 24 * 24 }, () => colours[next()]!);
  const image = synth(240, 120, (x, y) => tile[(y % 24) * 24 + (x % 24)]!);
  const png = new Uint8Array(encodePng(image, { alpha: true, level: 6 }));
  const rows = inflateSync(chunk(png, 'IDAT'));
  const filters = new Set<number>();
  for (let y = 0; y < image.height; y++) filters.add(rows[y * (image.width * 4 + 1)]!);
  assert.deepEqual([...filters], [0], `filters used: ${[...filters]}`);
  assert.deepEqual((await decodeImage(Buffer.from(png))).data, image.data);
});

test('png-level accepts 0 to 9 only', () => {
  assert.equal(resolveConfig({}, {})['png-level'], 5, 'the default, chosen by measurement (docs/benchmarks.md)');
  assert.equal(resolveConfig({ 'png-level': '9' }, {})['png-level'], 9);
  assert.equal(resolveConfig({}, { ISLE_PNG_LEVEL: '0' })['png-level'], 0);
  assert.throws(() => resolveConfig({ 'png-level': '10' }, {}), /from 0 to 9/);
  assert.throws(() => resolveConfig({ 'png-level': '-1' }, {}), /at least 0/);
});

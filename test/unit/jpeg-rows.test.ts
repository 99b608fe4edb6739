import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import encodeJpegWasm from '@jsquash/jpeg/encode.js';
import { decodeJpegRect, decodeJpegScaled, encodeBaselineJpeg, jpegBands } from '../../src/image/jpeg.ts';
import type { Pixels } from '../../src/image/pixels.ts';
import { jpegRows } from '../../src/pipeline/jpeg-rows.ts';
import { codecs, decodeImage } from '../helpers/pixels.ts';
import { FIXTURES, REPO } from '../helpers/server.ts';
import { decodeJpeg } from '../../src/image/wasm-codecs.ts';

/*
 * A JPEG decoded band by band (wasm/jpegdec.ts's startBands and decodeBand: every full-size decode
 * of one or three components, and `isle convert`) gives the same pixels byte for byte whatever the
 * bands: one MCU row at a time (each band carrying the next MCU row for the chroma upsampling of its
 * last row), several, or one band for all; and the pixels the whole-frame decode gave before.
 */

before(() => codecs());

/** A photograph cut to a size that is no multiple of any MCU, with every sampling our kernel upsamples. */
async function madeFiles(): Promise<[string, Uint8Array][]> {
  const photo = await decodeImage(readFileSync(join(REPO, 'samples/images/landscape.jpg')));
  const width = 997;
  const height = 613;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) data.set(photo.data.subarray(y * photo.width * 4, (y * photo.width + width) * 4), y * width * 4);
  const image: Pixels = { data, width, height };
  const baseline = (fullChroma: boolean, gray: boolean) => new Uint8Array(encodeBaselineJpeg(image, { quality: 90, fullChroma, gray }));
  // MozJPEG's progressive scripts: spectral selection and successive approximation, DC and AC.
  const mozjpeg = async (options: object) => new Uint8Array(await encodeJpegWasm(image as ImageData, options));
  return [
    ['baseline 4:2:0 997x613', baseline(false, false)],
    ['baseline 4:4:4 997x613', baseline(true, false)],
    ['baseline grey 997x613', baseline(false, true)],
    ['progressive 4:2:0 997x613', await mozjpeg({ quality: 80 })],
    ['progressive 4:4:4 997x613', await mozjpeg({ quality: 90, chroma_subsample: 1 })],
    ['progressive grey 997x613', await mozjpeg({ quality: 75, color_space: 1 })],
  ];
}

const FIXTURE_FILES = [
  ...['444', '422', '420', '440', '411'].map((s) => `sampling-${s}.jpg`),
  'restart-420.jpg',
  'restart-grey.jpg',
  'grey.jpg',
  'partial-mcu-301x245.jpg',
  'orientation-1.jpg',
];

async function cases(): Promise<[string, Uint8Array][]> {
  return [...FIXTURE_FILES.map((name): [string, Uint8Array] => [name, new Uint8Array(readFileSync(join(FIXTURES, name)))]), ...(await madeFiles())];
}

/** The full-size decode's pixels (decodeJpegScaled's, in bands of 64 rows), copied out of the kernel's memory. */
function whole(bytes: Uint8Array): Pixels {
  const decoded = decodeJpegScaled(bytes.slice().buffer, 1);
  assert.ok(decoded);
  return { ...decoded, data: decoded.data.slice() };
}

test('every band layout (one MCU row, seven, one band for all) gives the whole decode byte for byte', async () => {
  for (const [name, bytes] of await cases()) {
    const expected = whole(bytes);
    // Rows asked of the bands: one MCU row whatever its height, seven of 16 rows (fourteen of 8), all.
    for (const rows of [1, 112, 1 << 20]) {
      const bands = jpegBands(bytes, rows);
      assert.ok(bands, `${name}: declined`);
      assert.equal(bands.width, expected.width);
      assert.equal(bands.height, expected.height);
      const data = new Uint8ClampedArray(expected.data.length);
      let y = 0;
      while (y < bands.height) {
        const band = bands.next();
        assert.ok(band, `${name}, bands of ${bands.bandHeight} rows: damaged at row ${y}`);
        assert.equal(band.height, Math.min(bands.bandHeight, bands.height - y));
        data.set(band.data, y * bands.width * 4);
        y += band.height;
      }
      assert.ok(Buffer.from(data).equals(Buffer.from(expected.data)), `${name}, bands of ${bands.bandHeight} rows`);
    }
  }
});

test('rows asked as the pyramid writer asks them (in order, overlapping, then again from the top) are the whole decode`s', async () => {
  for (const [name, bytes] of await cases()) {
    const expected = whole(bytes);
    const source = jpegRows(bytes);
    assert.ok(source, `${name}: declined`);
    const rowBytes = expected.width * 4;
    const check = async (y0: number, y1: number) => {
      const got = await source.rows(y0, y1);
      assert.equal(got.height, y1 - y0);
      assert.ok(Buffer.from(got.data).equals(Buffer.from(expected.data.subarray(y0 * rowBytes, y1 * rowBytes))), `${name}: rows ${y0}-${y1}`);
    };
    for (let y = 0; y < source.height; y += 37) await check(y, Math.min(source.height, y + 37));
    for (let y = 0; y < source.height; y += 200) await check(Math.max(0, y - 16), Math.min(source.height, y + 216));
  }
});

test('a file whose data is cut short is found damaged band by band, not decoded into grey', async () => {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'restart-420.jpg')));
  const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
  const source = jpegRows(cut);
  assert.ok(source);
  await assert.rejects(async () => source.rows(0, source.height), /its JPEG data is damaged/);
});

test("a rect decoded on the shared kernel (a region read), stopping after its last row, is the whole decode's rect byte for byte", async () => {
  for (const [name, bytes] of await cases()) {
    const expected = whole(bytes);
    const { width, height } = expected;
    // The first rows, a middle band across MCU rows, one row, one column, the last rows.
    const rects = [
      { x: 0, y: 0, width, height: Math.min(height, 17) },
      { x: 3, y: Math.floor(height / 3), width: Math.max(1, width - 10), height: Math.floor(height / 3) },
      { x: 0, y: Math.floor(height / 2), width, height: 1 },
      { x: width - 1, y: 0, width: 1, height: height - 1 },
      { x: 0, y: height - 9, width, height: 9 },
    ];
    for (const rect of rects) {
      const got = decodeJpegRect(bytes.slice().buffer, rect);
      assert.ok(got, `${name}: declined`);
      assert.deepEqual([got.width, got.height], [rect.width, rect.height]);
      for (let r = 0; r < rect.height; r++) {
        const from = ((rect.y + r) * width + rect.x) * 4;
        const want = expected.data.subarray(from, from + rect.width * 4);
        assert.ok(Buffer.from(got.data.subarray(r * rect.width * 4, (r + 1) * rect.width * 4)).equals(Buffer.from(want)), `${name}: rect ${JSON.stringify(rect)}, row ${r}`);
      }
    }
  }
  // A file cut short before the rect's last row is damaged, not decoded into grey.
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'restart-420.jpg')));
  const declined = { corrupt: false };
  assert.equal(decodeJpegRect(bytes.subarray(0, Math.floor(bytes.length * 0.3)).slice().buffer, { x: 0, y: 0, width: 8, height: whole(bytes).height - 1 }, declined), undefined);
  assert.ok(declined.corrupt, 'a rect past the data that is there is damage, not grey');
});

test("a progressive file whose tables change between scans is the kernel's to decline, not damage: MozJPEG decodes it, whole, banded or by rect", async () => {
  const [, progressive] = (await madeFiles()).find(([name]) => name.startsWith('progressive 4:2:0'))!;
  // The file's own DQT again before its second scan: valid JPEG, which readMarkers() declines between scans.
  const segment = (marker: number) => {
    for (let i = 2; i < progressive.length; ) {
      const length = (progressive[i + 2]! << 8) | progressive[i + 3]!;
      if (progressive[i + 1] === marker) return { at: i, bytes: progressive.subarray(i, i + 2 + length) };
      i += 2 + length;
    }
    throw new Error(`no marker ${marker}`);
  };
  const dqt = segment(0xdb).bytes;
  const firstScan = segment(0xda);
  let second = firstScan.at + firstScan.bytes.length;
  while (!(progressive[second] === 0xff && progressive[second + 1]! >= 0xc0 && progressive[second + 1] !== 0xff && !(progressive[second + 1]! >= 0xd0 && progressive[second + 1]! <= 0xd7))) second++;
  const changed = new Uint8Array([...progressive.subarray(0, second), ...dqt, ...progressive.subarray(second)]);
  const declined = { corrupt: true };
  assert.equal(decodeJpegScaled(changed.slice().buffer, 2, declined), undefined);
  assert.equal(declined.corrupt, false, 'declined, not damaged');
  const full = await decodeJpeg(changed.slice().buffer);
  assert.deepEqual([full.width, full.height], [997, 613]);
  // From the source cache's shared memory, which MozJPEG's glue refuses: it gets a copy.
  const shared = new SharedArrayBuffer(changed.length);
  new Uint8Array(shared).set(changed);
  assert.ok(Buffer.from((await decodeJpeg(shared)).data).equals(Buffer.from(full.data)), 'the same pixels from shared memory');
  const rect = { corrupt: true };
  assert.equal(decodeJpegRect(changed.slice().buffer, { x: 0, y: 100, width: 997, height: 50 }, rect), undefined);
  assert.equal(rect.corrupt, false);
  const source = jpegRows(changed);
  assert.ok(source);
  const rows = await source.rows(100, 150);
  assert.ok(Buffer.from(rows.data).equals(Buffer.from(full.data.subarray(100 * 997 * 4, 150 * 997 * 4))), 'the rows of MozJPEG\'s whole decode');
});

/**
 * The first 16 hex digits of the sha256 of each case's pixels at full size and at 1/2, as recorded
 * at 2516d45: before full-size decodes went in bands, the Huffman lookahead grew to 12 bits and the
 * inverse DCTs were reworked, none of which may change a byte. The progressive cases are MozJPEG's
 * files: a new @jsquash/jpeg may write them otherwise, and then they are recorded again, once the
 * tests against MozJPEG pass.
 */
const RECORDED: Record<string, string> = {
  'sampling-444.jpg 1/1': '17a97f934e31f5bf',
  'sampling-444.jpg 1/2': 'd2703a0cccf98b4f',
  'sampling-422.jpg 1/1': '0fd3fadb8489354d',
  'sampling-422.jpg 1/2': 'ccb6425a7f7e2b28',
  'sampling-420.jpg 1/1': '7c3a454b4db524d8',
  'sampling-420.jpg 1/2': '18c89c82a7aed1c4',
  'sampling-440.jpg 1/1': '2117a34303d860bc',
  'sampling-440.jpg 1/2': 'e1348183cb7fae6c',
  'sampling-411.jpg 1/1': 'bbb91a87d55428da',
  'sampling-411.jpg 1/2': '56a1ab90c98b3c59',
  'restart-420.jpg 1/1': '7c3a454b4db524d8',
  'restart-420.jpg 1/2': '18c89c82a7aed1c4',
  'restart-grey.jpg 1/1': 'a2a0afee0ce1d98a',
  'restart-grey.jpg 1/2': '2b358a0cc93a5304',
  'grey.jpg 1/1': 'a2a0afee0ce1d98a',
  'grey.jpg 1/2': '2b358a0cc93a5304',
  'partial-mcu-301x245.jpg 1/1': '1caa70f535a69856',
  'partial-mcu-301x245.jpg 1/2': 'fc8849b9706b3b94',
  'orientation-1.jpg 1/1': 'd895cfc5402d90ae',
  'orientation-1.jpg 1/2': '86f5ba9093deea1a',
  'baseline 4:2:0 997x613 1/1': '1bb4963534f37a3b',
  'baseline 4:2:0 997x613 1/2': '705d03402f19b50e',
  'baseline 4:4:4 997x613 1/1': '036f18d3766dfd56',
  'baseline 4:4:4 997x613 1/2': '58e7b15e64e27e39',
  'baseline grey 997x613 1/1': '5ad90ed628ba932a',
  'baseline grey 997x613 1/2': 'b3cb924f8ae53449',
  'progressive 4:2:0 997x613 1/1': '2367e01692aa220a',
  'progressive 4:2:0 997x613 1/2': 'c42ce0cac917057c',
  'progressive 4:4:4 997x613 1/1': '53c9d71c5e2b8515',
  'progressive 4:4:4 997x613 1/2': 'af2cae6a40b0b08e',
  'progressive grey 997x613 1/1': 'a51090c88b7a9a6a',
  'progressive grey 997x613 1/2': '3321f9cad71bfed6',
};

test('full-size and 1/2 decodes give the pixels recorded before bands and the reworked inverse DCT', async () => {
  for (const [name, bytes] of await cases()) {
    for (const factor of [1, 2] as const) {
      const decoded = decodeJpegScaled(bytes.slice().buffer, factor);
      assert.ok(decoded, `${name} 1/${factor}: declined`);
      assert.equal(createHash('sha256').update(decoded.data).digest('hex').slice(0, 16), RECORDED[`${name} 1/${factor}`], `${name} 1/${factor}`);
    }
  }
});

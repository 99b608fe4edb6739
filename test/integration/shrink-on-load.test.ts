import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compare } from '../../tools/reference.ts';
import { crop } from '../../src/pipeline/steps/crop.ts';
import { orient } from '../../src/pipeline/steps/orient.ts';
import { resize } from '../../src/pipeline/steps/resize.ts';
import encodeJpegWasm from '@jsquash/jpeg/encode.js';
import { codecs, decodeImage } from '../helpers/pixels.ts';
import { FIXTURES, FIXTURE_CATALOG, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * Shrink-on-load end to end: what the server renders from a JPEG decoded at 1/2, 1/4 or 1/8 in the
 * DCT domain, against the same request rendered from MozJPEG's full decode and a pure Lanczos3
 * resize, the exact reference (PNG out, so no second lossy step hides a difference).
 */
const full = (name: string) => decodeImage(readFileSync(join(FIXTURES, name)));

describe('shrink-on-load', () => {
  let f: Fixture;
  let progressive: Uint8Array;
  before(async () => {
    await codecs();
    // A progressive file, as most web photos are (MozJPEG's defaults).
    progressive = new Uint8Array(await encodeJpegWasm((await full('orientation-3.jpg')) as ImageData, { quality: 85 }));
    f = await startFixture({ files: { ...FIXTURE_CATALOG, 'images/progressive.jpg': progressive } });
  });
  after(() => f.close());


  const cases = [
    {
      name: 'the standard task, 6 MP to 720x588 (decoded at 1/2)',
      query: 'photo-2725x2225.jpg?wid=720&hei=588&fit=stretch',
      reference: async () => resize(await full('photo-2725x2225.jpg'), 720, 588, { premultiply: false, allowBox: false }),
    },
    {
      name: 'a crop off the 1/4 grid, then 300x225',
      query: 'photo-2725x2225.jpg?crop=101,99,1202,901&wid=300&hei=225&fit=stretch',
      reference: async () => resize(crop(await full('photo-2725x2225.jpg'), { x: 101, y: 99, width: 1202, height: 901 }), 300, 225, { premultiply: false, allowBox: false }),
    },
    {
      name: 'EXIF orientation 6 (rotated), to 100 wide (decoded at 1/4)',
      query: 'orientation-6.jpg?wid=100',
      reference: async () => resize(orient(await full('orientation-6.jpg'), 6), 100, 75, { premultiply: false, allowBox: false }),
    },
    {
      name: 'a progressive JPEG, 600x450 to 200 wide (decoded at 1/2)',
      path: '/is/image/progressive.jpg?wid=200',
      reference: async () => resize(await decodeImage(progressive), 200, 150, { premultiply: false, allowBox: false }),
    },
  ];
  for (const c of cases) {
    test(c.name, async (t) => {
      const reply = await f.get(`${c.path ?? `/is/image/fixtures/${c.query}`}&fmt=png`);
      assert.equal(reply.status, 200, reply.text);
      const served = await decodeImage(reply.body);
      const reference = await c.reference();
      assert.deepEqual([served.width, served.height], [reference.width, reference.height]);
      const { psnr, maxDiff } = compare(served, reference);
      t.diagnostic(`PSNR ${psnr.toFixed(1)} dB, max diff ${maxDiff}`);
      assert.ok(psnr > 38, `PSNR ${psnr}`);
    });
  }
});

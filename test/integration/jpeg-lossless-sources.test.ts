import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { codecs } from '../helpers/pixels.ts';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { writeLosslessJpeg } from '../helpers/lossless-jpeg.ts';
import { firstDifference, hasTool, ppmOf, run, renderedPng, refused } from '../helpers/tools.ts';
import { encodeBaselineJpeg } from '../../src/image/jpeg.ts';

/**
 * Lossless JPEG (SOF3) sources through /is/image by a real server: every predictor, a point
 * transform with restart intervals, 12 and 16-bit grey, exactly; libjpeg-turbo's own lossless files
 * against djpeg where its cjpeg has -lossless (version 3); the decode's cost in the work estimate;
 * a damaged file a 403, the server serving on.
 */
const dir = temporaryFolder('isle-jpeg-lossless-');
const W = 37;
const H = 23;
let fixture: Fixture;

const CJPEG = hasTool('cjpeg') && hasTool('djpeg') ? false : 'cjpeg/djpeg not installed (Debian\'s libjpeg-turbo-progs)';
const CJPEG_LOSSLESS = CJPEG || (spawnSync('cjpeg', ['-help']).stderr.toString().includes('-lossless') ? false : 'this cjpeg has no -lossless (libjpeg-turbo 3 has it)');

/** Channel c of a test picture at (x, y), below 2^bits. */
const sample = (x: number, y: number, c: number, bits: number) => ((x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 29) * 7919) % (1 << bits);

function planes(count: number, bits: number): Uint16Array[] {
  return Array.from({ length: count }, (_, c) => Uint16Array.from({ length: W * H }, (_, i) => sample(i % W, Math.floor(i / W), c, bits)));
}

/** The 8-bit RGBA a render should give of planes (grey when one), each sample's low Pt bits zero, scaled from `bits`. */
function expected(source: Uint16Array[], bits: number, pt: number) {
  const max = (1 << bits) - 1;
  const data = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round((((source[source.length === 1 ? 0 : c]![i]! >> pt) << pt) * 255) / max);
    data[i * 4 + 3] = 255;
  }
  return { data, width: W, height: H };
}

const render = (file: string) => renderedPng(fixture!, file, `wid=${W}&fmt=png`);

const expect403 = (file: string, message: RegExp) => refused(fixture!, file, message);

before(async () => {
  await codecs();
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

const RGB = [0x52, 0x47, 0x42];

describe('lossless JPEG sources through /is/image', () => {
  for (let predictor = 1; predictor <= 7; predictor++) {
    test(`8-bit RGB, predictor ${predictor}: exactly the samples written`, async () => {
      const source = planes(3, 8);
      writeFileSync(join(dir, `p${predictor}.jpg`), writeLosslessJpeg({ planes: source, width: W, height: H, precision: 8, predictor, pointTransform: 0, ids: RGB }));
      const diff = firstDifference(await render(`p${predictor}.jpg`), expected(source, 8, 0));
      assert.equal(diff, undefined, diff);
    });
  }

  test('a point transform (Pt 2) with restart intervals: the first predictor is 2^(P-Pt-1) and samples come back shifted left by Pt', async () => {
    const source = planes(3, 8);
    writeFileSync(join(dir, 'pt.jpg'), writeLosslessJpeg({ planes: source, width: W, height: H, precision: 8, predictor: 4, pointTransform: 2, ids: RGB, restartRows: 5 }));
    const diff = firstDifference(await render('pt.jpg'), expected(source, 8, 2));
    assert.equal(diff, undefined, diff);
  });

  for (const [bits, pt] of [
    [12, 0],
    [16, 3],
  ] as const) {
    test(`${bits}-bit grey, Pt ${pt}: each sample scaled to 8 bits`, async () => {
      const source = planes(1, bits);
      writeFileSync(join(dir, `g${bits}.jpg`), writeLosslessJpeg({ planes: source, width: W, height: H, precision: bits, predictor: 7, pointTransform: pt, ids: [1] }));
      const diff = firstDifference(await render(`g${bits}.jpg`), expected(source, bits, pt));
      assert.equal(diff, undefined, diff);
    });
  }

  test('an AC-class Huffman table in the same slot does not replace the DC-class one the scan codes with', async () => {
    const source = planes(3, 8);
    const file = Buffer.from(writeLosslessJpeg({ planes: source, width: W, height: H, precision: 8, predictor: 1, pointTransform: 0, ids: RGB }));
    const sos = file.indexOf(Buffer.from([0xff, 0xda]));
    const acTable = Buffer.from([0xff, 0xc4, 0x00, 2 + 1 + 16 + 1, 0x10, 1, ...new Array(15).fill(0), 0x00]);
    writeFileSync(join(dir, 'ac-table.jpg'), Buffer.concat([file.subarray(0, sos), acTable, file.subarray(sos)]));
    const diff = firstDifference(await render('ac-table.jpg'), expected(source, 8, 0));
    assert.equal(diff, undefined, diff);
  });

  test('libjpeg-turbo\'s lossless file: exactly djpeg\'s decode', { skip: CJPEG_LOSSLESS }, async () => {
    writeFileSync(join(dir, 'src.ppm'), ppmOf(expected(planes(3, 8), 8, 0)));
    run(dir, 'cjpeg', '-rgb', '-lossless', '1,1', '-restart', '2', '-outfile', 'turbo.jpg', 'src.ppm');
    const ppm = run(dir, 'djpeg', '-ppm', 'turbo.jpg');
    const rgb = ppm.subarray(ppm.length - W * H * 3);
    const want = { data: Uint8Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 255 : rgb[(i >> 2) * 3 + (i % 4)]!)), width: W, height: H };
    const diff = firstDifference(await render('turbo.jpg'), want);
    assert.equal(diff, undefined, diff);
  });

  test('the work estimate counts the lossless decode in full: refused under a --max-request-work a baseline twin fits', async () => {
    const [w, h] = [300, 200];
    const source = Array.from({ length: 3 }, (_, c) => Uint16Array.from({ length: w * h }, (_, i) => (i * 7 + c * 50) & 255));
    writeFileSync(join(dir, 'work-lossless.jpg'), writeLosslessJpeg({ planes: source, width: w, height: h, precision: 8, predictor: 1, pointTransform: 0, ids: RGB }));
    const rgb = new Uint8ClampedArray(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : source[i % 4]![i >> 2]!));
    writeFileSync(join(dir, 'work-baseline.jpg'), new Uint8Array(encodeBaselineJpeg({ data: rgb, width: w, height: h }, { quality: 90, fullChroma: false, gray: false })));
    const tight = await startFixture({ config: { root: dir, 'max-request-work': '1' } });
    try {
      const fits = await tight.get('/is/image/work-baseline.jpg?wid=50&fmt=jpg');
      assert.equal(fits.status, 200, errorMessage(fits.text));
      const refused = await tight.get('/is/image/work-lossless.jpg?wid=50&fmt=jpg');
      assert.equal(refused.status, 403);
      assert.match(errorMessage(refused.text), /max-request-work/);
    } finally {
      await tight.close();
    }
  });

  test('a damaged lossless file (data cut short, a bad point transform) answers 403 and the server serves on', async () => {
    const good = writeLosslessJpeg({ planes: planes(3, 8), width: W, height: H, precision: 8, predictor: 1, pointTransform: 0, ids: RGB });
    const cut = Buffer.concat([good.subarray(0, good.length - 200), Buffer.from([0xff, 0xd9])]);
    writeFileSync(join(dir, 'cut.jpg'), cut);
    await expect403('cut.jpg', /corrupt/);
    const badPt = Buffer.from(good);
    badPt[badPt.indexOf(Buffer.from([0xff, 0xda])) + 2 + 2 + 1 + 6 + 2] = 9;
    writeFileSync(join(dir, 'badpt.jpg'), badPt);
    await expect403('badpt.jpg', /corrupt/);
    writeFileSync(join(dir, 'after.jpg'), readFileSync(join(dir, 'p1.jpg')));
    assert.equal((await fixture.get(`/is/image/after.jpg?wid=${W}&fmt=png`)).status, 200);
  });
});

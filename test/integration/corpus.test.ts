import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pngChromaticity } from '../../src/image/metadata.ts';
import { chromaticSpace, RGB_SPACES } from '../../src/image/rgb-spaces.ts';
import { decodeImage, decodePng16Reference } from '../helpers/pixels.ts';
import { CORPUS_SKIP, PHOTOS, PHOTOS_CATALOG, PNGSUITE, properties, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * The external corpus (real photos and PngSuite, looked for where test/helpers/server.ts says), an extra differential layer on
 * top of the suite's own fixtures. It runs where the corpus is, as in CI, and is left out, with one
 * line saying so, in a clone on its own.
 */

/** The corpus files that must be refused, and why. Everything else must render. */
const REFUSED: Record<string, RegExp> = {
  'truncated.jpg': /truncated/,
  'truncated.png': /truncated/,
  'corrupt-header.jpg': /could not be decoded|corrupt/,
  'giant-image.jpg': /too large/,
  '65536-uint32-limit.png': /too large/,
};

describe('the external corpus', { skip: CORPUS_SKIP }, () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'MaxPix=0,0\n',
        ...PHOTOS_CATALOG,
        'catalogs/suite.ini': `RootId=suite\nRootPath=${PNGSUITE}\nMaxPix=0,0\n`,
      },
      config: { workers: '2' },
    });
  });
  after(() => f.close());

  test('every corpus photo renders, or is refused with the reason it deserves', async () => {
    for (const name of readdirSync(PHOTOS).filter((n) => /\.(jpe?g|png)$/i.test(n))) {
      const r = await f.get(`/is/image/photos/${name}?wid=200&fmt=png`);
      if (REFUSED[name]) {
        assert.equal(r.status, 403, name);
        assert.match(properties(r.text).get('error.message') ?? '', REFUSED[name]!, name);
      } else {
        assert.equal(r.status, 200, `${name}: ${r.text.slice(0, 160)}`);
        assert.equal(r.body.readUInt32BE(16), 200, `${name} is 200 px wide`);
      }
    }
  });

  test('every deliberately corrupt PngSuite file (x*) is refused with a 403', async () => {
    const corrupt = readdirSync(PNGSUITE).filter((n) => n.startsWith('x') && n.endsWith('.png'));
    assert.ok(corrupt.length >= 14);
    for (const name of corrupt) {
      const r = await f.get(`/is/image/suite/${name}?wid=32&fmt=png`);
      assert.equal(r.status, 403, `${name}: ${r.text.slice(0, 160)}`);
      assert.ok(properties(r.text).get('error.message'), name);
    }
  });

  test('after the whole corpus the server still serves, with bounded memory', async (t) => {
    assert.equal((await f.get('/is/image/photos/320x240.jpg?wid=100')).status, 200);
    const { rss } = process.memoryUsage();
    const heaps = f.isle.context.pool.stats().heapBytes;
    t.diagnostic(`RSS ${(rss / 2 ** 20).toFixed(0)} MiB; worker WASM heaps ${heaps.map((h) => (h / 2 ** 20).toFixed(0)).join(', ')} MiB`);
    // Two workers each below the 1 GiB WASM ceiling, plus the main thread.
    assert.ok(rss < 3 * 2 ** 30, `RSS ${rss}`);
    for (const h of heaps) assert.ok(h <= 1024 * 2 ** 20, `heap ${h}`);
  });

  test('every valid PngSuite file renders with its pixels intact, or as its gAMA chunk says', async (t) => {
    const files = readdirSync(PNGSUITE).filter((n) => n.endsWith('.png') && !n.startsWith('x'));
    assert.ok(files.length > 150);
    const counts = { exact: 0, gamma: 0, chromaticities: 0 };
    for (const name of files) {
      const bytes = readFileSync(join(PNGSUITE, name));
      const expected = await decodeImage(bytes);
      const r = await f.get(`/is/image/suite/${name}?scl=1&fmt=png-alpha`);
      assert.equal(r.status, 200, `${name}: ${r.text.slice(0, 120)}`);
      const got = await decodeImage(r.body);
      assert.deepEqual([got.width, got.height], [expected.width, expected.height], name);
      const chromaticity = pngChromaticity(bytes);
      if (!chromaticity || !chromaticSpace(chromaticity)) {
        counts.exact++;
        assert.ok(Buffer.from(got.data).equals(Buffer.from(expected.data)), `${name}: pixels differ`);
      } else if (!chromaticity.chromaticities) {
        // Most PngSuite files say gAMA 1.0 (linear): each sample is v^(1/gamma) in light, then sRGB-encoded.
        counts.gamma++;
        // A 16-bit file is converted from its 16 bits (the reference decoder's 16-bit samples say what they are).
        const g = chromaticity.gamma!;
        const sixteen = bytes[24] === 16 ? (await decodePng16Reference(bytes)).data : undefined;
        const sample = (i: number) => (sixteen ? sixteen[i]! / 65535 : expected.data[i]! / 255);
        const want = (i: number) => Math.round(RGB_SPACES.srgb.encode(Math.pow(sample(i), 1 / g)) * 255);
        for (let i = 0; i < got.data.length; i += 4) {
          for (let c = 0; c < 3; c++) assert.ok(Math.abs(got.data[i + c]! - want(i + c)) <= 1, `${name}: byte ${i + c} is ${got.data[i + c]}, want ${want(i + c)}`);
        }
      } else counts.chromaticities++;
    }
    t.diagnostic(JSON.stringify(counts));
    assert.ok(counts.exact > 15 && counts.gamma > 100);
  });
});

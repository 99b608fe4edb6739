import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DAMAGED, pngMatrix, scene, toPixels } from '../../tools/fixtures/generate.ts';
import { CHANNELS } from '../../tools/fixtures/png-writer.ts';
import { decodeImage, meanDiff } from '../helpers/pixels.ts';
import { errorMessage, FIXTURE_CATALOG, FIXTURES, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * Every kind of source the suite generates (tools/fixtures/generate.ts), through the server: JPEG
 * structures from our writer and MozJPEG, the PNG matrix with exact expected pixels, and the
 * damaged files with the reason each deserves.
 */

let f: Fixture;
before(async () => {
  f = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n', ...FIXTURE_CATALOG }, config: { 'max-source-pixels': '50000000' } });
});
after(() => f.close());

const render = async (name: string, query: string) => {
  const r = await f.get(`/is/image/fixtures/${name}?${query}`);
  assert.equal(r.status, 200, `${name}?${query}: ${r.text.slice(0, 200)}`);
  return decodeImage(r.body);
};

describe('JPEG sources', () => {
  const structures = ['sampling-444', 'sampling-422', 'sampling-420', 'sampling-440', 'sampling-411', 'rgb-adobe', 'restart-420', 'partial-mcu-301x245', '320x240', 'progressive', 'photo-2725x2225'];

  test('every sampling, restart markers, partial MCUs, Adobe RGB, progressive: full size and scaled, close to the scene', async () => {
    for (const name of structures) {
      const full = await render(`${name}.jpg`, 'scl=1&fmt=png');
      const diff = meanDiff(full, toPixels(full.width, full.height, scene(full.width, full.height)));
      assert.ok(diff < 4, `${name} at full size differs from the scene by ${diff.toFixed(2)}`);
      // A quarter of the size takes the scaled decode where the file allows it.
      const width = Math.round(full.width / 4);
      const small = await render(`${name}.jpg`, `wid=${width}&fmt=png`);
      const reference = toPixels(small.width, small.height, scene(small.width, small.height));
      const scaled = meanDiff(small, reference);
      assert.ok(scaled < 12, `${name} at 1/4 differs from the scene by ${scaled.toFixed(2)}`);
    }
  });

  test('grey files, with and without restart markers, come out grey and close to the scene’s luma', async () => {
    for (const name of ['grey', 'restart-grey']) {
      const image = await render(`${name}.jpg`, 'scl=1&fmt=png');
      const target = toPixels(image.width, image.height, scene(image.width, image.height));
      let sum = 0;
      for (let i = 0; i < image.data.length; i += 4) {
        assert.ok(image.data[i] === image.data[i + 1] && image.data[i] === image.data[i + 2], `${name}: grey pixels`);
        sum += Math.abs(image.data[i]! - (0.299 * target.data[i]! + 0.587 * target.data[i + 1]! + 0.114 * target.data[i + 2]!));
      }
      assert.ok(sum / (image.data.length / 4) < 3, `${name} luma`);
    }
  });
});

describe('PNG sources', () => {
  test('every colour type and bit depth, plain and interlaced, with tRNS, renders with the pixels it was written with', async () => {
    const matrix = pngMatrix();
    assert.equal(matrix.length, 35);
    for (const { name, spec } of matrix) {
      const got = await render(name, 'scl=1&fmt=png-alpha');
      assert.deepEqual([got.width, got.height], [spec.width, spec.height], name);
      const max = 2 ** spec.depth - 1;
      const to8 = (v: number) => Math.round((v * 255) / max);
      const channels = CHANNELS[spec.colourType];
      const key = spec.transparency && spec.colourType !== 3 ? spec.transparency : undefined;
      let worst = 0;
      for (let y = 0; y < spec.height; y++) {
        for (let x = 0; x < spec.width; x++) {
          const samples = Array.from({ length: channels }, (_, c) => spec.sample(x, y, c));
          let rgba: number[];
          if (spec.colourType === 3) rgba = [...spec.palette![samples[0]!]!, spec.transparency?.[samples[0]!] ?? 255];
          else if (spec.colourType === 0) rgba = [to8(samples[0]!), to8(samples[0]!), to8(samples[0]!), 255];
          else if (spec.colourType === 4) rgba = [to8(samples[0]!), to8(samples[0]!), to8(samples[0]!), to8(samples[1]!)];
          else if (spec.colourType === 2) rgba = [...samples.map(to8), 255];
          else rgba = samples.map(to8);
          if (key && samples.every((v, c) => v === key[c])) rgba[3] = 0;
          const i = (y * spec.width + x) * 4;
          // A fully transparent pixel's colour is not part of the image.
          const compared = rgba[3] === 0 ? [3] : [0, 1, 2, 3];
          for (const c of compared) worst = Math.max(worst, Math.abs(got.data[i + c]! - rgba[c]!));
        }
      }
      assert.ok(worst <= (spec.depth === 16 ? 1 : 0), `${name}: a sample is off by ${worst}`);
    }
  });
});

describe('damaged and hostile sources', () => {
  test('each is refused with a 403 and the reason it deserves, and the server still serves', async () => {
    for (const [name, reason] of Object.entries(DAMAGED)) {
      const r = await f.get(`/is/image/fixtures/${name}?wid=100&fmt=png`);
      assert.equal(r.status, 403, `${name}: ${r.text.slice(0, 160)}`);
      assert.match(errorMessage(r.text), reason, name);
    }
    assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=50')).status, 200);
  });

  test('the fixture folder holds every kind the suite promises, and nothing unaccounted for', () => {
    const files = readdirSync(FIXTURES);
    const known = new Set([...Object.keys(DAMAGED), ...pngMatrix().map((p) => p.name)]);
    for (let o = 1; o <= 8; o++) known.add(`orientation-${o}.jpg`);
    for (const n of ['cmyk', 'ycck', 'sampling-444', 'sampling-422', 'sampling-420', 'sampling-440', 'sampling-411', 'rgb-adobe', 'grey', 'restart-420', 'restart-grey', 'partial-mcu-301x245', '320x240', 'progressive', 'photo-2725x2225']) known.add(`${n}.jpg`);
    assert.deepEqual(files.filter((n) => !known.has(n)), []);
    assert.deepEqual([...known].filter((n) => !files.includes(n)), []);
  });
});

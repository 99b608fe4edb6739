import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/** The view's filters: op_blur, op_sharpen, op_usm and the colour filters. */

describe('filters: op_blur, op_sharpen, op_usm', () => {
  let f: Fixture;
  before(async () => {
    // A hard vertical edge: black left, white right.
    const edge = synth(200, 100, (x) => (x < 100 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/edge.png': await encodeImage(edge, 'png') } });
  });
  after(() => f.close());

  const row = async (query: string) => {
    const r = await f.get(`/is/image/edge.png?fmt=png&scl=1&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    const image = await decodeImage(r.body);
    return Array.from({ length: 200 }, (_, x) => pixelAt(image, x, 50)[0]);
  };

  test('op_blur softens the edge; far from it the image is unchanged', async () => {
    const plain = await row('');
    const blurred = await row('op_blur=3');
    assert.deepEqual([plain[98], plain[101]], [0, 255]);
    assert.ok(blurred[98]! > 20 && blurred[101]! < 235, `${blurred.slice(95, 105)}`);
    assert.deepEqual([blurred[50], blurred[150]], [0, 255]);
  });

  test('op_usm pushes both sides of an edge apart; its threshold leaves small differences alone', async () => {
    const grey = synth(200, 100, (x) => (x < 100 ? [100, 100, 100, 255] : [150, 150, 150, 255]));
    const g = await startFixture({ files: { 'catalogs/default.ini': '', 'images/g.png': await encodeImage(grey, 'png') } });
    try {
      const probe = async (q: string) => {
        const image = await decodeImage((await g.get(`/is/image/g.png?fmt=png&scl=1&${q}`)).body);
        return [pixelAt(image, 99, 50)[0], pixelAt(image, 100, 50)[0]];
      };
      assert.deepEqual(await probe(''), [100, 150]);
      const [dark, light] = await probe('op_usm=2,2,0,0');
      assert.ok(dark! < 100 && light! > 150, `${dark}, ${light}`);
      assert.deepEqual(await probe('op_usm=2,2,255,0'), [100, 150], 'nothing passes a 255 threshold');
      const [mDark, mLight] = await probe('op_usm=2,2,0,1');
      assert.ok(mDark! < 100 && mLight! > 150, 'monochrome');
      const [sDark, sLight] = await probe('op_sharpen=1');
      assert.ok(sDark! < 100 && sLight! > 150, `op_sharpen ${sDark}, ${sLight}`);
      // At a quarter of the size op_usm's radius shrinks with the image; op_usmR's does not.
      const small = async (q: string) => (await g.get(`/is/image/g.png?fmt=png&wid=50&${q}`)).body;
      assert.notDeepEqual(await small('op_usm=1,8,0'), await small('op_usmR=1,8,0'));
    } finally {
      await g.close();
    }
  });

  test('op_usm ranges are checked; op_usmR takes its radius as given', async () => {
    for (const q of ['op_usm=6', 'op_usm=1,251', 'op_usm=1,1,256', 'op_usm=1,1,1,2', 'op_blur=101', 'op_sharpen=2']) {
      assert.equal((await f.get(`/is/image/edge.png?${q}`)).status, 403, q);
    }
  });
});

describe('colour filters', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': '',
        'images/flat.png': await encodeImage(synth(40, 20, () => [10, 20, 30, 255]), 'png'),
        'images/red.png': await encodeImage(synth(40, 20, () => [200, 0, 0, 255]), 'png'),
        'images/grey.png': await encodeImage(synth(40, 20, () => [128, 128, 128, 255]), 'png'),
      },
    });
  });
  after(() => f.close());

  const pixel = async (object: string, query: string) => {
    const r = await f.get(`/is/image/${object}?fmt=png&scl=1&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return pixelAt(await decodeImage(r.body), 20, 10);
  };

  test('each filter at a known value', async () => {
    assert.deepEqual(await pixel('flat.png', 'op_invert=1'), [245, 235, 225, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_invert=0'), [10, 20, 30, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_brightness=50'), [138, 148, 158, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_contrast=-100'), [128, 128, 128, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_saturation=-100'), [18, 18, 18, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_colorbalance=10,0,-10'), [36, 20, 5, 255]);
    // r-op-colorize: norm by default, so a flat grey becomes the colour; with off, 50% grey is the colour too.
    assert.deepEqual(await pixel('grey.png', 'op_colorize=255,0,0'), [255, 0, 0, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_colorize=255,0,0,off'), [36, 0, 0, 255]);
    const [r, g, b] = await pixel('red.png', 'op_hue=180');
    assert.ok(r < 60 && g > 60 && b > 60, `red turned half way round the hue circle: ${[r, g, b]}`);
  });

  test('filters apply in request order; noise is deterministic', async () => {
    assert.notDeepEqual(await pixel('flat.png', 'op_invert=1&op_brightness=50'), await pixel('flat.png', 'op_brightness=50&op_invert=1'));
    const a = (await f.get('/is/image/grey.png?fmt=png&op_noise=20,gaussian')).body;
    const b = (await f.get('/is/image/grey.png?fmt=png&op_noise=20,gaussian')).body;
    assert.deepEqual(a, b);
    const noisy = await decodeImage(a);
    const values = new Set(Array.from({ length: 40 }, (_, x) => pixelAt(noisy, x, 5)[0]));
    assert.ok(values.size > 5, 'the pixels vary');
  });

  test('out-of-range values are refused', async () => {
    for (const q of ['op_brightness=101', 'op_contrast=-101', 'op_saturation=x', 'op_hue=181', 'op_colorbalance=1,2', 'op_invert=2', 'op_noise=101', 'op_noise=10,pink', 'op_colorize=nocolor']) {
      assert.equal((await f.get(`/is/image/flat.png?${q}`)).status, 403, q);
    }
  });
});

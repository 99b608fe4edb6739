import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, synth, worstDifference } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/*
 * r-rect (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-rect):
 * a large view is fetched in strips that stack into the whole view. With a neighbourhood filter
 * (op_usm, op_blur, op_sharpen) or op_noise, a strip must see the pixels around it that the whole
 * view's filter saw, and the same noise at the same pixel.
 */

/** A detailed 900x700 source: fine stripes, a checkerboard and sharp edges, so every filter shows. */
const detailed = () =>
  synth(900, 700, (x, y) => {
    const v = ((x * 37) ^ (y * 53)) & 255;
    const edge = x > 450 ? 200 : 40;
    return [v, (edge + ((x >> 3) & 1) * 40) & 255, (Math.floor(y / 5) % 2) * 180 + 30, 255];
  });

const FILTERS = ['op_usm=4,2,0,0', 'op_usm=1.75,0.3,2,0', 'op_blur=3', 'op_sharpen=1', 'op_noise=30', 'op_noise=20,gaussian,1', 'op_blur=2&op_usm=2,1,0,0'];

describe('tiles and strips of a filtered view', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'MaxPix=2000,2000\n',
        'images/detail.png': await encodeImage(detailed(), 'png'),
        // A JPEG is decoded at 1/2, 1/4 or 1/8 of its size for small views (shrink-on-load).
        'images/detail.jpg': await encodeImage(detailed(), 'jpeg'),
      },
    });
  });
  after(() => f.close());

  const render = async (query: string, object = 'detail.png') => {
    const r = await f.get(`/is/image/${object}?fmt=png&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };

  for (const filter of FILTERS) {
    test(`strips of rect= stack into the whole view with ${filter}`, async () => {
      for (const view of ['scl=1', 'wid=613']) {
        const whole = await render(`${view}&${filter}`);
        const strip = 97;
        for (let y = 0; y < whole.height; y += strip) {
          const height = Math.min(strip, whole.height - y);
          const part = await render(`${view}&${filter}&rect=0,${y},${whole.width},${height}`);
          assert.deepEqual([part.width, part.height], [whole.width, height]);
          const { levels, at } = worstDifference(whole, part, 0, y);
          assert.ok(levels <= 2, `${view} strip at y=${y}: ${levels} levels at ${at}`);
        }
      }
    });
  }

  test('tiles of a padded view match it, the edge tile at its border with the bgc padding too', async () => {
    for (const filter of ['op_usm=4,2,0,0', 'op_blur=3', 'op_noise=30']) {
      const view = `wid=500&hei=500&bgc=f5f5f5&${filter}`;
      const whole = await render(view);
      // The image is 500x389 in the middle: tiles of 128 cross its top and bottom edges.
      for (const [x, y] of [[0, 0], [128, 0], [256, 384], [384, 384], [384, 128]] as const) {
        const width = Math.min(128, 500 - x);
        const height = Math.min(128, 500 - y);
        const part = await render(`${view}&rect=${x},${y},${width},${height}`);
        const { levels, at } = worstDifference(whole, part, x, y);
        assert.ok(levels <= 2, `${filter} tile ${x},${y}: ${levels} levels at ${at}`);
      }
    }
  });

  test('a window of a rescaled view (rect=...,scale) is that view filtered, not a cut filtered alone', async () => {
    const whole = await render('wid=400&op_usm=4,2,0,0&rect=0,0,800,622,2');
    const part = await render('wid=400&op_usm=4,2,0,0&rect=200,300,200,100,2');
    const { levels, at } = worstDifference(whole, part, 200, 300);
    assert.ok(levels <= 2, `${levels} levels at ${at}`);
  });

  test('req=tile at pyramid levels: each 256-pixel tile of a sharpened, noisy view is that view there', async () => {
    for (const scl of [1, 2.5]) {
      const whole = await render(`scl=${scl}&op_usm=3,1.5,0,0&op_noise=10`);
      for (let y = 0; y < whole.height; y += 256) {
        for (let x = 0; x < whole.width; x += 256) {
          const [w, h] = [Math.min(256, whole.width - x), Math.min(256, whole.height - y)];
          const tile = await render(`req=tile&rect=${x},${y},${w},${h}&scl=${scl}&op_usm=3,1.5,0,0&op_noise=10`);
          const { levels, at } = worstDifference(whole, tile, x, y);
          assert.ok(levels <= 2, `scl=${scl} tile ${x},${y}: ${levels} levels at ${at}`);
        }
      }
    }
  });

  test('strips of a JPEG decoded at a smaller scale (shrink-on-load) join too', async () => {
    for (const filter of ['op_usm=4,2,0,0', 'op_blur=3', 'op_noise=30']) {
      const whole = await render(`wid=200&${filter}`, 'detail.jpg');
      for (let y = 0; y < whole.height; y += 41) {
        const height = Math.min(41, whole.height - y);
        const part = await render(`wid=200&${filter}&rect=0,${y},200,${height}`, 'detail.jpg');
        const { levels, at } = worstDifference(whole, part, 0, y);
        assert.ok(levels <= 2, `${filter} strip at y=${y}: ${levels} levels at ${at}`);
      }
    }
  });

  test('rgn= at scl=1 is that part of the whole view: filtered with the composite beyond its edge', async () => {
    for (const filter of ['op_usm=4,2,0,0', 'op_blur=3', 'op_sharpen=1', 'op_noise=30']) {
      const whole = await render(`scl=1&${filter}`);
      for (const [x, y, w, h] of [[100, 80, 300, 200], [0, 0, 450, 350], [600, 500, 300, 200]] as const) {
        const part = await render(`rgn=${x},${y},${w},${h}&scl=1&${filter}`);
        assert.deepEqual([part.width, part.height], [w, h]);
        const { levels, at } = worstDifference(whole, part, x, y);
        assert.ok(levels <= 2, `${filter} rgn=${x},${y},${w},${h}: ${levels} levels at ${at}`);
      }
    }
  });
});

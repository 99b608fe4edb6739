import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeImage, encodeImage, synth, worstDifference } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/*
 * op_noise on an effect layer (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-layer-effects)
 * is seeded by each pixel's place in the composite as drawn, as op_noise on a view is, so strips
 * (rect=) and tiles (req=tile) of a composite drawn at the view's scale stack into the whole view.
 */
let f: Fixture;
before(async () => {
  f = await startFixture({
    files: {
      'catalogs/default.ini': 'MaxPix=2000,2000\nDefaultPix=0,0\n',
      'images/card.png': await encodeImage(synth(500, 380, (x, y) => [(x * 3) & 255, 90, (y * 5) & 255, 255]), 'png'),
    },
  });
});
after(() => f.close());

const render = async (query: string) => {
  const r = await f.get(`/is/image?fmt=png&${query}`);
  assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
  return decodeImage(r.body);
};

const SHADOW = 'effect=-1&pos=24,18&color=203040&op_blur=6&op_noise=60';
const COMPOSITES = {
  'a layer effect': `layer=0&color=ffffff&size=900,700&layer=1&src=card.png&${SHADOW}`,
  "comp's effect": `bgc=ffffff&layer=0&color=00000000&size=900,700&layer=1&src=card.png&layer=comp&${SHADOW}`,
};

for (const [name, composite] of Object.entries(COMPOSITES)) {
  test(`strips of a composite with op_noise on ${name} stack into the whole view`, async () => {
    for (const view of ['wid=613', 'scl=1']) {
      const whole = await render(`${composite}&${view}`);
      for (let y = 0; y < whole.height; y += 97) {
        const height = Math.min(97, whole.height - y);
        const part = await render(`${composite}&${view}&rect=0,${y},${whole.width},${height}`);
        assert.deepEqual([part.width, part.height], [whole.width, height]);
        const { levels, at } = worstDifference(whole, part, 0, y);
        assert.ok(levels <= 2, `${view} strip at y=${y}: ${levels} levels at ${at}`);
      }
    }
  });
}

test('req=tile tiles of a composite with op_noise on a layer effect are the view there', async () => {
  const composite = COMPOSITES['a layer effect'];
  const whole = await render(`${composite}&scl=1.5`);
  for (let y = 0; y < whole.height; y += 256) {
    for (let x = 0; x < whole.width; x += 256) {
      const [w, h] = [Math.min(256, whole.width - x), Math.min(256, whole.height - y)];
      const tile = await render(`${composite}&req=tile&rect=${x},${y},${w},${h}&scl=1.5`);
      const { levels, at } = worstDifference(whole, tile, x, y);
      assert.ok(levels <= 2, `tile ${x},${y}: ${levels} levels at ${at}`);
    }
  }
});

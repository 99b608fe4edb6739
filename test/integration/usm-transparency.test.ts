import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Pixels } from '../../src/image/pixels.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/*
 * op_usm (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-op-usm)
 * on an image with transparency: the colour its transparent pixels happen to hold is no colour of
 * the image, so the subject's edge must not be sharpened against it.
 */
const SIZE = 120;
const GREY: [number, number, number] = [128, 128, 128];
const inside = (x: number, y: number) => x >= 30 && x < 90 && y >= 30 && y < 90;
/** A grey square cut out on transparent pixels that hold `hidden`. */
const cutout = (hidden: [number, number, number]) => synth(SIZE, SIZE, (x, y) => (inside(x, y) ? [...GREY, 255] : [...hidden, 0]));

let f: Fixture;
before(async () => {
  f = await startFixture({
    files: {
      'catalogs/default.ini': 'DefaultPix=0,0\n',
      'images/magenta.png': await encodeImage(cutout([255, 0, 255]), 'png'),
      'images/green.png': await encodeImage(cutout([0, 255, 0]), 'png'),
    },
  });
});
after(() => f.close());

const render = async (file: string, usm: string): Promise<Pixels> => {
  const r = await f.get(`/is/image/${file}?scl=1&fmt=png-alpha&${usm}`);
  assert.equal(r.status, 200, r.text.slice(0, 200));
  return decodeImage(r.body);
};

for (const usm of ['op_usm=5,4,0,0', 'op_usm=3,2,0,1', 'op_usmR=5,4,0,0']) {
  test(`${usm}: the grey subject's edge stays grey, whatever its transparent pixels hold`, async () => {
    const magenta = await render('magenta.png', usm);
    const green = await render('green.png', usm);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        if (!inside(x, y)) continue;
        const [r, g, b, a] = pixelAt(magenta, x, y);
        assert.equal(a, 255);
        assert.ok(Math.abs(r! - g!) <= 2 && Math.abs(b! - g!) <= 2, `${x},${y} is ${[r, g, b]}, not grey`);
        assert.deepEqual(pixelAt(green, x, y), pixelAt(magenta, x, y), `${x},${y}: the hidden colour changed it`);
      }
    }
  });
}

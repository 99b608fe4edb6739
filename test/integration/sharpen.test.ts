import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pixels } from '../../src/image/pixels.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { CORPUS_SKIP, PHOTOS_CATALOG, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * op_usm against its reference page
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-op-usm):
 * amount, radius (the Gaussian's, in full-resolution pixels, scaled down with the view), threshold,
 * monochrome. Radii under a pixel sharpen, as the presets real sites send expect.
 */

/** The share of pixels whose largest channel difference is `levels` or more. */
function changedShare(a: Pixels, b: Pixels, levels: number): number {
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = Math.max(Math.abs(a.data[i]! - b.data[i]!), Math.abs(a.data[i + 1]! - b.data[i + 1]!), Math.abs(a.data[i + 2]! - b.data[i + 2]!));
    if (d >= levels) changed++;
  }
  return changed / (a.data.length / 4);
}

describe('op_usm with radii under a pixel', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        ...PHOTOS_CATALOG,
        // One bright pixel at (20, 10) on grey 100.
        'images/dot.png': await encodeImage(synth(41, 21, (x, y) => (x === 20 && y === 10 ? [200, 200, 200, 255] : [100, 100, 100, 255])), 'png'),
        // A dark portrait with some texture, for views padded with bgc.
        'images/portrait.png': await encodeImage(synth(200, 400, (x, y) => {
          const v = 30 + ((x * 13 + y * 7) % 23);
          return [v, v + 5, v + 10, 255];
        }), 'png'),
        // Bars 16 pixels wide of 90 and 150, 800 pixels wide: 2-pixel bars at wid=100.
        'images/bars.png': await encodeImage(synth(800, 400, (x) => (Math.floor(x / 16) % 2 ? [150, 150, 150, 255] : [90, 90, 90, 255])), 'png'),
      },
    });
  });
  after(() => f.close());

  const image = async (path: string, query: string) => {
    const r = await f.get(`/is/image/${path}?fmt=png&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };

  test('radius 0.3 at scl=1 lifts a bright pixel and darkens its neighbours', async () => {
    // The Gaussian integrated over each pixel: at sigma 0.3 each neighbour has 4.8% of the weight,
    // so the centre is 100 + 1.75 * 18 = 132 above its surround and the four next to it 7-8 lower.
    const out = await image('dot.png', 'scl=1&op_usm=1.75,0.3,2,0');
    const [centre] = pixelAt(out, 20, 10);
    assert.ok(centre! >= 225, `the dot: ${centre}`);
    for (const [x, y] of [[19, 10], [21, 10], [20, 9], [20, 11]] as const) {
      const [v] = pixelAt(out, x, y);
      assert.ok(v! <= 94 && v! >= 88, `next to the dot (${x},${y}): ${v}`);
    }
    assert.deepEqual(pixelAt(out, 5, 5), [100, 100, 100, 255], 'far away, unchanged');
  });

  test("the preset op_usm=1.75,0.3,2,0 at scl=1 changes at least 2% of a detailed photo's pixels by 3 levels", { skip: CORPUS_SKIP }, async () => {
    for (const photo of ['Landscape_1.jpg', '320x240.jpg']) {
      const plain = await image(`photos/${photo}`, 'scl=1');
      const sharp = await image(`photos/${photo}`, 'scl=1&op_usm=1.75,0.3,2,0');
      const share = changedShare(plain, sharp, 3);
      assert.ok(share >= 0.02, `${photo}: ${(share * 100).toFixed(2)}%`);
    }
  });

  test('a radius scaled below 0.25 px is held at 0.25 px, so small views still sharpen (decision)', async () => {
    // At wid=100 the 800-wide source's radius 0.5 would be 0.0625 px.
    const scaled = await image('bars.png', 'wid=100&op_usm=4,0.5,0,0');
    const held = await image('bars.png', 'wid=100&op_usmR=4,0.25,0,0');
    assert.deepEqual(scaled.data, held.data);
    const plain = await image('bars.png', 'wid=100');
    const share = changedShare(plain, scaled, 3);
    assert.ok(share > 0.5, `the bars' edges are sharpened: ${(share * 100).toFixed(1)}% changed`);
    const dot = await image('dot.png', 'scl=1&op_usmR=2,0.25,0,0');
    assert.ok(pixelAt(dot, 20, 10)[0]! >= 210, `0.25 px lifts the dot: ${pixelAt(dot, 20, 10)[0]}`);
  });

  test('on a view padded with bgc the padding stays bgc and the image edge has no outline (decision)', async () => {
    // The portrait fitted into 500x500 is 250x500 at x 125..374; r-bgc fills the rest.
    const padded = await image('portrait.png', 'wid=500&hei=500&bgc=f5f5f5&op_usm=1,1,8,0');
    const alone = await image('portrait.png', 'wid=250&hei=500&op_usm=1,1,8,0');
    assert.deepEqual([padded.width, padded.height, alone.width, alone.height], [500, 500, 250, 500]);
    for (const y of [0, 100, 250, 499]) {
      for (const x of [0, 124, 375, 499]) assert.deepEqual(pixelAt(padded, x, y), [0xf5, 0xf5, 0xf5, 255], `padding at ${x},${y}`);
      // The image area is the view sharpened without padding, its edge columns included.
      for (const x of [0, 1, 2, 124, 247, 248, 249]) assert.deepEqual(pixelAt(padded, 125 + x, y), pixelAt(alone, x, y), `image column ${x}, row ${y}`);
    }
  });
});

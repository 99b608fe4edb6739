import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { decodeImage, encodeImage, near, pixelAt, synth } from '../helpers/pixels.ts';
import type { Pixels } from '../../src/image/pixels.ts';

// Inner effects along the inside of the parent's edge, and what opac= on the parent gives its
// effects (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-layer-effects,
// https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-opac).

const WHITE = [255, 255, 255];
const BLUE = [0, 0, 255];
const RED = [255, 0, 0];
const probe = (image: Pixels, x: number, y: number, want: number[], what: string, tolerance = 2) => {
  const got = pixelAt(image, x, y).slice(0, want.length);
  assert.ok(near(got, want, tolerance), `${what} at ${x},${y}: ${got} is not ${want}`);
};

describe('layer effects', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'images/square.png': await encodeImage(synth(40, 40, () => [0, 0, 255, 255]), 'png'),
        'catalogs/t.ini': 'RootId=t\nDefaultPix=0,0\nBkgColor=ffffff\n',
      },
    });
  });
  after(() => f.close());

  const image = async (query: string) => {
    const r = await f.get(`/is/image/t?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 300)}`);
    return decodeImage(r.body);
  };
  // A blue 60x60 solid layer centred on a white 200x100 canvas: x 70..129, y 20..79.
  const SOLID = 'layer=0&color=ffffff&size=200,100&layer=1&color=0000ff&size=60,60';
  /** How many pixels from (x, y) rightwards are red. */
  const redRun = (img: Pixels, x: number, y: number) => {
    let n = 0;
    while (near(pixelAt(img, x + n, y).slice(0, 3), RED, 2)) n++;
    return n;
  };

  test('effect=1&op_grow=3 draws a 3-pixel band inside the edge, on a solid layer and an image layer', async () => {
    const solid = await image(`${SOLID}&effect=1&op_grow=3&color=ff0000&opac=100&fmt=png`);
    assert.equal(redRun(solid, 70, 50), 3, 'the band at the left edge is 3 pixels wide');
    assert.equal(redRun(solid, 127, 50), 3, 'and at the right edge');
    probe(solid, 100, 23, BLUE, 'below the top band');
    probe(solid, 100, 22, RED, 'the top band');
    probe(solid, 100, 50, BLUE, 'the centre untouched');
    probe(solid, 69, 50, WHITE, 'outside untouched');
    probe(solid, 130, 50, WHITE, 'outside untouched');
    // The 40x40 image at x 80..119, y 30..69.
    const img = await image(`layer=0&color=ffffff&size=200,100&layer=1&src=square.png&effect=1&op_grow=3&color=ff0000&opac=100&fmt=png`);
    assert.equal(redRun(img, 80, 50), 3, 'the band inside the image');
    probe(img, 100, 50, BLUE, 'the image inside');
    probe(img, 79, 50, WHITE, 'outside the image');
  });

  test('on a text layer the band follows the glyphs, inside them only', async () => {
    const text = `layer=0&color=ffffff&size=300,160&layer=1&textPs=${encodeURIComponent('\\fs240 IH')}`;
    const plain = await image(`${text}&fmt=png`);
    const banded = await image(`${text}&effect=1&op_grow=1&color=ff0000&opac=100&fmt=png`);
    let red = 0;
    let black = 0;
    for (let y = 0; y < plain.height; y++) {
      for (let x = 0; x < plain.width; x++) {
        const before = pixelAt(plain, x, y).slice(0, 3);
        const after = pixelAt(banded, x, y).slice(0, 3);
        if (near(before, WHITE, 0)) assert.deepEqual(after, before, `outside the glyphs at ${x},${y}`);
        if (after[0]! > 150 && after[1]! < 100 && after[2]! < 100) red++;
        if (near(after, [0, 0, 0], 2)) black++;
      }
    }
    assert.ok(red > 200, `a red band inside the glyphs: ${red} pixels`);
    assert.ok(black > 100, `their inside away from the edges still black: ${black} pixels`);
  });

  test('effect=1&$shadow$ darkens the top and left inside edges (pos=5,5) and leaves the centre and the outside', async () => {
    const img = await image(`${SOLID}&effect=1&$shadow$&fmt=png`);
    const left = pixelAt(img, 71, 50)[2];
    const right = pixelAt(img, 128, 50)[2];
    const top = pixelAt(img, 100, 21)[2];
    const bottom = pixelAt(img, 100, 78)[2];
    assert.ok(left < 200 && top < 200, `the top and left inside edges are dark: ${left}, ${top}`);
    assert.ok(right > left + 40 && bottom > top + 40, `the opposite edges much less: ${right}, ${bottom}`);
    probe(img, 100, 50, BLUE, 'the centre');
    for (const [x, y] of [[69, 50], [130, 50], [100, 19], [100, 80], [66, 16]] as const) probe(img, x, y, WHITE, 'outside the parent');
  });

  test('effect=1&$glow$ brightens near the edges only', async () => {
    const img = await image(`${SOLID}&effect=1&$glow$&fmt=png`);
    const [r, g] = pixelAt(img, 71, 50);
    assert.ok(r > 60 && g > 60, `a light glow inside the left edge: ${pixelAt(img, 71, 50)}`);
    probe(img, 100, 50, BLUE, 'the centre');
    probe(img, 68, 50, WHITE, 'outside');
  });

  test('effects take the parent opacity, not its fill opacity', async () => {
    // The shadow sits 50 px right of the layer, over the white canvas; black at opacity o gives 255 * (1 - o).
    const shadowAt = async (opac: string, effectOpac: number) => {
      const img = await image(`${SOLID}&opac=${opac}&effect=-1&pos=80,0&color=000000&opac=${effectOpac}&fmt=png`);
      return { img, shadow: pixelAt(img, 170, 50)[0] };
    };
    // The page's example: the layer at 90 * 70 / 100 = 63%, its effect at 90 * 50 / 100 = 45%.
    const example = await shadowAt('90,70', 50);
    probe(example.img, 170, 50, [140, 140, 140], 'the effect at 45%');
    probe(example.img, 100, 50, [94, 94, 255], 'the layer at 63%');
    const half = await shadowAt('100,50', 100);
    assert.ok(half.shadow <= 1, `fill opacity 50 leaves the shadow whole: ${half.shadow}`);
    probe(half.img, 100, 50, [128, 128, 255], 'the layer at 50%');
    const none = await shadowAt('100,0', 100);
    assert.ok(none.shadow <= 1, `fill 0 keeps the shadow: ${none.shadow}`);
    probe(none.img, 100, 50, WHITE, 'the layer itself gone');
    probe((await shadowAt('50', 100)).img, 170, 50, [128, 128, 128], 'opacity alone still fades the effect');
  });

  test("on a single image (comp's effects) the fill opacity fades the image, not its shadow", async () => {
    // The 40x40 image, extended to 50x50; its shadow 5..44 under it and past it.
    const alphas = async (opac: string) => {
      const img = await image(`src=square.png&extend=0,0,10,10&opac=${opac}&effect=-1&pos=5,5&opac=100&fmt=png-alpha`);
      return { shadow: pixelAt(img, 42, 42)[3], image: pixelAt(img, 20, 20)[3] };
    };
    assert.deepEqual(await alphas('100,0'), { shadow: 255, image: 0 }, 'fill 0: the shadow alone');
    const both = await alphas('50,50');
    assert.ok(Math.abs(both.shadow - 128) <= 1 && Math.abs(both.image - 64) <= 1, `opacity 50 fades both, fill 50 the image again: ${JSON.stringify(both)}`);
  });
});

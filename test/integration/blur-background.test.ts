import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pixels } from '../../src/image/pixels.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/*
 * r-op-blur's example (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-op-blur):
 * "Blur the background of an image. A separate mask image is referenced by catalog::MaskPath":
 * `wid=500&layer=0&maskUse=invert&op_blur=20&layer=1&src=myRootId/myImageId`. Layer 0 is the
 * photo with its mask inverted (the background), blurred; layer 1 the same photo with its mask
 * (the subject), sharp. The background must stay the photo's, blurred, right up to the subject:
 * no band of the canvas showing through around it.
 */

const SIZE = 400;
const CENTRE = 200;
const RADIUS = 100;
const SUBJECT: [number, number, number] = [220, 30, 30];
/** Stripes of dark and mid green, 4 px each: a texture whose blur is an even green. */
const background = (x: number): [number, number, number] => (x >> 2) % 2 ? [40, 120, 60] : [20, 80, 40];
const inside = (x: number, y: number) => (x + 0.5 - CENTRE) ** 2 + (y + 0.5 - CENTRE) ** 2 < RADIUS ** 2;

describe("r-op-blur's example: the background blurred around a masked subject", () => {
  let f: Fixture;
  before(async () => {
    const photo = synth(SIZE, SIZE, (x, y) => [...(inside(x, y) ? SUBJECT : background(x)), 255]);
    const mask = synth(SIZE, SIZE, (x, y) => (inside(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    f = await startFixture({
      files: {
        'images/photo.png': await encodeImage(photo, 'png'),
        'images/photo-mask.png': await encodeImage(mask, 'png'),
        'catalogs/cat.ini': 'RootId=cat\nCatalogFile=cat.txt\nBkgColor=ffffff\nDefaultPix=0,0\n',
        // A green disc cut out on transparent pixels that hold white (as some editors store them).
        'images/cutout.png': await encodeImage(synth(200, 200, (x, y) => ((x - 99.5) ** 2 + (y - 99.5) ** 2 < 60 ** 2 ? [0, 200, 0, 255] : [255, 255, 255, 0])), 'png'),
        'catalogs/cat.txt': 'Id\tPath\tMaskPath\nphoto\tphoto.png\tphoto-mask.png\n',
      },
    });
  });
  after(() => f.close());

  const render = async (query: string): Promise<Pixels> => {
    const r = await f.get(`/is/image/cat/photo?${query}`);
    assert.equal(r.status, 200, r.text.slice(0, 200));
    return decodeImage(r.body);
  };

  test('just outside the subject: the blurred photo, not the white canvas', async () => {
    const image = await render('scl=1&fmt=png&layer=0&maskUse=invert&op_blur=20&layer=1&src=cat/photo');
    // Probes along four directions, 1 to 40 px outside the subject's edge.
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
      for (const d of [1, 3, 6, 10, 15, 20, 30, 40]) {
        const x = CENTRE + dx * (RADIUS + d);
        const y = CENTRE + dy * (RADIUS + d);
        const [r, g, b] = pixelAt(image, Math.min(SIZE - 1, x), Math.min(SIZE - 1, y));
        // The blurred photo here is a mix of the stripes' greens and the subject's red: blue never
        // above 60; the canvas (white) would show as blue 255.
        assert.ok(b <= 60 && g <= 130, `${d} px outside towards ${dx},${dy}: ${[r, g, b]}`);
      }
    }
  });

  test('the subject stays sharp, and the background far from it is the even blur of its stripes', async () => {
    const image = await render('scl=1&fmt=png&layer=0&maskUse=invert&op_blur=20&layer=1&src=cat/photo');
    for (const d of [2, 10, 50]) {
      const [r, g, b] = pixelAt(image, CENTRE + RADIUS - d, CENTRE);
      assert.ok(Math.abs(r - SUBJECT[0]) <= 3 && Math.abs(g - SUBJECT[1]) <= 3 && Math.abs(b - SUBJECT[2]) <= 3, `${d} px inside: ${[r, g, b]}`);
    }
    const [r, g, b] = pixelAt(image, 10, 10);
    assert.ok(Math.abs(r - 30) <= 4 && Math.abs(g - 100) <= 4 && Math.abs(b - 50) <= 4, `corner: ${[r, g, b]}`);
  });

  test("at the page's wid=500 too (the view scaled after compositing)", async () => {
    const image = await render('wid=500&fmt=png&layer=0&maskUse=invert&op_blur=20&layer=1&src=cat/photo');
    const s = 500 / SIZE;
    for (const d of [2, 8, 16, 30]) {
      const [, g, b] = pixelAt(image, Math.round((CENTRE + RADIUS + d) * s), Math.round(CENTRE * s));
      assert.ok(b <= 60 && g <= 130, `${d} px outside: ${[g, b]}`);
    }
  });

  test("a blurred cut-out's soft edge is its own colour, not the colour its transparent pixels hold", async () => {
    const r = await f.get('/is/image/cat/cutout.png?scl=1&fmt=png-alpha&op_blur=6');
    assert.equal(r.status, 200, r.text.slice(0, 200));
    const image = await decodeImage(r.body);
    for (let x = 150; x < 185; x++) {
      const [red, green, blue, alpha] = pixelAt(image, x, 100);
      if (alpha >= 8) assert.ok(red <= 12 && blue <= 12 && green >= 185, `x=${x}: ${[red, green, blue, alpha]}`);
    }
    assert.ok(pixelAt(image, 165, 100)[3] > 20 && pixelAt(image, 165, 100)[3] < 235, 'the edge is soft');
  });
});

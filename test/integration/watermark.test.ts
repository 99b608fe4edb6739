import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import type { Pixels } from '../../src/image/pixels.ts';

// Watermarks as https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-watermarks
// and https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/attributes/r-watermark
// describe them: a catalog record laid over the target image before the view, sized (sizeN=) and
// aligned (align=) on it, with its opac= and blendMode=, never over the view's padding nor on
// thumbnails, off where a catalog's Watermark is empty.
const BLUE = [0, 0, 255];
const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const solid = (width: number, height: number, rgb: number[]) => encodeImage(synth(width, height, () => [rgb[0]!, rgb[1]!, rgb[2]!, 255]), 'png');
const rgb = (image: Pixels, x: number, y: number) => pixelAt(image, x, y).slice(0, 3);
const near = (actual: number[], expected: number[], tolerance = 2) => actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);

describe('watermarks', () => {
  let f: Fixture;
  const records = (extra = '') =>
    'Id\tPath\tModifier\nphoto\tphoto.png\t\n' +
    'wm\tmark.png\topac=50\n' +
    // View and request commands of a watermark record are ignored, align= aside.
    'wmfit\twide.png\tsizeN=0.9,0.9&align=-1,-1&wid=10&fmt=jpeg\n' +
    'wmscreen\tmark.png\tblendMode=screen\n' +
    'wmlarge\tlarge.png\t\n' +
    'wmhuge\thuge.png\t\n' +
    'wmgone\tgone.png\t\n' +
    // A template: a transparent 60x30 layer 0 with a black W on it, at the bottom-right corner.
    'wmtext\t\tlayer=0&size=60,30&layer=1&textPs={\\fs40 W}&layer=comp&align=1,1\n' +
    extra;
  before(async () => {
    const catalog = (id: string, watermark?: string, file = 'w.txt') => `RootId=${id}\nDefaultPix=0,0\nCatalogFile=${file}\n${watermark === undefined ? '' : `Watermark=${watermark}\n`}`;
    f = await startFixture({
      files: {
        'images/photo.png': await solid(200, 100, BLUE),
        'images/mark.png': await solid(20, 20, RED),
        'images/cmark.png': await solid(20, 20, RED),
        'images/wide.png': await solid(40, 20, RED),
        'images/large.png': await solid(300, 300, RED),
        'images/huge.png': await solid(400, 400, RED),
        'catalogs/default.ini': 'DefaultPix=0,0\nCatalogFile=default.txt\nWatermark=dwm\n',
        'catalogs/default.txt': 'Id\tPath\tModifier\ndwm\tmark.png\t\n',
        'catalogs/w.txt': records(),
        'catalogs/w.ini': `${catalog('w', 'wm')}SavePath=out\n`,
        'saves/out/.keep': '',
        'catalogs/fit.ini': catalog('fit', 'wmfit'),
        'catalogs/screen.ini': catalog('screen', 'wmscreen'),
        'catalogs/large.ini': catalog('large', 'wmlarge'),
        'catalogs/huge.ini': catalog('huge', 'wmhuge'),
        'catalogs/off.ini': catalog('off', ''),
        'catalogs/text.ini': catalog('text', 'wmtext'),
        'catalogs/inherit.ini': catalog('inherit'),
        'catalogs/bad.ini': catalog('bad', 'nowhere'),
        'catalogs/gone.ini': `${catalog('gone', 'wmgone')}DefaultImage=photo\n`,
        'catalogs/rs.ini': `${catalog('rs', 'wm', 'rs.txt')}RuleSetFile=rules.xml\n`,
        'catalogs/rs.txt': records('spared\tphoto.png\t\nscreened\tphoto.png\t\n'),
        'catalogs/rules.xml':
          '<ruleset><rule Name="spare" WaterMark=""><expression>^rs/spared</expression></rule>' +
          '<rule Name="enforce" WaterMark="wmscreen"><expression>^rs/screened</expression></rule></ruleset>',
        'catalogs/c.ini': catalog('c', 'wm', 'c.txt'),
        'catalogs/c.txt': 'Id\tPath\tModifier\nphoto\tphoto.png\t\nwm\tcmark.png\topac=50\n',
      },
      // The huge watermark alone (160000 pixels) passes the request's pixel budget.
      config: { 'max-request-pixels': '150000' },
    });
  });
  after(() => f.close());

  const image = async (path: string) => {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };

  test('laid over the target at its pixel size and centred, with its opac=, before the view scales both', async () => {
    const img = await image('/is/image/w/photo?fmt=png&wid=400&hei=400&bgc=00ff00');
    assert.deepEqual([img.width, img.height], [400, 400]);
    // The 200x100 target fills rows 100-300 at twice its size; the 20x20 mark is 40x40 at the centre.
    assert.ok(near(rgb(img, 200, 200), [128, 0, 127]), `half red over blue: ${rgb(img, 200, 200)}`);
    // Its edges (rows and columns 180 and 220) are resampled; inside it is about half red, outside blue.
    const marked = (p: number[]) => p[0]! > 90 && p[2]! < 170;
    for (const [x, y] of [[182, 182], [218, 218], [182, 218]] as const) assert.ok(marked(rgb(img, x, y)), `marked at ${x},${y}: ${rgb(img, x, y)}`);
    for (const [x, y] of [[176, 200], [224, 200], [200, 176], [200, 224]] as const) assert.ok(near(rgb(img, x, y), BLUE, 6), `blue at ${x},${y}: ${rgb(img, x, y)}`);
    assert.deepEqual(rgb(img, 200, 50), GREEN);
  });

  test('never over the padding wid= and hei= add, even when larger than the target', async () => {
    const img = await image('/is/image/large/photo?fmt=png&wid=400&hei=400&bgc=00ff00');
    for (const y of [0, 50, 99, 300, 350, 399]) for (const x of [0, 200, 399]) assert.deepEqual(rgb(img, x, y), GREEN, `padding at ${x},${y}`);
    for (const [x, y] of [[0, 100], [200, 200], [399, 299]] as const) assert.deepEqual(rgb(img, x, y), RED, `target at ${x},${y}`);
  });

  test('sizeN= scales it within a fraction of the target, keeping its shape; align= puts it at a corner; wid= and fmt= of the record are ignored', async () => {
    const img = await image('/is/image/fit/photo?fmt=png');
    assert.deepEqual([img.width, img.height], [200, 100]);
    // 40x20 within 180x90: 180x90, at the top-left corner.
    assert.deepEqual(rgb(img, 1, 1), RED);
    assert.deepEqual(rgb(img, 178, 88), RED);
    assert.deepEqual(rgb(img, 182, 50), BLUE);
    assert.deepEqual(rgb(img, 100, 92), BLUE);
  });

  test("blendMode= of the record's layer 0 mixes it with the target", async () => {
    assert.deepEqual(rgb(await image('/is/image/screen/photo?fmt=png'), 100, 50), [255, 0, 255]);
  });

  test('a template record makes a text watermark, aligned at a corner of the target', async () => {
    const img = await image('/is/image/text/photo?fmt=png');
    const dark = (x: number, y: number) => rgb(img, x, y).every((v) => v < 100);
    let [inside, outside] = [0, 0];
    for (let y = 0; y < 100; y++) for (let x = 0; x < 200; x++) if (dark(x, y)) (x >= 140 && y >= 70 ? inside++ : outside++);
    assert.ok(inside > 30 && outside === 0, `ink in the 60x30 corner: ${inside}, elsewhere: ${outside}`);
  });

  test('saved files are marked; a nested request is not, only the reply that holds it', async () => {
    const r = await f.get('/is/image/w/photo?req=saveToFile&name=marked.png&fmt=png');
    assert.equal(r.status, 200, r.text);
    const saved = await decodeImage(readFileSync(join(f.saves, 'out/marked.png')));
    assert.ok(near(rgb(saved, 100, 50), [128, 0, 127]), `saved centre ${rgb(saved, 100, 50)}`);
    const nested = await image(`/is/image/off/photo?fmt=png&layer=1&src=${encodeURIComponent('is{w/photo}')}`);
    assert.deepEqual(rgb(nested, 100, 50), BLUE);
  });

  test('not on thumbnails (req=tmb)', async () => {
    const marked = await image('/is/image/w/photo?fmt=png&wid=100&hei=100');
    const thumb = await image('/is/image/w/photo?req=tmb&fmt=png&wid=100&hei=100');
    assert.ok(!near(rgb(marked, 50, 50), BLUE), `the image reply is marked: ${rgb(marked, 50, 50)}`);
    assert.deepEqual(rgb(thumb, 50, 50), BLUE);
  });

  test('default::Watermark marks every catalog that sets none, and requests of no catalog; an empty Watermark turns it off', async () => {
    assert.deepEqual(rgb(await image('/is/image/inherit/photo?fmt=png'), 100, 50), RED);
    assert.deepEqual(rgb(await image('/is/image/photo.png?fmt=png'), 100, 50), RED);
    assert.deepEqual(rgb(await image('/is/image/off/photo?fmt=png'), 100, 50), BLUE);
  });

  test('a rule set may turn it off or choose another for the requests it matches (WaterMark override)', async () => {
    assert.ok(!near(rgb(await image('/is/image/rs/photo?fmt=png'), 100, 50), BLUE));
    assert.deepEqual(rgb(await image('/is/image/rs/spared?fmt=png'), 100, 50), BLUE);
    assert.deepEqual(rgb(await image('/is/image/rs/screened?fmt=png'), 100, 50), [255, 0, 255]);
  });

  test('a Watermark naming no record, or a record whose image is missing, is a 403 that says so', async () => {
    const r = await f.get('/is/image/bad/photo?fmt=png');
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /attribute::Watermark names no record of this catalog or the default catalog: nowhere/);
    // A missing watermark image is the server's setup, not a missing request image: no default image stands in.
    const gone = await f.get('/is/image/gone/photo?fmt=png');
    assert.equal(gone.status, 403);
    assert.match(errorMessage(gone.text), /The watermark wmgone names an image that is missing/);
  });

  test("its render is charged to the request's account", async () => {
    // The 200x100 target alone is well within --max-request-pixels; with the 400x400 mark it is not.
    const r = await f.get('/is/image/huge/photo?fmt=png');
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /limit of 150000 .*max-request-pixels/);
  });

  test("the render cache's key holds the watermark: a changed record or watermark file changes the reply", async () => {
    const path = '/is/image/c/photo?fmt=png';
    const first = await image(path);
    assert.ok(near(rgb(first, 100, 50), [128, 0, 127]));
    assert.deepEqual((await f.get(path)).body, (await f.get(path)).body);
    writeFileSync(join(f.catalogs, 'c.txt'), 'Id\tPath\tModifier\nphoto\tphoto.png\t\nwm\tcmark.png\topac=100\n');
    let centre = rgb(first, 100, 50);
    for (let i = 0; i < 50 && !near(centre, RED); i++) {
      await new Promise((r) => setTimeout(r, 100));
      centre = rgb(await image(path), 100, 50);
    }
    assert.deepEqual(centre, RED, 'the reloaded record applies');
    // The watermark's file replaced (another size, so its identity surely changes).
    writeFileSync(join(f.images, 'cmark.png'), await solid(24, 24, GREEN));
    assert.deepEqual(rgb(await image(path), 100, 50), GREEN);
  });
});

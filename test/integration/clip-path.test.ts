import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeJpeg } from '../../tools/fixtures/jpeg-writer.ts';
import { writeEps } from '../helpers/eps.ts';
import { decodePngReference, decodeWebp, pixelAt } from '../helpers/pixels.ts';
import { pathResources, tiffWithResources, withApp13, type Polygon } from '../helpers/photoshop-paths.ts';
import { errorMessage, properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { renderedPng, run, skipUnless } from '../helpers/tools.ts';

/**
 * clipPathE=, clipXPathE=, clipPath= and clipXPath= through /is/image: Photoshop paths embedded in
 * a JPEG (APP13), a TIFF (tag 34377), an EPS and a PSD at test time, listed by req=imageprops and
 * cut along, following the layer's transforms; explicit path data on image, comp, and self-sizing
 * solid and text layers; the 403s; the request's max-path-segments; and a ring against ImageMagick's
 * own clip.
 */
const dir = temporaryFolder('isle-clip-path-');
const W = 64;
const H = 48;
const RED: [number, number, number] = [220, 40, 40];
let fixture: Fixture;

const LEFT: Polygon = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]];
const TOP: Polygon = [[0, 0], [1, 0], [1, 0.5], [0, 0.5]];
const BOX: Polygon = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
const RESOURCES = pathResources({ Left: [LEFT], Top: [TOP], Box: [BOX] });

const render = (file: string, query: string) => renderedPng(fixture, file, `${query}&fmt=png-alpha`);
const alphaAt = (image: Parameters<typeof pixelAt>[0], x: number, y: number) => pixelAt(image, x, y)[3];
const props = async (file: string) => properties((await fixture.get(`/is/image/${file}?req=imageprops`)).text);

/** Whether each probe (x, y) is opaque (true) or transparent (false), as expected. */
function probe(image: Parameters<typeof pixelAt>[0], expected: [number, number, boolean][]): void {
  for (const [x, y, opaque] of expected) assert.equal(alphaAt(image, x, y), opaque ? 255 : 0, `alpha at ${x},${y}`);
}

before(async () => {
  const jpeg = writeJpeg({ width: W, height: H, colour: 'ycc', quality: 95 }, () => [...RED, 255]);
  writeFileSync(join(dir, 'paths.jpg'), withApp13(jpeg, RESOURCES));
  writeFileSync(join(dir, 'plain.jpg'), jpeg);
  writeFileSync(join(dir, 'blue.jpg'), writeJpeg({ width: W, height: H, colour: 'ycc', quality: 95 }, () => [0, 0, 255, 255]));
  writeFileSync(join(dir, 'paths.tif'), tiffWithResources(W, H, () => RED, RESOURCES));
  const samples = new Uint8Array(W * H * 3).map((_, i) => RED[i % 3]!);
  writeFileSync(join(dir, 'paths.eps'), writeEps({ width: W, height: H, mode: 3, samples, encoding: 'hex', photoshop: RESOURCES }));
  fixture = await startFixture({ files: { 'catalogs/shapes.ini': 'RootId=shapes\nDefaultPix=0,0\n' }, config: { root: dir, 'max-path-segments': '40' } });
});
after(() => fixture?.close());

test('an embedded path\'s records count against max-header-chunks: a JPEG with more is a 403 naming it', async () => {
  const jpeg = writeJpeg({ width: W, height: H, colour: 'ycc', quality: 95 }, () => [...RED, 255]);
  const ring = (n: number): Polygon => Array.from({ length: n }, (_, i) => [0.5 + 0.4 * Math.cos((2 * Math.PI * i) / n), 0.5 + 0.4 * Math.sin((2 * Math.PI * i) / n)]);
  const folder = temporaryFolder('isle-clip-chunks-');
  writeFileSync(join(folder, 'many.jpg'), withApp13(jpeg, pathResources({ Ring: [ring(150)] })));
  writeFileSync(join(folder, 'few.jpg'), withApp13(jpeg, pathResources({ Ring: [ring(8)] })));
  const f = await startFixture({ config: { root: folder, 'max-header-chunks': '100' } });
  try {
    const many = await f.get('/is/image/many.jpg?clipPathE=Ring&fmt=png-alpha');
    assert.equal(many.status, 403);
    assert.match(errorMessage(many.text), /max-header-chunks/);
    assert.equal((await f.get('/is/image/few.jpg?clipPathE=Ring&fmt=png-alpha')).status, 200);
  } finally {
    await f.close();
  }
});

describe('embedded paths listed by req=imageprops', () => {
  for (const file of ['paths.jpg', 'paths.tif', 'paths.eps']) {
    test(`${file}: the paths' names`, async () => {
      const p = await props(file);
      assert.deepEqual([p.get('image.embeddedPhotoshopPaths'), p.get('image.photoshopPathNames')], ['1', 'Left,Top,Box']);
    });
  }
  test('a JPEG without APP13: none', async () => {
    const p = await props('plain.jpg');
    assert.deepEqual([p.get('image.embeddedPhotoshopPaths'), p.get('image.photoshopPathNames')], ['0', '']);
  });
});

describe('clipPathE= and clipXPathE=', () => {
  for (const file of ['paths.jpg', 'paths.tif', 'paths.eps']) {
    test(`${file}: inside the path the image shows, outside it is transparent`, async () => {
      const image = await render(file, 'clipPathE=Box');
      assert.deepEqual([image.width, image.height], [W, H]);
      probe(image, [[32, 24], [17, 13], [46, 34]].map(([x, y]) => [x!, y!, true] as [number, number, boolean]));
      probe(image, [[4, 4], [60, 44], [14, 24], [50, 24]].map(([x, y]) => [x!, y!, false] as [number, number, boolean]));
      const [r, g, b] = pixelAt(image, 32, 24);
      assert.ok(Math.abs(r - RED[0]) <= 8 && Math.abs(g - RED[1]) <= 8 && Math.abs(b - RED[2]) <= 8, `${r},${g},${b}`);
    });
  }

  test('two names: their intersection; a name not found is ignored', async () => {
    const both = await render('paths.jpg', 'clipPathE=Left,Top');
    probe(both, [[10, 10, true], [50, 10, false], [10, 40, false], [50, 40, false]]);
    const unknown = await render('paths.jpg', 'clipPathE=Nowhere,Left');
    probe(unknown, [[10, 10, true], [10, 40, true], [50, 10, false], [50, 40, false]]);
    const none = await render('paths.jpg', 'clipPathE=Nowhere');
    probe(none, [[10, 10, true], [50, 40, true]]);
  });

  test('the path follows the image: cropped by crop=, scaled by wid=, mirrored by flip=, turned by rotate=', async () => {
    const cropped = await render('paths.jpg', 'crop=16,0,32,48&clipPathE=Left');
    assert.deepEqual([cropped.width, cropped.height], [32, 48]);
    probe(cropped, [[8, 24, true], [24, 24, false]]);
    const half = await render('paths.jpg', 'clipPathE=Left&wid=32');
    assert.deepEqual([half.width, half.height], [32, 24]);
    probe(half, [[4, 12, true], [28, 12, false]]);
    const flipped = await render('paths.jpg', 'layer=0&flip=lr&clipPathE=Left');
    probe(flipped, [[10, 24, false], [54, 24, true]]);
    const turned = await render('paths.jpg', 'layer=0&rotate=90&clipPathE=Left');
    assert.deepEqual([turned.width, turned.height], [H, W]);
    // The left half turned a quarter clockwise is the top half.
    probe(turned, [[24, 10, true], [24, 54, false]]);
  });

  test('clipXPathE= cuts the path out where clipPath= or clipPathE= is given, and is ignored alone', async () => {
    const cut = await render('paths.jpg', 'clipPathE=Nowhere&clipXPathE=Left');
    probe(cut, [[10, 24, false], [54, 24, true]]);
    const framed = await render('paths.jpg', 'clipPathE=Left&clipXPathE=Top');
    probe(framed, [[10, 10, false], [10, 40, true], [54, 40, false]]);
    const alone = await render('paths.jpg', 'clipXPathE=Left');
    probe(alone, [[10, 24, true], [54, 24, true]]);
  });

  test('on a layer: the layer is cut, what is under it shows', async () => {
    const image = await render('blue.jpg', 'layer=1&src=paths.jpg&clipPathE=Box');
    const [r0, , b0] = pixelAt(image, 4, 4);
    assert.ok(r0 < 40 && b0 > 200, 'layer 0 outside the path');
    const [r, , b] = pixelAt(image, 32, 24);
    assert.ok(r > 200 && b < 60, 'the clipped layer inside its path');
  });
});

describe('clipPath= and clipXPath= with explicit path data', () => {
  test('on layer=comp: the flattened composite is cut, every layer with it', async () => {
    const image = await render('blue.jpg', 'layer=1&src=paths.jpg&size=32,24&layer=comp&clipPath=M0,0L32,0L32,48L0,48Z');
    probe(image, [[10, 24, true], [24, 24, true], [40, 24, false], [60, 4, false]]);
    const [r, , b] = pixelAt(image, 24, 24);
    assert.ok(r > 200 && b < 60, 'layer 1 inside the path');
  });


  test('an image layer keeps the triangle, relative commands and curves included', async () => {
    const triangle = await render('plain.jpg', 'clipPath=M0,0L32,0L32,24Z');
    probe(triangle, [[28, 2, true], [2, 20, false], [50, 20, false]]);
    const relative = await render('plain.jpg', 'clipPath=m10,10l20,0,0,20,-20,0z');
    probe(relative, [[20, 20, true], [5, 5, false], [35, 35, false]]);
    // A curve bulging right of the line x = 40 between (40, 4) and (40, 44).
    const curve = await render('plain.jpg', 'clipPath=M40,4C60,4,60,44,40,44Z');
    probe(curve, [[48, 24, true], [36, 24, false], [62, 24, false]]);
    const cut = await render('plain.jpg', 'clipPath=M0,0L64,0L64,48L0,48Z&clipXPath=M16,12L48,12L48,36L16,36Z');
    probe(cut, [[4, 4, true], [32, 24, false]]);
  });

  test('a solid layer without size= is sized by its path, placed from layer 0\'s origin', async () => {
    // Layer 0's origin at its top-left: the path's coordinates are then the canvas's.
    const image = await render('plain.jpg', 'origin=0,0&layer=1&color=0,0,255&clipPath=M10,10L30,10L30,30L10,30Z');
    assert.deepEqual(pixelAt(image, 20, 20), [0, 0, 255, 255]);
    for (const [x, y] of [[5, 5], [35, 35], [20, 34]]) assert.ok(pixelAt(image, x!, y!)[0] > 200, `the image at ${x},${y}`);
    // Its origin= is on the layer, whose top-left is the path's extent's: 20x20 from the canvas's corner.
    const moved = await render('plain.jpg', 'origin=0,0&layer=1&color=0,0,255&clipPath=M10,10L30,10L30,30L10,30Z&origin=0,0');
    assert.deepEqual(pixelAt(moved, 2, 2), [0, 0, 255, 255]);
    assert.deepEqual(pixelAt(moved, 18, 18), [0, 0, 255, 255]);
    assert.ok(pixelAt(moved, 22, 22)[0] > 200);
  });

  test('a text layer without size= is laid out in its path\'s extent and clipped by it', async () => {
    const image = await render('plain.jpg', 'origin=0,0&layer=1&text=XXXX%20XXXX%20XXXX&clipPath=M2,2L30,2L2,30Z');
    let ink = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const [r] = pixelAt(image, x, y);
        // Outside the triangle (x + y > 32) and its edge, only the image shows.
        if (x + y > 33 || x > 31 || y > 31) assert.ok(r > 200, `the image at ${x},${y}`);
        else if (r < 100) ink++;
      }
    }
    assert.ok(ink > 10, `${ink} pixels of ink inside the path`);
  });

  test('layer 0 of a path naming only a catalog: a solid sized by its path', async () => {
    // On layer=0 (given in comp, the clip would be the composite's, and layer 0 would need size=).
    const reply = await fixture.get('/is/image/shapes?layer=0&color=0,0,255&clipPath=M0,0L20,0L20,10L0,10Z&fmt=png-alpha');
    assert.equal(reply.status, 200, errorMessage(reply.text));
    const image = await decodePngReference(reply.body);
    assert.deepEqual([image.width, image.height], [20, 10]);
    assert.deepEqual(pixelAt(image, 10, 5), [0, 0, 255, 255]);
  });

  test('scale=, rotate= and anchor= on a layer sized by its path: a 403 naming the command', async () => {
    for (const command of ['scale=2', 'rotate=30', 'anchor=1,1']) {
      const reply = await fixture.get(`/is/image/plain.jpg?layer=1&color=0,0,255&clipPath=M0,0L10,0L10,10Z&${command}`);
      assert.equal(reply.status, 403, command);
      assert.match(errorMessage(reply.text), new RegExp(`${command.split('=')[0]}= is not allowed`));
    }
  });

  test('path data outside the grammar: a 403 naming the command', async () => {
    for (const data of ['M0,0Q1,1,2,2', 'M0,0L1', 'Z']) {
      const reply = await fixture.get(`/is/image/plain.jpg?clipPath=${data}`);
      assert.equal(reply.status, 403, data);
      assert.match(errorMessage(reply.text), /clipPath/);
    }
  });

  test('more segments than max-path-segments: a 403 naming the limit', async () => {
    const star = `M0,0${Array.from({ length: 45 }, (_, i) => `L${(i * 7) % 64},${(i * 13) % 48}`).join('')}Z`;
    const reply = await fixture.get(`/is/image/plain.jpg?clipPath=${star}`);
    assert.equal(reply.status, 403);
    assert.match(errorMessage(reply.text), /max-path-segments/);
    assert.equal((await fixture.get('/is/image/plain.jpg?clipPath=M0,0L10,0L10,10Z&fmt=png')).status, 200);
  });

  test('fmt=auto keeps what a clip cuts transparent, as for a source with alpha; a clip that finds no path changes nothing', async () => {
    const png = await fixture.get('/is/image/paths.jpg?clipPathE=Box&fmt=auto', { accept: 'text/html,*/*' });
    assert.equal(png.headers['content-type'], 'image/png', 'PNG with alpha, not JPEG');
    probe(await decodePngReference(png.body), [[32, 24, true], [2, 2, false]]);
    const webp = await fixture.get('/is/image/plain.jpg?clipPath=M16,12L48,12L48,36L16,36Z&fmt=auto', { accept: 'image/webp,*/*' });
    assert.equal(webp.headers['content-type'], 'image/webp');
    probe(await decodeWebp(webp.body), [[32, 24, true], [2, 2, false]]);
    const none = await fixture.get('/is/image/plain.jpg?clipPathE=Nope&fmt=auto', { accept: 'text/html,*/*' });
    assert.equal(none.headers['content-type'], 'image/jpeg');
  });
});

const SKIP = skipUnless('convert');
describe('with ImageMagick: a PSD it writes, and its own clip', { skip: SKIP }, () => {
  test('clipPathE= cuts a PSD along its path', async () => {
    writeFileSync(join(dir, 'paths.8bim'), RESOURCES);
    run(dir, 'convert', '-size', `${W}x${H}`, 'xc:rgb(220,40,40)', '-profile', '8BIM:paths.8bim', '-depth', '8', 'paths.psd');
    assert.equal((await props('paths.psd')).get('image.photoshopPathNames'), 'Left,Top,Box');
    probe(await render('paths.psd', 'clipPathE=Box'), [[32, 24, true], [4, 4, false]]);
  });

  test('a ring of two subpaths cut as ImageMagick\'s -clip-path cuts it, hole included, away from its edges', async () => {
    const polygon = (rx: number, ry: number): Polygon => Array.from({ length: 12 }, (_, i) => [0.5 + rx * Math.cos((i * Math.PI) / 6), 0.5 + ry * Math.sin((i * Math.PI) / 6)]);
    writeFileSync(join(dir, 'ring.tif'), tiffWithResources(W, H, () => RED, pathResources({ Ring: [polygon(0.4, 0.35), polygon(0.15, 0.12)] })));
    run(dir, 'convert', 'ring.tif', '-alpha', 'set', '-channel', 'A', '-evaluate', 'set', '0', '+channel', '-clip-path', 'Ring', '-channel', 'A', '-evaluate', 'set', '100%', '+channel', '+clip', 'ring.ref.png');
    const want = await decodePngReference(readFileSync(join(dir, 'ring.ref.png')));
    const got = await render('ring.tif', 'clipPathE=Ring');
    let compared = 0;
    const near = [-2, -1, 0, 1, 2];
    for (let y = 2; y < H - 2; y++) {
      for (let x = 2; x < W - 2; x++) {
        const a = alphaAt(want, x, y);
        // ImageMagick's clip mask is not anti-aliased and samples pixels half a pixel from where
        // Isle's coverage does: compare where its 5x5 neighbourhood agrees, clear of any edge.
        if (near.some((dy) => near.some((dx) => alphaAt(want, x + dx, y + dy) !== a))) continue;
        assert.equal(alphaAt(got, x, y), a, `alpha at ${x},${y}`);
        compared++;
      }
    }
    assert.ok(compared > W * H * 0.5, `${compared} pixels compared`);
    assert.equal(alphaAt(got, 32, 24), 0, 'the hole');
  });
});

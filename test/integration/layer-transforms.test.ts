import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, near, pixelAt, synth } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

/** A layer's own transforms and settings: size, scale, flip, rotate, extend, bgColor, opac, res, and jpegSize. */

describe('layer transforms: size, scale, flip, rotate, extend', () => {
  let f: Fixture;
  before(async () => {
    // 200x100: left half red, right half blue, a green row at the top.
    const image = synth(200, 100, (x, y) => (y < 10 ? [0, 255, 0, 255] : x < 100 ? [255, 0, 0, 255] : [0, 0, 255, 255]));
    f = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/rb.png': await encodeImage(image, 'png') } });
  });
  after(() => f.close());

  const render = async (query: string) => {
    const r = await f.get(`/is/image/rb.png?fmt=png-alpha&scl=1&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };

  test('flip=lr mirrors, ud turns upside down, lrud both', async () => {
    const lr = await render('flip=lr');
    assert.deepEqual(pixelAt(lr, 20, 50), [0, 0, 255, 255]);
    const ud = await render('flip=ud');
    assert.deepEqual(pixelAt(ud, 20, 95), [0, 255, 0, 255]);
    assert.deepEqual(pixelAt(ud, 20, 50), [255, 0, 0, 255]);
    const both = await render('flip=lrud');
    assert.deepEqual(pixelAt(both, 20, 95), [0, 255, 0, 255]);
    assert.deepEqual(pixelAt(both, 20, 50), [0, 0, 255, 255]);
  });

  test('rotate=90/180/270 turn clockwise exactly', async () => {
    const r90 = await render('rotate=90');
    assert.deepEqual([r90.width, r90.height], [100, 200]);
    assert.deepEqual(pixelAt(r90, 95, 20), [0, 255, 0, 255], 'the top row is now the right column');
    assert.deepEqual(pixelAt(r90, 50, 20), [255, 0, 0, 255], 'the left half is now on top');
    const r180 = await render('rotate=180');
    assert.deepEqual(pixelAt(r180, 20, 95), [0, 255, 0, 255]);
    const r270 = await render('rotate=-90');
    assert.deepEqual(pixelAt(r270, 5, 20), [0, 255, 0, 255]);
    assert.deepEqual(pixelAt(r270, 50, 20), [0, 0, 255, 255]);
  });

  test('other angles turn clockwise on a canvas that grows, transparent (or bgc) around the image', async () => {
    const r30 = await render('rotate=30');
    assert.deepEqual([r30.width, r30.height], [224, 187]);
    assert.equal(pixelAt(r30, 0, 0)[3], 0, 'a transparent corner');
    assert.deepEqual(pixelAt(r30, 70, 93), [255, 0, 0, 255], 'the red half, left of centre');
    assert.deepEqual(pixelAt(r30, 150, 93), [0, 0, 255, 255], 'the blue half, right of centre');
    // Clockwise like the quarter turns: at 89 degrees the green top row is in the right column.
    const r89 = await render('rotate=89');
    assert.ok(near(pixelAt(r89, r89.width - 5, r89.height >> 1), [0, 255, 0, 255], 10), `${pixelAt(r89, r89.width - 5, r89.height >> 1)}`);
    const r45 = await render('rotate=45');
    assert.deepEqual([r45.width, r45.height], [213, 213]);
    const flat = await decodeImage((await f.get('/is/image/rb.png?fmt=png&scl=1&rotate=30&bgc=ffff00')).body);
    assert.deepEqual(pixelAt(flat, 0, 0), [255, 255, 0, 255]);
  });

  test('extendN= adds margins relative to the layer', async () => {
    const image = await render('extendN=0.1,0,0,0.5');
    assert.deepEqual([image.width, image.height], [220, 150]);
    assert.equal(pixelAt(image, 10, 50)[3], 0);
    assert.equal((await f.get('/is/image/rb.png?anchor=10,10&originN=0.5,0.5&wid=50')).status, 200, 'anchor/origin accepted');
    assert.equal((await f.get('/is/image/rb.png?anchor=x,10')).status, 403);
  });

  test('size= and scale= scale the layer before the view; extend= adds transparent margins', async () => {
    const sized = await render('size=50,0');
    assert.deepEqual([sized.width, sized.height], [50, 25]);
    const scaled = await render('scale=0.5');
    assert.deepEqual([scaled.width, scaled.height], [100, 50]);
    const extended = await render('extend=10,0,0,20');
    assert.deepEqual([extended.width, extended.height], [210, 120]);
    assert.equal(pixelAt(extended, 5, 50)[3], 0);
    assert.equal(pixelAt(extended, 50, 110)[3], 0);
    assert.deepEqual(pixelAt(extended, 15, 50), [255, 0, 0, 255]);
    const flattened = await decodeImage((await f.get('/is/image/rb.png?fmt=png&scl=1&extend=10,0,0,0&bgc=ffff00')).body);
    assert.deepEqual(pixelAt(flattened, 5, 50), [255, 255, 0, 255]);
  });

  test('the reference order: crop, then size, then rotate, then extend, then the view', async () => {
    // The top right quarter (100x50) -> size 50x25 -> turned 25x50 -> margins 35x60 -> viewed 70 wide.
    const image = await decodeImage((await f.get('/is/image/rb.png?fmt=png-alpha&cropN=0.5,0,0.5,0.5&size=50,0&rotate=90&extend=5,5,5,5&wid=70')).body);
    assert.deepEqual([image.width, image.height], [70, 120]);
    assert.equal(pixelAt(image, 3, 60)[3], 0, 'margin');
    assert.ok(near(pixelAt(image, 35, 60), [0, 0, 255, 255], 4), `${pixelAt(image, 35, 60)}: blue inside`);
    assert.ok(near(pixelAt(image, 55, 60), [0, 255, 0, 255], 30), `${pixelAt(image, 55, 60)}: the green top row turned to the right`);
  });
});

describe('bgColor, opac, res and jpegSize', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'Resolution=100\n',
        'images/rb.png': await encodeImage(synth(200, 100, (x) => (x < 100 ? [255, 0, 0, 255] : [0, 0, 255, 255])), 'png'),
        'images/noise.png': await encodeImage(synth(400, 300, (x, y) => [(x * 97 + y * 31) % 256, (x * 13 + y * 71) % 256, (x * y) % 256, 255]), 'png'),
      },
    });
  });
  after(() => f.close());

  const render = async (query: string) => {
    const r = await f.get(`/is/image/rb.png?scl=1&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };

  test('bgColor= fills what crop, rotate and extend add, before bgc is considered', async () => {
    const extended = await render('fmt=png-alpha&extend=10,0,0,0&bgColor=0,255,0');
    assert.deepEqual(pixelAt(extended, 5, 50), [0, 255, 0, 255]);
    const cropped = await render('fmt=png&crop=-10,0,110,100&bgColor=00ff00&bgc=ffffff');
    assert.deepEqual(pixelAt(cropped, 5, 50), [0, 255, 0, 255]);
    const half = await render('fmt=png-alpha&extend=10,0,0,0&bgColor=0,255,0,128');
    assert.equal(pixelAt(half, 5, 50)[3], 128, 'bgColor keeps its alpha');
  });

  test('opac= makes the layer translucent: flattened on bgc, or kept in an alpha format', async () => {
    assert.equal(pixelAt(await render('fmt=png-alpha&opac=50'), 50, 50)[3], 128);
    assert.equal(pixelAt(await render('fmt=png-alpha&opac=50,50'), 50, 50)[3], 64, 'opacity times fill');
    assert.ok(near(pixelAt(await render('fmt=png&opac=50&bgc=ffffff'), 50, 50), [255, 127, 127, 255], 2));
    assert.equal((await f.get('/is/image/rb.png?opac=101')).status, 403);
  });

  test('res= scales by res / Resolution; scale= wins over it', async () => {
    const half = await render('fmt=png&res=50');
    assert.deepEqual([half.width, half.height], [100, 50], 'Resolution=100 in the catalog');
    const scaled = await render('fmt=png&res=50&scale=2');
    assert.equal(scaled.width, 400);
  });

  test('jpegSize= lowers the quality until the file fits, and refuses what cannot fit', async () => {
    const full = await f.get('/is/image/noise.png?qlt=95');
    const fitted = await f.get('/is/image/noise.png?qlt=95&jpegSize=40');
    assert.ok(full.body.length > 40 * 1024, `the unconstrained file is ${full.body.length} bytes`);
    assert.equal(fitted.status, 200);
    assert.ok(fitted.body.length <= 40 * 1024, `${fitted.body.length} bytes`);
    const impossible = await f.get('/is/image/noise.png?jpegSize=1');
    assert.equal(impossible.status, 403);
    assert.match(properties(impossible.text).get('error.message') ?? '', /does not fit/);
  });
});

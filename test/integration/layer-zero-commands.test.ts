import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, near, pixelAt, synth } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

/** crop=, cropN=, dpr=, fmt=pjpeg and resMode= on a single image. */

/** Red encodes x, blue encodes y, as in render.test.ts. */
const gradient = () => synth(2000, 1000, (x, y) => [Math.round((x * 255) / 1999), 0, Math.round((y * 255) / 999), 255]);

describe('layer 0 and output commands', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'catalogs/default.ini': 'MaxPix=2000,2000\n', 'images/g.png': await encodeImage(gradient(), 'png') },
    });
  });
  after(() => f.close());

  const render = async (query: string) => {
    const r = await f.get(`/is/image/g.png?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };

  test('crop= takes a source region before the view; cropN= the same in fractions', async () => {
    for (const query of ['crop=500,0,1000,1000&scl=1&fmt=png', 'cropN=0.25,0,0.5,1&scl=1&fmt=png']) {
      const image = await render(query);
      assert.deepEqual([image.width, image.height], [1000, 1000], query);
      assert.ok(near(pixelAt(image, 0, 500), [64, 0, 128, 255], 2), `${query}: ${pixelAt(image, 0, 500)}`);
      assert.ok(near(pixelAt(image, 999, 500), [191, 0, 128, 255], 2), `${query}: ${pixelAt(image, 999, 500)}`);
    }
  });

  test('the view sizes the cropped image (a real-site cropN URL)', async () => {
    const image = await render('wid=218&hei=326&fmt=png&qlt=90%2c0&cropN=0.165,0,0.67,1&fit=crop');
    assert.deepEqual([image.width, image.height], [218, 326]);
  });

  test('a crop reaching outside the image is transparent there, or the background when flattened', async () => {
    const alpha = await render('crop=-100,0,300,100&scl=1&fmt=png-alpha');
    assert.deepEqual([alpha.width, alpha.height], [300, 100]);
    assert.equal(pixelAt(alpha, 50, 50)[3], 0);
    assert.ok(near(pixelAt(alpha, 150, 50), [6, 0, 13, 255], 2), `${pixelAt(alpha, 150, 50)}`);
    const flat = await render('crop=-100,0,300,100&scl=1&fmt=png&bgc=ff0000');
    assert.deepEqual(pixelAt(flat, 50, 50), [255, 0, 0, 255]);
  });

  test('bad crops are refused', async () => {
    // A zero size reaches the far edge (leniency.test.ts); a negative one or a start past the edge means nothing.
    for (const q of ['crop=0,0,-5,10', 'crop=1,2,3', 'cropN=0,0,1.5', 'cropN=0,0,-1,1', 'crop=a,b,c,d', 'crop=99999,0,0,10']) {
      assert.equal((await f.get(`/is/image/g.png?${q}`)).status, 403, q);
    }
  });

  test('dpr=on,v multiplies the requested size; capped at MaxPix keeping the aspect ratio; off is off', async () => {
    const size = async (q: string) => {
      const p = properties((await f.get(`/is/image/g.png?${q}&req=props`)).text);
      return `${p.get('image.width')}x${p.get('image.height')}`;
    };
    assert.equal(await size('wid=400&dpr=on,2'), '800x400');
    assert.equal(await size('wid=400&hei=100&fit=crop&dpr=on,3'), '1200x300');
    assert.equal(await size('wid=1500&dpr=on,2'), '2000x1000', 'capped at MaxPix width 2000');
    assert.equal(await size('wid=400&dpr=off'), '400x200');
    assert.equal((await f.get('/is/image/g.png?wid=400&dpr=on,0')).status, 403);
    assert.equal((await f.get('/is/image/g.png?wid=400&dpr=maybe')).status, 403);
  });

  test('fmt=pjpeg writes a progressive JPEG; pscan is accepted', async () => {
    const body = (await f.get('/is/image/g.png?wid=300&fmt=pjpeg&pscan=3')).body;
    assert.ok(body.includes(Buffer.from([0xff, 0xc2])), 'SOF2: progressive');
    const baseline = (await f.get('/is/image/g.png?wid=300&fmt=jpeg')).body;
    assert.ok(!baseline.includes(Buffer.from([0xff, 0xc2])));
    assert.equal((await f.get('/is/image/g.png?wid=300&fmt=pjpeg&pscan=9')).status, 403);
  });
});

describe('resMode', () => {
  test('each mode renders, the modes differ, a bad one is refused, ResMode is the default', async () => {
    const f = await startFixture({
      files: {
        'catalogs/default.ini': 'ResMode=2\n',
        'catalogs/sharp.ini': 'RootId=sharp\nResMode=4\n',
        'images/g.png': await encodeImage(synth(400, 300, (x, y) => [(x * 7) % 256, (y * 13) % 256, ((x ^ y) * 3) % 256, 255]), 'png'),
      },
    });
    try {
      const body = async (q: string) => {
        const r = await f.get(`/is/image/${q}&fmt=png`);
        assert.equal(r.status, 200, q);
        return r.body.toString('base64');
      };
      const modes = ['bilin', 'bicub', 'sharp2', 'bisharp'];
      const bodies = await Promise.all(modes.map((m) => body(`g.png?wid=150&resMode=${m}`)));
      assert.equal(new Set(bodies).size, 4, 'four different results');
      assert.equal(await body('g.png?wid=150&resMode=trilin'), bodies[0], 'trilin is bilinear');
      assert.equal(await body('g.png?wid=150&resMode=SHARP'), bodies[2], 'sharp is sharp2');
      assert.equal(await body('g.png?wid=150'), bodies[0], 'ResMode=2 (bilin) when resMode= is absent');
      assert.equal(await body('sharp/g.png?wid=150'), bodies[2], 'ResMode=4 (sharp2) in that catalog');
      assert.equal((await f.get('/is/image/g.png?wid=150&resMode=nearest')).status, 403);
    } finally {
      await f.close();
    }
  });
});

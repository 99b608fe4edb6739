import assert from 'node:assert/strict';
import UTIF from 'utif2';
import { after, before, describe, test } from 'node:test';
import { decodeImage, decodeWebp, encodeImage, near, pixelAt, synth } from '../helpers/pixels.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProfile } from '../../src/image/icc.ts';
import { isSrgb } from '../../src/image/icc-pcs.ts';
import { srgbProfile } from '../../src/image/icc-profiles.ts';
import { unlimited } from '../../src/protocol/account.ts';
import { extractIcc } from '../../src/image/metadata.ts';
import { FIXTURES, properties, startFixture, type Fixture } from '../helpers/server.ts';

/** Embedded profiles of any size (the server's bounds have tests of their own, icc-bomb.test.ts). */
const ANY_SIZE = { account: unlimited(), maxProfileBytes: Infinity };

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

describe('fmt=webp', () => {
  test('webp flattens, webp-alpha keeps alpha, lossless is exact, qlt sets the lossy quality', async () => {
    const half = synth(200, 100, (x, y) => (x < 100 ? [(x * 2) % 256, y * 2, 77, 255] : [0, 0, 0, 0]));
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/half.png': await encodeImage(half, 'png') } });
    try {
      const get = async (q: string) => {
        const r = await f.get(`/is/image/half.png?scl=1&${q}`);
        assert.equal(r.status, 200, `${q}: ${r.text.slice(0, 100)}`);
        assert.equal(r.headers['content-type'], 'image/webp');
        assert.equal(r.body.subarray(8, 12).toString(), 'WEBP');
        return r.body;
      };
      const lossless = await decodeWebp(await get('fmt=webp-alpha,,lossless'));
      assert.equal(pixelAt(lossless, 150, 50)[3], 0, 'transparent kept');
      assert.deepEqual(pixelAt(lossless, 40, 30), [80, 60, 77, 255], 'lossless is exact');
      const flat = await decodeWebp(await get('fmt=webp&bgc=ff0000'));
      assert.ok(near(pixelAt(flat, 150, 50), [255, 0, 0, 255], 8), `${pixelAt(flat, 150, 50)}`);
      const low = await get('fmt=webp&qlt=10');
      const high = await get('fmt=webp&qlt=95');
      assert.ok(low.length < high.length, `${low.length} < ${high.length}`);
      assert.equal((await get('fmt=web-alpha')).length > 0, true, 'the reference typo is accepted');
      assert.equal((await f.get('/is/image/half.png?fmt=webp,,zip')).status, 403);
      assert.equal((await f.get('/is/image/half.png?fmt=png,,lossless')).status, 403);
    } finally {
      await f.close();
    }
  });
});

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

describe('printRes and iccEmbed', () => {
  test('printRes= is written as the JPEG density and the PNG pHYs; iccEmbed=1 carries the output profile', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'catalogs/fixtures.ini': `RootId=fixtures\nRootPath=${FIXTURES}\n` } });
    try {
      const jpeg = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&printRes=300')).body;
      assert.equal(jpeg.subarray(6, 11).toString('latin1'), 'JFIF\0');
      assert.deepEqual([jpeg[13], jpeg.readUInt16BE(14), jpeg.readUInt16BE(16)], [1, 300, 300]);
      const png = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&fmt=png&printRes=254')).body;
      const phys = png.indexOf('pHYs');
      assert.ok(phys > 0);
      assert.deepEqual([png.readUInt32BE(phys + 4), png[phys + 12]], [10000, 1]);
      assert.equal((await decodeImage(png)).width, 100, 'still a valid PNG');

      // 320x240.jpg carries an ICC profile (sRGB's primaries, a 2.2 gamma): its pixels are converted
      // to sRGB, so sRGB's profile is what describes the reply.
      const profile = Buffer.from(srgbProfile());
      assert.ok(extractIcc(readFileSync(join(FIXTURES, '320x240.jpg')), ANY_SIZE)!.length > 100);
      assert.ok(isSrgb(parseProfile(profile)), 'the embedded profile is sRGB');
      const plain = (await f.get('/is/image/fixtures/320x240.jpg?wid=100')).body;
      assert.equal(extractIcc(plain, ANY_SIZE), undefined, 'dropped without iccEmbed=1');
      const jpegIcc = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&iccEmbed=1')).body;
      assert.deepEqual(extractIcc(jpegIcc, ANY_SIZE), profile);
      // Exactly a JPEG: a small reply must not bring the rest of Node's shared buffer pool with it.
      assert.deepEqual([jpegIcc.readUInt16BE(0), jpegIcc.readUInt16BE(jpegIcc.length - 2)], [0xffd8, 0xffd9]);
      assert.equal((await decodeImage(jpegIcc)).width, 100);
      const pngIcc = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&fmt=png&iccEmbed=1')).body;
      assert.deepEqual(extractIcc(pngIcc, ANY_SIZE), profile);
      assert.equal((await decodeImage(pngIcc)).width, 100);
      assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=100&printRes=0')).status, 403);
      assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=100&iccEmbed=2')).status, 403);
    } finally {
      await f.close();
    }
  });
});

describe('filters: op_blur, op_sharpen, op_usm', () => {
  let f: Fixture;
  before(async () => {
    // A hard vertical edge: black left, white right.
    const edge = synth(200, 100, (x) => (x < 100 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/edge.png': await encodeImage(edge, 'png') } });
  });
  after(() => f.close());

  const row = async (query: string) => {
    const r = await f.get(`/is/image/edge.png?fmt=png&scl=1&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    const image = await decodeImage(r.body);
    return Array.from({ length: 200 }, (_, x) => pixelAt(image, x, 50)[0]);
  };

  test('op_blur softens the edge; far from it the image is unchanged', async () => {
    const plain = await row('');
    const blurred = await row('op_blur=3');
    assert.deepEqual([plain[98], plain[101]], [0, 255]);
    assert.ok(blurred[98]! > 20 && blurred[101]! < 235, `${blurred.slice(95, 105)}`);
    assert.deepEqual([blurred[50], blurred[150]], [0, 255]);
  });

  test('op_usm pushes both sides of an edge apart; its threshold leaves small differences alone', async () => {
    const grey = synth(200, 100, (x) => (x < 100 ? [100, 100, 100, 255] : [150, 150, 150, 255]));
    const g = await startFixture({ files: { 'catalogs/default.ini': '', 'images/g.png': await encodeImage(grey, 'png') } });
    try {
      const probe = async (q: string) => {
        const image = await decodeImage((await g.get(`/is/image/g.png?fmt=png&scl=1&${q}`)).body);
        return [pixelAt(image, 99, 50)[0], pixelAt(image, 100, 50)[0]];
      };
      assert.deepEqual(await probe(''), [100, 150]);
      const [dark, light] = await probe('op_usm=2,2,0,0');
      assert.ok(dark! < 100 && light! > 150, `${dark}, ${light}`);
      assert.deepEqual(await probe('op_usm=2,2,255,0'), [100, 150], 'nothing passes a 255 threshold');
      const [mDark, mLight] = await probe('op_usm=2,2,0,1');
      assert.ok(mDark! < 100 && mLight! > 150, 'monochrome');
      const [sDark, sLight] = await probe('op_sharpen=1');
      assert.ok(sDark! < 100 && sLight! > 150, `op_sharpen ${sDark}, ${sLight}`);
      // At a quarter of the size op_usm's radius shrinks with the image; op_usmR's does not.
      const small = async (q: string) => (await g.get(`/is/image/g.png?fmt=png&wid=50&${q}`)).body;
      assert.notDeepEqual(await small('op_usm=1,8,0'), await small('op_usmR=1,8,0'));
    } finally {
      await g.close();
    }
  });

  test('op_usm ranges are checked; op_usmR takes its radius as given', async () => {
    for (const q of ['op_usm=6', 'op_usm=1,251', 'op_usm=1,1,256', 'op_usm=1,1,1,2', 'op_blur=101', 'op_sharpen=2']) {
      assert.equal((await f.get(`/is/image/edge.png?${q}`)).status, 403, q);
    }
  });
});

describe('colour filters', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': '',
        'images/flat.png': await encodeImage(synth(40, 20, () => [10, 20, 30, 255]), 'png'),
        'images/red.png': await encodeImage(synth(40, 20, () => [200, 0, 0, 255]), 'png'),
        'images/grey.png': await encodeImage(synth(40, 20, () => [128, 128, 128, 255]), 'png'),
      },
    });
  });
  after(() => f.close());

  const pixel = async (object: string, query: string) => {
    const r = await f.get(`/is/image/${object}?fmt=png&scl=1&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return pixelAt(await decodeImage(r.body), 20, 10);
  };

  test('each filter at a known value', async () => {
    assert.deepEqual(await pixel('flat.png', 'op_invert=1'), [245, 235, 225, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_invert=0'), [10, 20, 30, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_brightness=50'), [138, 148, 158, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_contrast=-100'), [128, 128, 128, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_saturation=-100'), [18, 18, 18, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_colorbalance=10,0,-10'), [36, 20, 5, 255]);
    // r-op-colorize: norm by default, so a flat grey becomes the colour; with off, 50% grey is the colour too.
    assert.deepEqual(await pixel('grey.png', 'op_colorize=255,0,0'), [255, 0, 0, 255]);
    assert.deepEqual(await pixel('flat.png', 'op_colorize=255,0,0,off'), [36, 0, 0, 255]);
    const [r, g, b] = await pixel('red.png', 'op_hue=180');
    assert.ok(r < 60 && g > 60 && b > 60, `red turned half way round the hue circle: ${[r, g, b]}`);
  });

  test('filters apply in request order; noise is deterministic', async () => {
    assert.notDeepEqual(await pixel('flat.png', 'op_invert=1&op_brightness=50'), await pixel('flat.png', 'op_brightness=50&op_invert=1'));
    const a = (await f.get('/is/image/grey.png?fmt=png&op_noise=20,gaussian')).body;
    const b = (await f.get('/is/image/grey.png?fmt=png&op_noise=20,gaussian')).body;
    assert.deepEqual(a, b);
    const noisy = await decodeImage(a);
    const values = new Set(Array.from({ length: 40 }, (_, x) => pixelAt(noisy, x, 5)[0]));
    assert.ok(values.size > 5, 'the pixels vary');
  });

  test('out-of-range values are refused', async () => {
    for (const q of ['op_brightness=101', 'op_contrast=-101', 'op_saturation=x', 'op_hue=181', 'op_colorbalance=1,2', 'op_invert=2', 'op_noise=101', 'op_noise=10,pink', 'op_colorize=nocolor']) {
      assert.equal((await f.get(`/is/image/flat.png?${q}`)).status, 403, q);
    }
  });
});

describe('fmt=avif', () => {
  test('avif and avif-alpha encode (lossy or lossless) with the AVIF brand and type', async () => {
    const half = synth(64, 32, (x) => (x < 32 ? [200, 40, 10, 255] : [0, 0, 0, 0]));
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/half.png': await encodeImage(half, 'png') } });
    try {
      for (const q of ['fmt=avif&qlt=60', 'fmt=avif-alpha', 'fmt=avif,,lossless']) {
        const r = await f.get(`/is/image/half.png?scl=1&${q}`);
        assert.equal(r.status, 200, `${q}: ${r.text.slice(0, 100)}`);
        assert.equal(r.headers['content-type'], 'image/avif');
        assert.equal(r.body.subarray(4, 12).toString('latin1'), 'ftypavif', q);
      }
      assert.equal((await f.get('/is/image/half.png?fmt=avif,gray')).status, 403);
    } finally {
      await f.close();
    }
  });
});

describe('fmt=png8 and gif', () => {
  test('palette output: colours, dithering, the web palette, a colour list and key-colour transparency', async () => {
    const half = synth(120, 60, (x, y) => (x < 60 ? [x * 4, y * 4, 128, 255] : [0, 0, 0, 0]));
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/half.png': await encodeImage(half, 'png') } });
    try {
      const get = async (q: string) => {
        const r = await f.get(`/is/image/half.png?scl=1&${q}`);
        assert.equal(r.status, 200, `${q}: ${r.text.slice(0, 100)}`);
        return r;
      };
      const png8 = await get('fmt=png8&quantize=adaptive,diffuse,16&bgc=ffffff');
      assert.equal(png8.headers['content-type'], 'image/png');
      assert.equal(png8.body[25], 3, 'palette colour type');
      const plte = png8.body.indexOf('PLTE');
      assert.ok(png8.body.readUInt32BE(plte - 4) / 3 <= 16, 'at most 16 colours');
      const decoded = await decodeImage(png8.body);
      assert.deepEqual([decoded.width, decoded.height], [120, 60]);
      assert.ok(near(pixelAt(decoded, 100, 30), [255, 255, 255, 255], 30), `${pixelAt(decoded, 100, 30)}: flattened on bgc`);

      const alpha = await decodeImage((await get('fmt=png8-alpha')).body);
      assert.equal(pixelAt(alpha, 100, 30)[3], 0, 'transparent through palette entry 0');
      assert.equal(pixelAt(alpha, 30, 30)[3], 255);

      const twoColours = await decodeImage((await get('fmt=png8&quantize=adaptive,off,2,000000,ffffff')).body);
      for (const x of [5, 30, 55]) assert.ok([0, 255].includes(pixelAt(twoColours, x, 30)[0]), 'black or white only');
      const web = await decodeImage((await get('fmt=png8&quantize=web,off')).body);
      assert.ok(pixelAt(web, 30, 30).slice(0, 3).every((v) => v % 51 === 0), 'web-safe');

      const gif = await get('fmt=gif-alpha&quantize=adaptive,off,2,000000,ffffff');
      assert.equal(gif.headers['content-type'], 'image/gif');
      assert.equal(gif.body.subarray(0, 6).toString('latin1'), 'GIF89a');
      assert.equal(gif.body.readUInt16LE(6), 120);
      assert.equal((await get('fmt=gif')).body.subarray(0, 3).toString('latin1'), 'GIF');

      for (const q of ['fmt=gif&quantize=mac', 'fmt=gif&quantize=adaptive,diffuse,1', 'fmt=gif&quantize=adaptive,diffuse,257', 'fmt=png8&quantize=adaptive,off,2,00000g']) {
        assert.equal((await f.get(`/is/image/half.png?${q}`)).status, 403, q);
      }
    } finally {
      await f.close();
    }
  });
});

describe('fmt=tif and fmt=pdf', () => {
  test('TIFF (uncompressed) and a one-page PDF holding the image, sized by printRes', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(synth(144, 72, (x) => [x, 100, 200, 255]), 'png') } });
    try {
      const tif = await f.get('/is/image/p.png?scl=1&fmt=tif');
      assert.equal(tif.headers['content-type'], 'image/tiff');
      assert.equal(tif.body.subarray(0, 4).toString('hex'), '49492a00', 'little-endian TIFF');
      assert.ok(tif.body.length > 144 * 72 * 3, 'uncompressed');
      // Read back by utif2: RGB samples, the image's own.
      const [ifd] = UTIF.decode(tif.body);
      UTIF.decodeImage(tif.body, ifd!);
      assert.deepEqual([ifd!.width, ifd!.height, (ifd!.t277 as number[])[0]], [144, 72, 3]);
      assert.deepEqual(Array.from(ifd!.data.subarray((5 * 144 + 10) * 3, (5 * 144 + 10) * 3 + 3)), [10, 100, 200]);
      for (const [compression, filter] of [['jpeg', '/DCTDecode'], ['zip', '/FlateDecode'], ['none', '']] as const) {
        const pdf = await f.get(`/is/image/p.png?scl=1&fmt=pdf,,${compression}&printRes=144`);
        assert.equal(pdf.headers['content-type'], 'application/pdf');
        const text = pdf.body.toString('latin1');
        assert.match(text, /^%PDF-1\.4/);
        assert.match(text, /\/MediaBox \[0 0 72\.00 36\.00\]/, 'half an inch tall at 144 dpi');
        assert.match(text, /\/Width 144 \/Height 72 \/ColorSpace \/DeviceRGB/);
        if (filter) assert.ok(text.includes(`/Filter ${filter}`), compression);
        const xref = Number(/startxref\n(\d+)/.exec(text)![1]);
        assert.equal(text.slice(xref, xref + 4), 'xref', 'the cross-reference offset is right');
      }
      assert.match((await f.get('/is/image/p.png?fmt=pdf,gray')).body.toString('latin1'), /DeviceGray/);
    } finally {
      await f.close();
    }
  });
});

describe('fmt=jpeg2000', () => {
  test('a JP2 file: signature, header with the size, the codestream; alpha and grey variants', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(synth(64, 48, (x, y) => [x * 4, y * 5, 90, 255]), 'png') } });
    try {
      const jp2 = await f.get('/is/image/p.png?scl=1&fmt=jpeg2000');
      assert.equal(jp2.status, 200, jp2.text.slice(0, 100));
      assert.equal(jp2.headers['content-type'], 'image/jp2');
      assert.equal(jp2.body.subarray(0, 12).toString('hex'), '0000000c6a5020200d0a870a');
      const ihdr = jp2.body.indexOf('ihdr');
      assert.deepEqual([jp2.body.readUInt32BE(ihdr + 4), jp2.body.readUInt32BE(ihdr + 8), jp2.body.readUInt16BE(ihdr + 12)], [48, 64, 3]);
      const jp2c = jp2.body.indexOf('jp2c');
      assert.equal(jp2.body.subarray(jp2c + 4, jp2c + 6).toString('hex'), 'ff4f', 'a codestream follows');
      const alpha = (await f.get('/is/image/p.png?scl=1&fmt=jpeg2000-alpha')).body;
      assert.ok(alpha.includes(Buffer.from('cdef')));
      const gray = (await f.get('/is/image/p.png?scl=1&fmt=jpeg2000,gray')).body;
      assert.equal(gray.readUInt16BE(gray.indexOf('ihdr') + 12), 1);
      assert.equal((await f.get('/is/image/p.png?fmt=jpeg2000,,lossy')).status, 200);
    } finally {
      await f.close();
    }
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

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, meanDiff, near, pixelAt, synth } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, properties, startFixture, type Fixture } from '../helpers/server.ts';

/**
 * A 2000x1000 source whose red channel encodes x and whose blue channel encodes y, so a probed
 * output pixel tells which source position landed there.
 */
const gradient = () => synth(2000, 1000, (x, y) => [Math.round((x * 255) / 1999), 0, Math.round((y * 255) / 999), 255]);
/** 200x100: left half opaque green, right half fully transparent. */
const halfTransparent = () => synth(200, 100, (x) => (x < 100 ? [0, 200, 0, 255] : [0, 0, 0, 0]));

describe('rendering', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'DefaultPix=400,400\nMaxPix=2000,2000\nBkgColor=0,0,255\nSavePath=out\n',
        'images/gradient.png': await encodeImage(gradient(), 'png'),
        'images/half.png': await encodeImage(halfTransparent(), 'png'),
        // The fixtures are read where they are, through a catalog whose RootPath points at them.
        ...FIXTURE_CATALOG,
      },
    });
  });
  after(() => f.close());

  const render = async (query: string, object = 'gradient.png') => {
    const r = await f.get(`/is/image/${object}?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };
  const size = async (query: string) => {
    const image = await render(query);
    return `${image.width}x${image.height}`;
  };

  test('the worked examples of the view model, end to end', async () => {
    const examples: [string, string][] = [
      ['fmt=png', '400x200'],
      ['scl=1&fmt=png', '2000x1000'],
      ['scl=4&fmt=png', '500x250'],
      ['wid=300&fmt=png', '300x150'],
      ['hei=300&fmt=png', '600x300'],
      ['wid=300&hei=300&fmt=png', '300x300'],
      ['wid=300&hei=300&fit=constrain&fmt=png', '300x150'],
      ['wid=300&hei=300&fit=crop&fmt=png', '300x300'],
      ['wid=300&hei=300&fit=wrap&fmt=png', '600x300'],
      ['wid=300&hei=300&fit=stretch&fmt=png', '300x300'],
      ['scl=2&wid=300&hei=300&fmt=png', '300x300'],
      ['scl=1&rect=0,0,500,500&fmt=png', '500x500'],
    ];
    for (const [query, expected] of examples) assert.equal(await size(query), expected, query);
    const tooBig = await f.get('/is/image/gradient.png?wid=3000');
    assert.equal(tooBig.status, 403);
    assert.match(properties(tooBig.text).get('error.message') ?? '', /exceeds the size limit MaxPix=2000,2000/);
  });

  test('fit=fit pads with bgc above and below a centred image', async () => {
    const image = await render('wid=300&hei=300&bgc=ff0000&fmt=png');
    assert.deepEqual(pixelAt(image, 150, 10), [255, 0, 0, 255]);
    assert.deepEqual(pixelAt(image, 150, 290), [255, 0, 0, 255]);
    assert.ok(near(pixelAt(image, 0, 150), [0, 0, 128, 255], 4), 'left edge of the image in the middle row');
  });

  test('without bgc the padding is the catalog BkgColor; align=0,-1 moves the image to the top', async () => {
    const image = await render('wid=300&hei=300&align=0,-1&fmt=png');
    assert.ok(near(pixelAt(image, 150, 2), [128, 0, 1, 255], 4), 'image at the top');
    assert.deepEqual(pixelAt(image, 150, 200), [0, 0, 255, 255], 'BkgColor band below');
  });

  test('fit=crop takes the centred region; align moves it to either end', async () => {
    const centre = await render('wid=300&hei=300&fit=crop&fmt=png');
    assert.ok(near(pixelAt(centre, 0, 150), [64, 0, 128, 255], 4), `left edge of centre crop ${pixelAt(centre, 0, 150)}`);
    assert.ok(near(pixelAt(centre, 299, 150), [191, 0, 128, 255], 4), `right edge ${pixelAt(centre, 299, 150)}`);
    const left = await render('wid=300&hei=300&fit=crop&align=-1,0&fmt=png');
    assert.ok(near(pixelAt(left, 0, 150), [0, 0, 128, 255], 3));
    assert.ok(near(pixelAt(left, 299, 150), [127, 0, 128, 255], 4));
    const right = await render('wid=300&hei=300&fit=crop&align=1,0&fmt=png');
    assert.ok(near(pixelAt(right, 299, 150), [255, 0, 128, 255], 3));
  });

  test('rect= returns tiles of the view image; tiles reassemble the whole', async () => {
    const whole = await render('wid=400&fmt=png');
    for (const [x, y] of [[0, 0], [200, 0], [0, 100], [200, 100]] as const) {
      const tile = await render(`wid=400&rect=${x},${y},200,100&fmt=png`);
      assert.deepEqual([tile.width, tile.height], [200, 100]);
      assert.ok(near(pixelAt(tile, 10, 10), pixelAt(whole, x + 10, y + 10), 2), `tile ${x},${y}`);
    }
  });

  test('fmt=jpeg flattens transparency on bgc; png-alpha keeps it; png flattens on BkgColor', async () => {
    const jpeg = await render('scl=1&fmt=jpeg&bgc=255,255,255', 'half.png');
    assert.ok(near(pixelAt(jpeg, 150, 50), [255, 255, 255, 255], 3), `${pixelAt(jpeg, 150, 50)}`);
    assert.ok(near(pixelAt(jpeg, 50, 50), [0, 200, 0, 255], 6));
    const alpha = await render('scl=1&fmt=png-alpha&bgc=ff0000', 'half.png');
    assert.equal(pixelAt(alpha, 150, 50)[3], 0);
    assert.deepEqual(pixelAt(alpha, 50, 50), [0, 200, 0, 255]);
    const png = await render('scl=1&fmt=png', 'half.png');
    assert.deepEqual(pixelAt(png, 150, 50), [0, 0, 255, 255]);
  });

  test('png-alpha pads with transparency whatever bgc says', async () => {
    const image = await render('wid=100&hei=100&fmt=png-alpha&bgc=ff0000', 'half.png');
    assert.equal(pixelAt(image, 50, 5)[3], 0);
  });

  test('resizing transparent edges leaves no dark fringe (alpha is premultiplied)', async () => {
    const image = await render('wid=50&fmt=png-alpha', 'half.png');
    for (let x = 20; x < 30; x++) {
      const [r, g, b, a] = pixelAt(image, x, 12);
      if (a > 16) assert.ok(g > 170 && r < 20 && b < 20, `pixel ${x}: ${[r, g, b, a]}`);
    }
  });

  test('qlt sets the JPEG quality; its chroma flag turns off chroma subsampling; fmt=jpeg,gray is grey', async () => {
    const low = await f.get('/is/image/gradient.png?wid=500&qlt=10');
    const high = await f.get('/is/image/gradient.png?wid=500&qlt=95');
    assert.ok(low.body.length < high.body.length / 2, `${low.body.length} vs ${high.body.length}`);
    const sof = (b: Buffer) => b.subarray(b.indexOf(Buffer.from([0xff, 0xc0])));
    assert.equal(sof((await f.get('/is/image/gradient.png?wid=500&qlt=80,0')).body)[11], 0x22, '4:2:0');
    assert.equal(sof((await f.get('/is/image/gradient.png?wid=500&qlt=80,1')).body)[11], 0x11, '4:4:4');
    assert.equal(sof((await f.get('/is/image/gradient.png?wid=500&fmt=jpeg,gray')).body)[9], 1, 'one component');
  });

  test('EXIF orientations 1..8 all come out upright and alike', async () => {
    const reference = await renderFixture(f, 'orientation-1.jpg');
    assert.deepEqual([reference.width, reference.height], [300, 225]);
    // The eight files are separate JPEG encodings of one scene, so even upright they differ a
    // little (under 1); the scene mirrored differs by far more.
    const mirrored = synth(300, 225, (x, y) => pixelAt(reference, 299 - x, y));
    assert.ok(meanDiff(mirrored, reference) > 15);
    for (let o = 2; o <= 8; o++) {
      const image = await renderFixture(f, `orientation-${o}.jpg`);
      assert.deepEqual([image.width, image.height], [300, 225], `orientation ${o}`);
      const diff = meanDiff(image, reference);
      assert.ok(diff < 3, `orientation ${o} differs from upright by ${diff.toFixed(1)}`);
    }
  });
});

async function renderFixture(f: Fixture, name: string) {
  const r = await f.get(`/is/image/fixtures/${name}?wid=300&fmt=png`);
  assert.equal(r.status, 200, `${name}: ${r.text.slice(0, 200)}`);
  return decodeImage(r.body);
}

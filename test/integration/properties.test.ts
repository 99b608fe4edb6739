import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';
import { CORPUS_SKIP, FIXTURE_CATALOG, PHOTOS_CATALOG, errorMessage, properties, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * The property replies against Adobe's pages: req=imageprops
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-imageprops)
 * and req=props (…/req/r-props), with r-rect's workflow for views larger than MaxPix.
 */
describe('req=imageprops and req=props', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        ...FIXTURE_CATALOG,
        ...PHOTOS_CATALOG,
        'catalogs/default.ini': 'MaxPix=500,500\n',
        'catalogs/tex.ini': 'RootId=tex\nResolution=150\nThumbType=3\n',
        'images/wide.png': await encodeImage(synth(1200, 300, (x, y) => [x % 256, y % 256, 90, 255]), 'png'),
      },
    });
  });
  after(() => f.close());

  const imageProps = async (path: string) => {
    const r = await f.get(`/is/image/${path}?req=imageprops`);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    return properties(r.text);
  };

  test('pixTyp is the colour model without alpha; mask says 2 (not premultiplied) for alpha', async () => {
    // r-imageprops: pixTyp 'CMYK', 'RGB' or 'BW'; mask 0 none, 1 premultiplied, 2 not premultiplied.
    const cases: [string, string, string][] = [
      ['fixtures/png-rgba-8.png', 'RGB', '2'],
      ['fixtures/png-rgba-16.png', 'RGB', '2'],
      ['fixtures/png-rgb-8.png', 'RGB', '0'],
      ['fixtures/png-rgb-8-trns.png', 'RGB', '2'],
      ['fixtures/png-palette-8.png', 'RGB', '0'],
      ['fixtures/png-palette-8-trns.png', 'RGB', '2'],
      ['fixtures/png-grey-8.png', 'BW', '0'],
      ['fixtures/png-grey-alpha-8.png', 'BW', '2'],
      ['fixtures/sampling-420.jpg', 'RGB', '0'],
      ['fixtures/grey.jpg', 'BW', '0'],
      ['fixtures/cmyk.jpg', 'CMYK', '0'],
      ['fixtures/ycck.jpg', 'CMYK', '0'],
    ];
    for (const [path, pixTyp, mask] of cases) {
      const p = await imageProps(path);
      assert.deepEqual([p.get('image.pixTyp'), p.get('image.mask')], [pixTyp, mask], path);
    }
  });

  test('the corpus: an RGBA photo is RGB, a CMYK photo CMYK', { skip: CORPUS_SKIP }, async () => {
    assert.equal((await imageProps('photos/with-alpha.png')).get('image.pixTyp'), 'RGB');
    assert.equal((await imageProps('photos/alpha-premultiply-1024x768-paper.png')).get('image.pixTyp'), 'RGB');
    assert.equal((await imageProps('photos/Channel_digital_image_CMYK_color.jpg')).get('image.pixTyp'), 'CMYK');
  });

  test('imageprops has printRes, resolution, thumbRes and thumbType, from the catalog or their defaults', async () => {
    const plain = await imageProps('wide.png');
    // No density in the file: 72 (docs/compatibility.md); Resolution 72 and ThumbType 2 (fit) built in.
    assert.equal(plain.get('image.printRes'), '72');
    assert.equal(plain.get('image.resolution'), '72');
    assert.equal(plain.get('image.thumbRes'), '72');
    assert.equal(plain.get('image.thumbType'), '2');
    const tex = await imageProps('tex/wide.png');
    assert.equal(tex.get('image.resolution'), '150');
    assert.equal(tex.get('image.thumbRes'), '150', 'Isle reads no ThumbRes: texture thumbnails are unscaled');
    assert.equal(tex.get('image.thumbType'), '3');
    // A source that declares its density (a PNG pHYs written by printRes=300) reports it.
    const dense = await f.get('/is/image/wide.png?wid=100&fmt=png&printRes=300');
    assert.equal(dense.status, 200);
    writeFileSync(join(f.images, 'dense.png'), dense.body);
    assert.equal((await imageProps('dense.png')).get('image.printRes'), '300');
    const jpeg = await f.get('/is/image/wide.png?wid=100&fmt=jpeg&printRes=150');
    writeFileSync(join(f.images, 'dense.jpg'), jpeg.body);
    assert.equal((await imageProps('dense.jpg')).get('image.printRes'), '150', 'a JFIF density in dpi');
  });

  test('props has printRes: the request\'s, else 72', async () => {
    const props = async (query: string) => properties((await f.get(`/is/image/wide.png?wid=100&${query}&req=props`)).text);
    assert.equal((await props('printRes=300')).get('image.printRes'), '300');
    assert.equal((await props('fmt=png')).get('image.printRes'), '72');
  });

  test('props describes a view larger than MaxPix; the image itself stays refused; strips of it are served', async () => {
    // r-rect: ask the size of the large view, then fetch it in strips no larger than MaxPix.
    const p = properties((await f.get('/is/image/wide.png?scl=1&req=props')).text);
    assert.deepEqual([p.get('image.width'), p.get('image.height')], ['1200', '300']);
    const json = await f.get('/is/image/wide.png?wid=1000&req=props,json');
    assert.equal(json.status, 200);
    assert.match(json.text, /"image\.width":"1000","image\.height":"250"/);
    const whole = await f.get('/is/image/wide.png?scl=1&fmt=png');
    assert.equal(whole.status, 403);
    assert.match(errorMessage(whole.text), /MaxPix=500,500/);
    const strip = await f.get('/is/image/wide.png?scl=1&rect=500,0,500,300&fmt=png');
    assert.equal(strip.status, 200);
    const image = await decodeImage(strip.body);
    assert.deepEqual([image.width, image.height], [500, 300]);
    // dpr= is capped at MaxPix for the image and its properties alike.
    const capped = properties((await f.get('/is/image/wide.png?wid=400&dpr=on,2&req=props')).text);
    assert.equal(capped.get('image.width'), '500');
    assert.equal((await f.get('/is/image/wide.png?wid=400&dpr=on,2&fmt=png')).status, 200);
  });

  test('props of a layered view larger than MaxPix', async () => {
    const p = properties((await f.get('/is/image/wide.png?scl=1&layer=1&src=wide.png&pos=0,0&req=props')).text);
    assert.deepEqual([p.get('image.width'), p.get('image.height')], ['1200', '300']);
  });
});

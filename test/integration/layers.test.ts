import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURE_CATALOG, properties, startFixture, type Fixture } from '../helpers/server.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import type { Pixels } from '../../src/image/pixels.ts';

// Probes at known points of composites made from the suite's own images.
const near = (got: readonly number[], want: readonly number[], tolerance = 2) => got.every((v, i) => Math.abs(v - want[i]!) <= tolerance);
const probe = (image: Pixels, x: number, y: number, want: number[], what: string, tolerance = 2) => {
  const got = pixelAt(image, x, y).slice(0, want.length);
  assert.ok(near(got, want, tolerance), `${what} at ${x},${y}: ${got} is not ${want}`);
};

const WHITE = [255, 255, 255];
const BLUE = [0, 0, 255];
const RED = [255, 0, 0];

describe('layers and compositing', () => {
  let f: Fixture;
  before(async () => {
    const square = await encodeImage(synth(40, 40, () => [0, 0, 255, 255]), 'png');
    // A green disc of radius 10 on transparency.
    const dot = await encodeImage(synth(40, 40, (x, y) => ((x - 19.5) ** 2 + (y - 19.5) ** 2 < 100 ? [0, 255, 0, 255] : [0, 0, 0, 0])), 'png');
    // Grey, no alpha: white on the left half, black on the right.
    const half = await encodeImage(synth(40, 40, (x) => (x < 20 ? [255, 255, 255, 255] : [0, 0, 0, 255])), 'jpeg');
    const records = [
      'Id\tPath\tModifier\tPostModifier\tMaskPath\tAnchor',
      'banner\t\tlayer=0&color=ffffff&size=200,100&layer=1&src=$img$&pos=$x$,0&$img=t/sq&$x=0\t',
      'frame\t\tlayer=0&color=ffffff&size=100,100&layer=1&src=$object$&size=50,50\t',
      'loop\t\tlayer=0&color=ffffff&size=10,10&layer=1&src=is(t/loop)\t',
      'small\tsquare.png\twid=20\t',
      'sq\tsquare.png\t\t',
      'masked\tsquare.png\t\t\thalf.jpg\t',
      'anchored\tsquare.png\t\t\t\t0,0',
      'layered\tsquare.png\tlayer=1&color=ff0000&size=5,5\t',
      // Adobe's template Examples A and B (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-a, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-b), without their text layers.
      'myTemplate1\t\tsrc=bg.png&size=1000,1000&originN=0,0&layer=1&src=$object$&size=800,800&originN=-0.5,0&posN=-0.5,0\t',
      'myTemplate2\t\tlayer=0&size=800,0&extend=0,100,200,100&src=$object$&originN=.5,0\t',
    ].join('\n');
    f = await startFixture({
      files: {
        'images/square.png': square,
        'saves/saved/.keep': '',
        'images/dot.png': dot,
        'images/half.jpg': half,
        'images/grey.png': await encodeImage(synth(40, 40, () => [128, 128, 128, 255]), 'png'),
        'images/left.png': await encodeImage(synth(40, 40, (x) => (x < 20 ? [255, 255, 255, 255] : [0, 0, 0, 255])), 'png'),
        'images/right.png': await encodeImage(synth(40, 40, (x) => (x < 20 ? [0, 0, 0, 255] : [255, 255, 255, 255])), 'png'),
        'images/wide.png': await encodeImage(synth(40, 20, () => [0, 0, 255, 255]), 'png'),
        'images/bg.png': await encodeImage(synth(10, 10, () => [255, 255, 0, 255]), 'png'),
        'catalogs/t.ini': 'RootId=t\nCatalogFile=t.txt\nDefaultPix=0,0\nBkgColor=ffffff\nSavePath=saved\n',
        'catalogs/t.txt': `${records}\n`,
        'catalogs/d.ini': 'RootId=d\nDefaultImage=square.png\nDefaultImageMode=1\nDefaultPix=0,0\n',
      },
    });
  });
  after(() => f.close());

  const image = async (query: string, object = 't') => {
    const r = await f.get(`/is/image/${object}?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 300)}`);
    return decodeImage(r.body);
  };
  const refused = async (query: string, message: RegExp, object = 't') => {
    const r = await f.get(`/is/image/${object}?${query}`);
    assert.equal(r.status, 403, query);
    assert.match(r.text, message, query);
  };
  const BASE = 'layer=0&color=ffffff&size=200,100';

  test('plain layers over an opaque layer 0 flattened in 8 bits give the float canvas\'s bytes exactly', async () => {
    // A noisy photograph-like base and a soft-edged cut-out, so every alpha and colour is met.
    const noisy = await encodeImage(synth(96, 64, (x, y) => [(x * 37 + y * 11) % 256, (x * 5 + y * 53) % 256, (x * y) % 256, 255]), 'png');
    const soft = await encodeImage(synth(40, 40, (x, y) => [(x * 7) % 256, 255 - y * 6, 128, Math.min(255, Math.round(Math.hypot(x - 20, y - 20) * 14))]), 'png');
    const g = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/noisy.png': noisy, 'images/soft.png': soft } });
    try {
      const get = async (query: string) => {
        const r = await g.get(`/is/image/noisy.png?${query}&fmt=png`);
        assert.equal(r.status, 200, r.text);
        return r.body;
      };
      const plain = 'layer=1&src=soft.png&pos=-20,-10&layer=2&src=soft.png&size=30,30&pos=40,20';
      // A transparent layer at half opacity draws nothing, but sends the composite through the float canvas.
      const float = await get(`${plain}&layer=3&color=00000000&size=10,10&opac=50`);
      assert.ok(Buffer.compare(await get(plain), float) === 0, 'the same PNG bytes');
      assert.ok(Buffer.compare(await get(`${plain}&wid=48`), await get(`${plain}&layer=3&color=00000000&size=10,10&opac=50&wid=48`)) === 0, 'and at the view\'s scale');
    } finally {
      await g.close();
    }
  });

  test('solid layers: canvas from layer 0, a layer centred by default and moved by pos=', async () => {
    const img = await image('layer=0&color=ff0000&size=200,100&layer=1&color=0000ff&size=50,40&pos=30,20&fmt=png');
    assert.deepEqual([img.width, img.height], [200, 100]);
    // Top-left = (100, 50) + (30, 20) - (25, 20) = (105, 50).
    probe(img, 105, 50, BLUE, 'the layer starts');
    probe(img, 104, 50, RED, 'just left of it');
    probe(img, 154, 89, BLUE, 'the layer ends');
    probe(img, 155, 89, RED, 'just right of it');
    probe(img, 154, 90, RED, 'just below it');
  });

  test('posN, originN and anchor move the placed point; opac= fades the layer', async () => {
    const corner = await image(`${BASE}&layer=1&color=0000ff&size=20,10&originN=-0.5,-0.5&posN=-0.5,-0.5&fmt=png`);
    probe(corner, 0, 0, BLUE, 'top-left corners meet');
    probe(corner, 20, 0, WHITE, 'and it is 20 wide');
    const anchored = await image(`${BASE}&layer=1&color=0000ff&size=20,10&anchor=20,10&fmt=png`);
    probe(anchored, 99, 49, BLUE, 'its bottom-right corner sits on the centre');
    probe(anchored, 100, 50, WHITE, 'and nothing beyond it');
    const faded = await image('layer=0&color=ff0000&size=20,20&layer=1&color=0000ff&size=20,20&opac=50&fmt=png');
    probe(faded, 10, 10, [128, 0, 128], 'half blue over red', 1);
  });

  test('image layers: a catalog id, a path, alpha kept, nested requests with their own catalog modifiers', async () => {
    const byId = await image(`${BASE}&layer=1&src=sq&fmt=png`);
    probe(byId, 80, 30, BLUE, 'the square, centred');
    probe(byId, 79, 30, WHITE, 'left of it');
    probe(byId, 119, 69, BLUE, 'its last pixel');
    probe(byId, 120, 69, WHITE, 'right of it');
    const withAlpha = await image('layer=0&color=ff0000&size=40,40&layer=1&src=dot.png&fmt=png');
    probe(withAlpha, 20, 20, [0, 255, 0], 'the disc');
    probe(withAlpha, 2, 2, RED, 'its transparent corner shows layer 0');
    const nested = await image(`${BASE}&layer=1&src=is(t/sq?wid=20)&fmt=png`);
    probe(nested, 90, 40, BLUE, 'the nested 20x20 render');
    probe(nested, 89, 40, WHITE, 'left of it');
    probe(nested, 110, 60, WHITE, 'past it');
    const modifier = await image(`${BASE}&layer=1&src=is{t/small}&fmt=png`);
    probe(modifier, 90, 40, BLUE, "the nested record's Modifier (wid=20) applies");
    probe(modifier, 110, 60, WHITE, 'past it');
    const curly = await image(`${BASE}&layer=1&src=is{t/dot.png?wid=20}&fmt=png`);
    probe(curly, 100, 50, [0, 255, 0], 'a nested PNG keeps its alpha as the layer mask');
    probe(curly, 91, 41, WHITE, 'its transparent corner');
  });

  test('per-layer order: crop, size, flip, rotate, extend with bgColor; extend on layer 0 grows the canvas', async () => {
    const cropped = await image(`${BASE}&layer=1&src=dot.png&crop=20,0,20,40&fmt=png`);
    // The right half, 20x40, centred at x 90..109: the disc's centre lands at 89.5, 49.5.
    probe(cropped, 95, 50, [0, 255, 0], 'the right half of the disc');
    probe(cropped, 101, 50, WHITE, 'past its radius');
    probe(cropped, 89, 50, WHITE, 'left of the cut');
    const scaled = await image(`${BASE}&layer=1&src=sq&size=80,60&fmt=png`);
    probe(scaled, 70, 20, BLUE, 'fitted into 80x60: 60x60');
    probe(scaled, 69, 20, WHITE, 'left of it');
    const framed = await image(`${BASE}&layer=1&src=sq&extend=5,5,5,5&bgColor=ff0000&fmt=png`);
    probe(framed, 75, 25, RED, 'the 5 px frame');
    probe(framed, 80, 30, BLUE, 'the square inside it');
    const grown = await image('layer=0&color=0000ff&size=40,20&extend=10,0,10,0&bgColor=ff0000&fmt=png');
    assert.deepEqual([grown.width, grown.height], [60, 20]);
    probe(grown, 5, 10, RED, 'the extension');
    const turned = await image(`${BASE}&layer=1&color=0000ff&size=60,20&rotate=90&fmt=png`);
    probe(turned, 100, 25, BLUE, 'a quarter turn stands the bar up');
    probe(turned, 75, 50, WHITE, 'it no longer reaches sideways');
  });

  test('masks: mask= (grey without alpha), maskUse=invert and off', async () => {
    const masked = await image('layer=0&color=ff0000&size=40,40&layer=1&src=sq&mask=half.jpg&fmt=png');
    probe(masked, 5, 20, BLUE, 'white in the mask keeps the layer');
    probe(masked, 35, 20, RED, 'black hides it');
    const inverted = await image('layer=0&color=ff0000&size=40,40&layer=1&src=sq&mask=half.jpg&maskUse=invert&fmt=png');
    probe(inverted, 5, 20, RED, 'inverted');
    probe(inverted, 35, 20, BLUE, 'inverted');
    const hidden = await image('layer=0&color=ff0000&size=40,40&layer=1&src=sq&maskUse=invert&fmt=png');
    probe(hidden, 20, 20, RED, 'an opaque image inverted is hidden');
    const off = await image('layer=0&color=ff0000&size=40,40&layer=1&src=dot.png&maskUse=off&fmt=png');
    probe(off, 1, 1, [0, 0, 0], 'maskUse=off shows the transparent part (black here)');
  });

  test("catalog records bring their MaskPath and Anchor; mask= naming a record uses its MaskPath", async () => {
    const masked = await image('layer=0&color=ff0000&size=40,40&layer=1&src=masked&fmt=png');
    probe(masked, 5, 20, BLUE, 'MaskPath white keeps the layer');
    probe(masked, 35, 20, RED, 'MaskPath black hides it');
    const byMask = await image('layer=0&color=ff0000&size=40,40&layer=1&src=sq&mask=masked&fmt=png');
    probe(byMask, 35, 20, RED, 'mask=masked is its MaskPath, not its (opaque) Path');
    const anchored = await image(`${BASE}&layer=1&src=anchored&fmt=png`);
    probe(anchored, 100, 50, BLUE, 'Anchor 0,0: the top-left corner sits on the centre');
    probe(anchored, 99, 49, WHITE, 'and nothing above-left of it');
    const overridden = await image(`${BASE}&layer=1&src=anchored&anchor=40,40&fmt=png`);
    probe(overridden, 99, 49, BLUE, 'anchor= wins over the record');
  });

  test('blend modes and hide=', async () => {
    const mult = await image('layer=0&color=ff8080&size=10,10&layer=1&color=8080ff&size=10,10&blendMode=mult&fmt=png');
    probe(mult, 5, 5, [128, 64, 128], 'multiply', 1);
    const screen = await image('layer=0&color=ff8080&size=10,10&layer=1&color=8080ff&size=10,10&blendMode=screen&fmt=png');
    probe(screen, 5, 5, [255, 191, 255], 'screen', 1);
    const darken = await image('layer=0&color=ff8080&size=10,10&layer=1&color=8080ff&size=10,10&blendMode=darken&fmt=png');
    probe(darken, 5, 5, [128, 128, 128], 'darken', 1);
    const hidden = await image('layer=0&color=ff8080&size=10,10&layer=1&color=8080ff&size=10,10&hide=1&fmt=png');
    probe(hidden, 5, 5, [255, 128, 128], 'hidden', 1);
  });

  test('effects: a drop shadow behind its layer, an inner effect clipped to it, $shadow$ built in', async () => {
    const shadow = await image(`${BASE}&layer=1&src=sq&effect=-1&pos=10,10&opac=100&fmt=png`);
    // Square 80..119 x 30..69; shadow 90..129 x 40..79, behind it.
    probe(shadow, 125, 75, [0, 0, 0], 'the shadow');
    probe(shadow, 100, 50, BLUE, 'the square on top');
    probe(shadow, 85, 75, WHITE, 'left of the shadow');
    probe(shadow, 131, 75, WHITE, 'right of it');
    const inner = await image(`${BASE}&layer=1&src=dot.png&effect=1&op_grow=3&color=ff0000&opac=100&fmt=png`);
    probe(inner, 91, 50, RED, 'inside the edge of the disc');
    probe(inner, 100, 50, [0, 255, 0], 'its middle untouched');
    probe(inner, 82, 32, WHITE, 'outside it nothing');
    const blurred = await image(`${BASE}&layer=1&src=sq&effect=-1&$shadow$&fmt=png`);
    const [r1] = pixelAt(blurred, 122, 72);
    const [r2] = pixelAt(blurred, 126, 76);
    assert.ok(r1! < r2! && r2! < 255, `the built-in shadow is soft: ${r1} then ${r2}`);
    // An effect on a single image (Adobe's demo URLs send it) renders; the canvas is the image.
    const single = await image('effect=-1&$shadow$&wid=40&fmt=png', 't/sq');
    assert.deepEqual([single.width, single.height], [40, 40]);
  });

  test('templates: a record made of layers, $variables$ from the URL over its defaults, and template=', async () => {
    const defaults = await image('fmt=png', 't/banner');
    probe(defaults, 100, 50, BLUE, "the template's default $img$");
    const filled = await image('$img=dot.png&$x=50&fmt=png', 't/banner');
    probe(filled, 150, 50, [0, 255, 0], 'the URL fills $img$ and $x$');
    probe(filled, 100, 50, WHITE, 'nothing at the default place');
    const byTemplate = await image('template=t/frame&fmt=png', 'dot.png');
    assert.deepEqual([byTemplate.width, byTemplate.height], [100, 100]);
    probe(byTemplate, 50, 50, [0, 255, 0], 'the path object is $object$, scaled into 50x50');
    probe(byTemplate, 27, 27, WHITE, 'its transparent corner');
  });

  test('a composite is an image like any other: fmt flattening on bgc, req=props, req=mask, saveToFile', async () => {
    const q = 'layer=0&size=20,10&layer=1&color=0000ff&size=10,10&originN=-0.5,0&posN=-0.5,0';
    const jpeg = await image(`${q}&fmt=jpeg&bgc=ff0000`);
    probe(jpeg, 2, 5, BLUE, 'the layer', 8);
    probe(jpeg, 17, 5, RED, 'the transparent rest on bgc', 8);
    const props = properties((await f.get(`/is/image/t?${q}&wid=40&req=props`)).text);
    assert.equal(props.get('image.width'), '40');
    assert.equal(props.get('image.height'), '20');
    const mask = await image(`${q}&req=mask&fmt=png`);
    probe(mask, 2, 5, WHITE, 'opaque in the mask');
    probe(mask, 17, 5, [0, 0, 0], 'transparent in the mask');
    const saved = await f.get(`/is/image/t?${q}&fmt=png&req=saveToFile&name=composite.png`);
    assert.equal(saved.status, 200, saved.text);
    assert.ok(existsSync(join(f.saves, 'saved', 'composite.png')));
  });

  test('a missing layer image fails the request, or with DefaultImageMode 1 is replaced alone', async () => {
    await refused(`${BASE}&layer=1&src=nothere`, /Image not found/);
    await refused(`${BASE}&layer=1&src=is(t/nothere?wid=5)`, /Image not found/);
    const substituted = await image('layer=0&color=ffffff&size=100,100&layer=1&src=nothere&size=20,20&fmt=png', 'd');
    probe(substituted, 50, 50, BLUE, 'the default image, with the layer’s own size=');
    probe(substituted, 35, 50, WHITE, 'at that size');
  });

  test("the worked examples of Adobe's pages", async () => {
    // https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-a: the variable image at the left-centre of a 1000x1000 background, within 800x800.
    const a = await image('template=t/myTemplate1&fmt=png', 'wide.png');
    assert.deepEqual([a.width, a.height], [1000, 1000]);
    probe(a, 0, 300, BLUE, 'the 800x400 image starts at the left edge');
    probe(a, 0, 299, [255, 255, 0], 'the background above it');
    probe(a, 799, 699, BLUE, 'its last pixel');
    probe(a, 800, 500, [255, 255, 0], 'the background right of it');
    // https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-b: 800 wide, the height from the aspect, extended 100 top and bottom, 200 right.
    const b = await image('template=t/myTemplate2&fmt=png-alpha', 'wide.png');
    assert.deepEqual([b.width, b.height], [1000, 600]);
    probe(b, 0, 100, [...BLUE, 255], 'the image below the top extension');
    probe(b, 0, 99, [0, 0, 0, 0], 'the extension, transparent');
    probe(b, 850, 300, [0, 0, 0, 0], 'the right extension');
    // https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-mask: colourise the masked regions of an image on top of itself.
    const c = await image('wid=40&layer=1&src=grey.png&mask=left.png&op_colorize=200,0,0&layer=2&src=grey.png&mask=right.png&op_colorize=0,200,0&fmt=png', 'grey.png');
    const [lr, lg] = pixelAt(c, 5, 20);
    const [rr, rg] = pixelAt(c, 35, 20);
    assert.ok(lr! > lg! + 40 && rg! > rr! + 40, `left red (${lr},${lg}), right green (${rr},${rg})`);
    // https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-maskuse: the old colorize= name, on the inverted mask.
    const d = await image('layer=1&src=grey.png&mask=left.png&maskUse=invert&colorize=0x306090&fmt=png', 'grey.png');
    const [dr, , db] = pixelAt(d, 35, 20);
    assert.ok(db! > dr! + 20, `the right half tinted blue: ${pixelAt(d, 35, 20)}`);
    probe(d, 5, 20, [128, 128, 128], 'the left half untouched');
    // https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-layer-effects: an outer glow, and a grown half-transparent red effect.
    const glow = await image('layer=0&color=000000&size=200,100&layer=1&src=dot.png&effect=-1&$glow$&fmt=png');
    const [gr, gg, gb] = pixelAt(glow, 100, 37);
    assert.ok(gr! > 60 && gg! > 60 && gr! > gb! + 10, `a yellowish glow just outside the disc: ${gr},${gg},${gb}`);
    probe(glow, 100, 5, [0, 0, 0], 'none far from it');
    const noisy = await image(`${BASE}&layer=1&src=sq&effect=-1&pos=10,10&opac=100&op_noise=40&fmt=png`);
    const shades = new Set([120, 121, 122, 123, 124, 125, 126, 127, 128].map((x) => pixelAt(noisy, x, 75)[0]));
    assert.ok(shades.size > 3, `op_noise varies the shadow: ${[...shades]}`);
    assert.deepEqual(pixelAt(await image(`${BASE}&layer=1&src=sq&effect=-1&pos=10,10&opac=100&op_noise=40&fmt=png`), 125, 75), pixelAt(noisy, 125, 75), 'the same on every render');
    const grown = await image(`${BASE}&layer=1&src=dot.png&effect=-1&op_grow=3&color=255,0,0,128&fmt=png`);
    probe(grown, 100, 38, [255, 127, 127], 'half-transparent red, 3 px beyond the disc', 3);
    probe(grown, 100, 35, WHITE, 'and no further');
  });

  test('bad layer input: 403 with a reason, nothing crashes', async () => {
    await refused('layer=1&src=square', /Layer 0 is required/);
    await refused(`${BASE}&layer=nosuch`, /names no layer/);
    await refused(`${BASE}&layer=1&src=layered`, /must be used as a nested request/);
    await refused('fmt=png', /more than 8 deep/, 't/loop');
    await refused(`${BASE}&layer=1&color=ff0000&size=1,1&pos=2000000000,0`, /placed too far away/);
    // Viewed at 9000x9000 the reply passes MaxPix first; nested, the composite is drawn at its full size.
    await refused('layer=0&color=ffffff&size=9000,9000', /exceeds the size limit MaxPix/);
    await refused(`${BASE}&layer=1&src=is{?layer=0&color=ffffff&size=9000,9000}`, /The composite would be 9000x9000/);
    await refused(`${BASE}&layer=1&src=ir(vignette?wid=1)`, /Image Rendering/);
    await refused(`${BASE}&layer=1&src=(http://example.com/a.jpg)`, /absolute foreign URLs need AllowDirectUrls/);
    // And the server still serves.
    await image(`${BASE}&fmt=png`);
  });
});

test('a file used by two layers with another decoded between them stays intact (each decoded once)', async () => {
  const f = await startFixture({ files: { ...FIXTURE_CATALOG, 'catalogs/default.ini': 'DefaultPix=0,0\n' } });
  try {
    // Both JPEGs are decoded at a reduced size by our kernel, whose memory each decode reuses.
    const q = 'layer=0&color=ffffff&size=300,100&layer=1&src=fixtures/photo-2725x2225.jpg&size=100,100&posN=-0.33,0&layer=2&src=fixtures/progressive.jpg&size=100,100&layer=3&src=fixtures/photo-2725x2225.jpg&size=100,100&posN=0.33,0&fmt=png';
    const r = await f.get(`/is/image?${q}`);
    assert.equal(r.status, 200, r.text);
    const img = await decodeImage(r.body);
    const left = pixelAt(img, 30, 50);
    const right = pixelAt(img, 30 + 198, 50);
    assert.deepEqual(right, left, 'layer 3 shows the same image as layer 1');
  } finally {
    await f.close();
  }
});

describe('layer limits have flags', () => {
  test('--max-layers and --max-nesting', async () => {
    const f = await startFixture({
      files: { 'images/square.png': await encodeImage(synth(4, 4, () => [0, 0, 255, 255]), 'png') },
      config: { 'max-layers': '2', 'max-nesting': '1', 'max-composite-pixels': '400' },
    });
    try {
      const q = 'layer=0&color=ffffff&size=10,10';
      assert.equal((await f.get(`/is/image?${q}&layer=1&src=square.png`)).status, 200);
      const layers = await f.get(`/is/image?${q}&layer=1&src=square.png&layer=2&src=square.png`);
      assert.equal(layers.status, 403);
      assert.match(layers.text, /more than 2 layers/);
      const deep = await f.get(`/is/image?layer=0&src=is(?layer=0&src=is(square.png))`);
      assert.equal(deep.status, 403);
      assert.match(deep.text, /more than 1 deep/);
      const canvas = await f.get('/is/image?layer=0&color=ffffff&size=30,30');
      assert.equal(canvas.status, 403);
      assert.match(canvas.text, /limit is 400 pixels/);
    } finally {
      await f.close();
    }
  });
});

test('a nested composite keeps its transparency whatever the outer reply format: the layer under it shows through', async () => {
  const f = await startFixture({ samples: true });
  try {
    const nested = encodeURIComponent('is{?size=100,100&color=0000ff00&layer=1&size=50,50&color=ff0000}');
    for (const fmt of ['png', 'jpeg']) {
      const plain = await decodeImage((await f.get(`/is/image/chart.png?size=200,200&fmt=png`)).body);
      const reply = await f.get(`/is/image/chart.png?size=200,200&layer=1&src=${nested}&fmt=${fmt}`);
      assert.equal(reply.status, 200, reply.text);
      const layered = await decodeImage(reply.body);
      // The view is 200x150: the nested composite is centred on (100,75); (60,60) lies in its
      // transparent part, (100,75) in its red square.
      assert.ok(near(pixelAt(layered, 60, 60).slice(0, 3), pixelAt(plain, 60, 60).slice(0, 3), fmt === 'jpeg' ? 24 : 2), `${fmt}: ${pixelAt(layered, 60, 60)}`);
      assert.ok(near(pixelAt(layered, 100, 75).slice(0, 3), RED, fmt === 'jpeg' ? 24 : 2), `${fmt}: ${pixelAt(layered, 100, 75)}`);
    }
  } finally {
    await f.close();
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import type { Pixels } from '../../src/image/pixels.ts';

// Where text lands: the box tops of text= and textPs= (the pictures of
// https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-text-positioning),
// the default origin of self-sizing text= (the layer's centre, r-anchor), and template Example B.
const enc = (s: string) => encodeURIComponent(s);
const dark = (p: number[]) => p[0]! < 128 && p[1]! < 128 && p[2]! < 128;

function inkBox(image: Pixels, region = { x: 0, y: 0, width: image.width, height: image.height }) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      if (!dark(pixelAt(image, x, y))) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  return { x0, y0, x1, y1, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, empty: x0 === Infinity };
}

describe('text placement', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/u.ini': 'RootId=u\nDefaultPix=0,0\n',
        'images/sq.png': await encodeImage(synth(40, 60, () => [0, 0, 255, 255]), 'png'),
        // Template Example B (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-b) as its URL gives it, and with posN=0,0 as its picture shows it.
        'catalogs/tpl.ini': 'RootId=tpl\nDefaultPix=0,0\nCatalogFile=tpl.txt\n',
        'catalogs/tpl.txt':
          'Id\tPath\tModifier\n' +
          'sq\tsq.png\t\n' +
          'myTemplate2\t\t$text=layer+1+text+goes+here&layer=0&size=800,0&extend=0,100,200,100&src=$object$&originN=.5,0&layer=1&text={\\fs80 $text$}&rotate=-90&originN=.5,0&posN=0.5,0\n' +
          'pictured\t\t$text=layer+1+text+goes+here&layer=0&size=800,0&extend=0,100,200,100&src=$object$&originN=.5,0&layer=1&text={\\fs80 $text$}&rotate=-90&originN=.5,0&posN=0,0\n',
      },
    });
  });
  after(() => f.close());

  const image = async (path: string) => {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };
  const box = (form: string, rtf: string) => `/is/image/u/?size=230,50&bgc=f0f0f0&fmt=png&${form}=${enc(rtf)}`;

  test('tp01 and tp02: text= leaves a narrow margin above the capitals, textPs= sets them tight to the top', async () => {
    // Adobe's pictures (Arial, \fs40 = 20 px an em): text='s ink is on rows 4-18, textPs='s on rows 0-14.
    const text = inkBox(await image(box('text', '\\fs40Normal Normal Normal')));
    const ps = inkBox(await image(box('textPs', '\\fs40Normal Normal Normal')));
    assert.ok(text.y0 >= 3 && text.y0 <= 5, `text= ink from row ${text.y0}`);
    assert.ok(ps.y0 <= 1, `textPs= ink from row ${ps.y0}`);
    assert.ok(Math.abs(ps.y1 - 14) <= 1 && Math.abs(text.y1 - 18) <= 1, `last ink rows: textPs= ${ps.y1}, text= ${text.y1}`);
    assert.ok(Math.abs(text.x0 - 2) <= 1 && Math.abs(ps.x0 - 2) <= 1, `both start at the left edge: ${text.x0}, ${ps.x0}`);
  });

  test('tp03: raised text= keeps the top margin, the line moving down by the raise; textPs= does not move (tp04)', async () => {
    const raised = await image(box('text', '\\fs40Normal {\\up20Raised }Normal'));
    const all = inkBox(raised);
    // "Normal" at the left, below "Raised": \up20 is 10 pt, 10 px at 72 dpi.
    const normal = inkBox(raised, { x: 0, y: 0, width: 60, height: 50 });
    assert.ok(all.y0 >= 3 && all.y0 <= 5, `the raised word's ink from row ${all.y0}`);
    assert.ok(Math.abs(normal.y1 - 28) <= 1, `"Normal" ends on row ${normal.y1}`);
    const ps = await image(box('textPs', '\\fs40Normal {\\up20Raised }Normal'));
    assert.ok(inkBox(ps).y0 === 0, 'the raised word is clipped at the top');
    assert.ok(Math.abs(inkBox(ps, { x: 0, y: 0, width: 60, height: 50 }).y1 - 14) <= 1, '"Normal" stays where it is without the raise');
  });

  test('a self-sizing text= layer without origin= is centred on its position (its default origin is its centre)', async () => {
    for (const rtf of ['\\fs60 Caption', '\\qr\\fs60 Caption', '\\fs40 two\\line lines']) {
      const img = await image(`/is/image/u/?fmt=png&layer=0&color=ffffff&size=400,200&layer=1&text=${enc(rtf)}`);
      const ink = inkBox(img);
      assert.ok(Math.abs(ink.cx - 200) <= 3, `${rtf}: ink columns ${ink.x0}-${ink.x1}, centre 200`);
      assert.ok(Math.abs(ink.cy - 100) <= 4, `${rtf}: ink rows ${ink.y0}-${ink.y1}, centre 100`);
      const moved = inkBox(await image(`/is/image/u/?fmt=png&layer=0&color=ffffff&size=400,200&layer=1&text=${enc(rtf)}&pos=-100,50`));
      assert.ok(Math.abs(moved.cx - 100) <= 3 && Math.abs(moved.cy - 150) <= 4, `${rtf} at pos=-100,50: ${JSON.stringify(moved)}`);
    }
  });

  test('self-sizing textPs= keeps its point-text origin: the first baseline, from its left end', async () => {
    const img = await image(`/is/image/u/?fmt=png&layer=0&color=ffffff&size=400,200&layer=1&textPs=${enc('\\fs60 HEAD')}`);
    const ink = inkBox(img);
    assert.ok(Math.abs(ink.x0 - 202) <= 2 && Math.abs(ink.y1 - 99) <= 1, `ink ${JSON.stringify(ink)}`);
  });

  test("template Example B: its URL's posN=0.5,0 puts the text past the right edge (no text); posN=0,0 draws its picture", async () => {
    const literal = await image('/is/image/tpl/sq?template=myTemplate2&$text=about+the+image&fmt=png');
    // 40x60 scaled to 800x1200, extended by 100 above and below and 200 to the right.
    assert.deepEqual([literal.width, literal.height], [1000, 1400]);
    assert.ok(inkBox(literal).empty, 'no text on the composite');
    assert.deepEqual(pixelAt(literal, 400, 700).slice(0, 3), [0, 0, 255]);
    const pictured = await image('/is/image/tpl/sq?template=pictured&$text=about+the+image&fmt=png');
    const text = inkBox(pictured);
    assert.ok(!text.empty && text.x0 > 800 && text.x1 >= 990, `the text is in the extension, at the right edge: ${JSON.stringify(text)}`);
    assert.ok(text.y1 - text.y0 > 4 * (text.x1 - text.x0), 'and runs up it');
    assert.ok(Math.abs(text.cy - 700) <= 4, `centred on the image: rows ${text.y0}-${text.y1}`);
  });
});

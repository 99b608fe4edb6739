import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';

// What one text layer may cost a worker. A text of many colours is drawn as one fill per colour run;
// each fill's pass over the layer's whole area made a 3.7 KB URL (3000 runs on a 3000x3000 layer,
// 27 billion pixel operations, charged as 9 million) hold a worker for the whole --render-timeout.
const enc = (s: string) => encodeURIComponent(s);
const COLORS = '{\\colortbl;\\red255\\green0\\blue0;\\red0\\green0\\blue255;}';

describe('text limits', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'images/white.png': await encodeImage(synth(20, 20, () => [255, 255, 255, 255]), 'png') },
      // Far beyond what 3000 glyph-sized fills take, far below what 3000 passes over the layer take.
      config: { 'render-timeout': '20000' },
    });
  });
  after(() => f?.close());

  test('a text of 3000 colour runs on a 3000x3000 layer costs its glyphs, not 3000 passes over the layer', async () => {
    // A variable keeps the URL short: its 150 runs, 20 times.
    const runs = '\\cf1 a\\cf2 b'.repeat(75);
    const url = `/is/image/white.png?$t=${enc(runs)}&layer=0&size=3000,3000&layer=1&size=3000,3000&text=${enc(`{\\rtf1${COLORS}\\fs20 ${'$t$'.repeat(20)}}`)}&wid=1500&fmt=png`;
    // Its layout is refused by default (--max-glyphs charges each run); allowed here, the drawing is what is tested.
    assert.match((await f.get(url)).text, /max-glyphs/);
    const allowed = await startFixture({ files: { 'images/white.png': await encodeImage(synth(20, 20, () => [255, 255, 255, 255]), 'png') }, config: { 'render-timeout': '20000', 'max-glyphs': '100000' } });
    let r;
    try {
      r = await allowed.get(url);
    } finally {
      await allowed.close();
    }
    assert.equal(r.status, 200, r.text);
    const image = await decodeImage(r.body);
    // Both colours were drawn (each run is a fill of its own).
    let red = 0;
    let blue = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const [R, G, B] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
      if (R - B > 40 && R - G > 40) red++;
      if (B - R > 40 && B - G > 40) blue++;
    }
    assert.ok(red > 0 && blue > 0, `red ${red}, blue ${blue}`);
  });

  test('outline points are charged glyph by glyph: 3800 bold @ (400,000 points) is a 403 naming --max-text-points', async () => {
    // An 8 KB URL: a variable of 1900 glyphs of many curves, twice (within --max-glyphs).
    const url = `/is/image/white.png?$t=${enc('@'.repeat(1900))}&layer=1&size=3000,3000&text=${enc(`{\\b\\fs70 ${'$t$'.repeat(2)}}`)}&wid=100`;
    const r = await f.get(url);
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /max-text-points/);
    // A page of 3,800 ordinary letters at the same size is within it.
    const words = await f.get(`/is/image/white.png?$t=${enc('lorem ipsum dolor sit amet '.repeat(70))}&layer=1&size=3000,3000&text=${enc(`{\\b\\fs40 ${'$t$'.repeat(2)}}`)}&wid=100`);
    assert.equal(words.status, 200, words.text);
  });

  test('autoRes lays the text out for each size it tries, and each pass is charged to max-glyphs', async () => {
    // 1500 characters: once is well within 20,000; the twenty passes of autoRes's search are not.
    const text = (attr: string) => f.get(`/is/image/white.png?$t=${enc('W '.repeat(150))}&layer=1&size=3000,3000&text=${enc(`{\\fs20 ${'$t$'.repeat(5)}}`)}&textAttr=${attr}&wid=100`);
    const fixed = await text('72,norm,fixedRes,wrap');
    assert.equal(fixed.status, 200, fixed.text);
    const auto = await text('72,norm,autoRes,wrap');
    assert.equal(auto.status, 403, auto.text);
    assert.match(auto.text, /max-glyphs/);
  });
});

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { decodeImage, decodePngReference, encodeImage, meanDiff, synth } from '../helpers/pixels.ts';
import { run, skipUnless } from '../helpers/tools.ts';
import { scene, toPixels } from '../../tools/fixtures/generate.ts';
import type { Pixels } from '../../src/image/pixels.ts';

/**
 * Composites drawn at the resolution the view needs
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-c:
 * "compositing is done at the optimal resolution for the requested image size"): each view matches
 * the composite made at full size (scl=1) and then scaled by libvips, and what the request is
 * charged is what is drawn.
 */
const VIPS = skipUnless('vips');

/** A counter's value on /metrics, 0 when it is not there. */
async function counter(f: Fixture, name: string, label: string): Promise<number> {
  const line = (await f.get('/metrics')).text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const enc = encodeURIComponent;

describe('composites at the view scale', () => {
  let f: Fixture;
  before(async () => {
    // A 1600x1200 photo, and a 600x450 cut-out: a disc with a soft edge on transparency.
    const cut = synth(600, 450, (x, y) => {
      const d = Math.hypot(x - 300, y - 225);
      const a = Math.max(0, Math.min(255, (200 - d) * 8));
      return [40 + (x % 50) * 4, 120 + (y % 30) * 3, 200, a];
    });
    f = await startFixture({
      files: {
        'images/photo.jpg': await encodeImage(toPixels(1600, 1200, scene(1600, 1200)), 'jpeg'),
        'images/cut.png': await encodeImage(cut, 'png'),
        'catalogs/t.ini': 'RootId=t\nDefaultPix=0,0\nMaxPix=0,0\nBkgColor=ffffff\n',
      },
      config: { 'max-composite-pixels': '5000000' },
    });
  });
  after(() => f.close());

  const image = async (path: string): Promise<Pixels> => {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 300)}`);
    return decodeImage(r.body);
  };

  /** The composite at full size (scl=1), scaled by libvips (Lanczos3) and cut to the view's window. */
  async function scaledByVips(path: string, scale: number, window?: { x: number; y: number; width: number; height: number }): Promise<Pixels> {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 300)}`);
    writeFileSync(join(f.dir, 'full.png'), r.body);
    run(f.dir, 'vips', 'resize', 'full.png', 'scaled.png', String(scale));
    if (window) run(f.dir, 'vips', 'crop', 'scaled.png', 'window.png', String(window.x), String(window.y), String(window.width), String(window.height));
    return decodePngReference(readFileSync(join(f.dir, window ? 'window.png' : 'scaled.png')));
  }

  test('a photo with a transparent PNG on it, as a banner: the view matches the full-size composite scaled', { skip: VIPS }, async () => {
    const layers = 'layer=1&src=cut.png&size=500,375';
    const view = await image(`/is/image/t/photo.jpg?wid=960&hei=320&fit=crop&fmt=png&${layers}`);
    assert.deepEqual([view.width, view.height], [960, 320]);
    // 1600x1200 at 0.6 is 960x720; fit=crop keeps its middle 320 rows.
    const reference = await scaledByVips(`/is/image/t/photo.jpg?scl=1&fmt=png&${layers}`, 0.6, { x: 0, y: 200, width: 960, height: 320 });
    const diff = meanDiff(view, reference);
    assert.ok(diff <= 2, `mean difference ${diff.toFixed(2)}`);
  });

  test('clip paths follow the drawing: explicit path data on a layer and on comp, at the view scale, match the full-size composite scaled', { skip: VIPS }, async () => {
    const layers = `layer=comp&clipPath=${enc('M100,50L1500,50L1500,1150L100,1150Z')}&layer=1&src=cut.png&size=500,375&clipPath=${enc('M0,0L250,0L250,375Z')}&layer=2&color=ff0000&clipPath=${enc('M-80,-60L80,-60L0,60Z')}&pos=-400,200`;
    const view = await image(`/is/image/t/photo.jpg?wid=800&fmt=png-alpha&${layers}`);
    assert.deepEqual([view.width, view.height], [800, 600]);
    const reference = await scaledByVips(`/is/image/t/photo.jpg?scl=1&fmt=png-alpha&${layers}`, 0.5);
    // Where a clip cuts differently, some channel differs by more than a quarter, beyond anti-aliased edges.
    let cut = 0;
    for (let i = 0; i < view.data.length; i += 4) if ([0, 1, 2, 3].some((c) => Math.abs(view.data[i + c]! - reference.data[i + c]!) > 64)) cut++;
    assert.ok(cut < view.width * view.height * 0.002, `${cut} pixels cut differently`);
    const diff = meanDiff(view, reference);
    assert.ok(diff <= 3, `mean difference ${diff.toFixed(2)}`);
  });

  test("comp's flip= and opac= come after the scaling: the top of a composite flipped upside down is its bottom", { skip: VIPS }, async () => {
    const layers = 'layer=comp&flip=ud&opac=60&layer=1&src=cut.png&size=500,375&pos=300,200';
    const view = await image(`/is/image/t/photo.jpg?wid=960&hei=320&fit=crop&align=0,-1&fmt=png&${layers}`);
    const reference = await scaledByVips(`/is/image/t/photo.jpg?scl=1&fmt=png&${layers}`, 0.6, { x: 0, y: 0, width: 960, height: 320 });
    const diff = meanDiff(view, reference);
    assert.ok(diff <= 2, `mean difference ${diff.toFixed(2)}`);
  });

  test('text layers drawn at the view scale match the full-size text scaled', { skip: VIPS }, async () => {
    const text = enc('{\\rtf1\\fs200\\b Composite at view scale\\b0\\par\\fs120 drawn small}');
    const layers = `layer=0&color=e8eef4&size=1600,1000&layer=1&text=${text}&size=1400,700&layer=2&color=c04040&size=300,200&pos=-500,-300`;
    const view = await image(`/is/image/t?wid=400&fmt=png&${layers}`);
    assert.deepEqual([view.width, view.height], [400, 250]);
    const reference = await scaledByVips(`/is/image/t?scl=1&fmt=png&${layers}`, 0.25);
    const diff = meanDiff(view, reference);
    assert.ok(diff <= 3, `mean difference ${diff.toFixed(2)}`);
  });

  test('a drop shadow (offset, op_grow, op_blur) scales with the view', { skip: VIPS }, async () => {
    const layers = 'layer=1&src=cut.png&size=500,375&effect=-1&pos=40,30&op_grow=6&op_blur=20&color=000000&opac=70';
    const view = await image(`/is/image/t/photo.jpg?wid=800&fmt=png&${layers}`);
    assert.deepEqual([view.width, view.height], [800, 600]);
    const reference = await scaledByVips(`/is/image/t/photo.jpg?scl=1&fmt=png&${layers}`, 0.5);
    const diff = meanDiff(view, reference);
    assert.ok(diff <= 2, `mean difference ${diff.toFixed(2)}`);
  });

  test("Adobe's Example C: an equal large res= on every layer renders the view without res=", async () => {
    // res=999 with catalog::Resolution 72 scales every layer 13.875 times: a 22200x16650 composite
    // (370 million pixels) that is never drawn; pos= is in its pixels, so 13.875 times as far.
    const plain = await image('/is/image/t/photo.jpg?hei=400&fmt=png&layer=1&src=cut.png&pos=200,100');
    const res = await image('/is/image/t/photo.jpg?hei=400&fmt=png&layer=0&res=999&layer=1&res=999&src=cut.png&pos=2775,1387.5');
    assert.deepEqual([res.width, res.height], [plain.width, plain.height]);
    const diff = meanDiff(res, plain);
    assert.ok(diff <= 3, `mean difference ${diff.toFixed(2)}`);
  });

  test('the composite size limit applies to what is drawn: a large composite seen small renders, seen whole is refused', async () => {
    // --max-composite-pixels is 5,000,000 here; res=144 makes the composite 3200x2400 (7.7 million).
    const layers = 'fmt=png&layer=0&res=144&layer=1&res=144&src=cut.png';
    const whole = await f.get(`/is/image/t/photo.jpg?scl=1&${layers}`);
    assert.equal(whole.status, 403, whole.text);
    assert.match(whole.text, /The composite would be 3200x2400/);
    // Its 800x600 view draws 800x600, a 1000x1000 window of it at full size (rect=) draws 1000x1000.
    assert.equal((await f.get(`/is/image/t/photo.jpg?wid=800&${layers}`)).status, 200);
    assert.equal((await f.get(`/is/image/t/photo.jpg?scl=1&rect=1000,800,1000,1000&${layers}`)).status, 200);
  });

  test('the account is charged the pixels decoded and the work of the view, not of the full-size composite', async () => {
    const charged = async (query: string) => {
      const pixels = await counter(f, 'isle_account_charged_total', 'meter="pixels"');
      const work = await counter(f, 'isle_account_charged_total', 'meter="work"');
      await image(`/is/image/t/photo.jpg?${query}&fmt=jpeg&layer=1&src=cut.png&size=500,375`);
      return {
        pixels: (await counter(f, 'isle_account_charged_total', 'meter="pixels"')) - pixels,
        work: (await counter(f, 'isle_account_charged_total', 'meter="work"')) - work,
      };
    };
    const small = await charged('wid=200');
    const large = await charged('wid=1600');
    // At wid=200 the photo is decoded at 1/8 (200x150) and the PNG in full (600x450); at wid=1600 both in full.
    assert.equal(small.pixels, 200 * 150 + 600 * 450);
    assert.equal(large.pixels, 1600 * 1200 + 600 * 450);
    assert.ok(small.work * 4 < large.work, `work ${small.work} against ${large.work}`);
  });
});

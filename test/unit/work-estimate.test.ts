import assert from 'node:assert/strict';
import { test } from 'node:test';
import { typedAttributes } from '../../src/catalog/catalog.ts';
import { planComposite, type Header } from '../../src/planning/composite.ts';
import { footprint } from '../../src/planning/composite-footprint.ts';
import { planRequest } from '../../src/planning/plan-request.ts';
import { sniff } from '../../src/planning/source-formats.ts';
import { interpretImageRequest } from '../../src/protocol/commands.ts';
import { interpretRequest } from '../../src/protocol/layers.ts';
import { parseModifiers } from '../../src/protocol/url.ts';
import { manyScansJpeg } from '../../tools/fixtures/many-scans.ts';

const defaults = { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3' as const, resolution: 72, formatAuto: true, browserFormatConversion: false };
const settings = { maxSourcePixels: 100_000_000, jobBytes: 384 * 2 ** 20, pngLevel: 6, upscaleWithoutFit: true, maxCompositePixels: 25_000_000 };
const attributes = typedAttributes(new Map([['maxpix', '4000,4000']]), 'test');
const header = (width: number, height: number, scans?: number): Header => ({
  format: 'jpeg', width, height, components: 3, hasAlpha: false, bitDepth: 8, hasIcc: false, hasXmp: false, orientation: 1, ...(scans ? { scans } : {}),
});

/** The planner's work estimate of a single image request on a source of this header. */
const work = (query: string, source = header(2000, 2000)) =>
  planRequest(interpretImageRequest(parseModifiers(query), defaults), attributes, source, settings, false).footprint.workPixels;

/** The same for a layered request on solid layers. */
function compositeWork(query: string): number {
  const request = interpretRequest(parseModifiers(query), defaults);
  const layered = request.layered!;
  const plan = planComposite(
    { request, layers: layered.layers.map((layer) => ({ request: layer, input: undefined })), effects: layered.effects, attributes, nested: false, effectMask: true, alignGiven: false },
    settings,
  );
  return footprint(plan).workPixels;
}

test("a filter's work grows with its reach: blur and unsharp of radius 100 cost far more than of radius 1", () => {
  const plain = work('wid=2000');
  const [blur1, blur100] = [work('wid=2000&op_blur=1'), work('wid=2000&op_blur=100')];
  assert.ok(blur1 > plain, `${blur1} > ${plain}`);
  assert.ok(blur100 > 20 * blur1, `blur: ${blur100} against ${blur1}`);
  assert.ok(work('wid=2000&op_usm=1,100,0') > 20 * work('wid=2000&op_usm=1,1,0'), 'unsharp');
});

test("ten effects cost about ten times one; an effect's blur adds with its radius", () => {
  // scl=1: the composite is drawn at its own size (a smaller view would draw the effects smaller).
  const base = 'scl=1&layer=0&size=2000,2000&color=ff0000';
  const canvas = compositeWork(base);
  const effects = (n: number, commands: string) => `${base}${Array.from({ length: n }, (_, i) => `&effect=-${i + 1}&${commands}`).join('')}`;
  const one = compositeWork(effects(1, 'op_grow=100')) - canvas;
  const ten = compositeWork(effects(10, 'op_grow=100')) - canvas;
  assert.ok(one > 0);
  assert.ok(Math.abs(ten / one - 10) < 0.01, `ten effects: ${ten / one} times one`);
  assert.ok(compositeWork(effects(1, 'op_grow=100&op_blur=50')) - canvas > 10 * one, 'op_blur=50 on the effect');
});

test('an encoder with more effort costs more per pixel: AVIF and PNG against JPEG', () => {
  assert.ok(work('wid=1000&fmt=avif') > work('wid=1000&fmt=jpeg'));
  assert.ok(work('wid=1000&fmt=png') > work('wid=1000&fmt=jpeg'));
});

test("a progressive JPEG costs its scans times its full frame's pixels, whatever the reply's size", () => {
  assert.equal(sniff(manyScansJpeg(64, 48, 900)).scans, 900, 'the header walk counts the SOS markers');
  assert.equal(sniff(manyScansJpeg(64, 48, 1)).scans, undefined, 'one scan: nothing to charge');
  const baseline = work('wid=100', header(4000, 4000));
  const progressive = work('wid=100', header(4000, 4000, 900));
  assert.ok(progressive >= 900 * 4000 * 4000, `${progressive}`);
  assert.ok(progressive > 1000 * baseline, `${progressive} against ${baseline}`);
});

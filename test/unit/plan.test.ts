import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpretImageRequest } from '../../src/protocol/commands.ts';
import { parseModifiers } from '../../src/protocol/url.ts';
import { planRender } from '../../src/planning/plan.ts';
import { planRequest } from '../../src/planning/plan-request.ts';
import { typedAttributes } from '../../src/catalog/catalog.ts';
import { layoutView } from '../../src/planning/view.ts';

const WHITE = { r: 255, g: 255, b: 255, a: 255 };
function plan(query: string, hasAlpha = false) {
  const request = interpretImageRequest(parseModifiers(query), { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3', resolution: 72, formatAuto: true, browserFormatConversion: false });
  const source = { width: 2000, height: 1000 };
  const layout = layoutView(request.view, source, { defaultSize: { width: 0, height: 0 }, upscaleWithoutFit: true });
  const composite = { x: 0, y: 0, ...source };
  return planRender({ layout, source, composite, format: 'png', orientation: 1, hasAlpha, output: request.output, filters: request.filters, resampling: request.resampling, background: request.view.background ?? WHITE });
}
const ops = (query: string, hasAlpha = false) => plan(query, hasAlpha).steps.map((s) => s.op).join(',');

test('a plain downscale is resize then encode', () => assert.equal(ops('wid=500'), 'resize,encode'));
test('scl=1 with nothing else is decode and encode only', () => assert.equal(ops('scl=1'), 'encode'));

test('fit=crop crops the centred source span, then resizes to the canvas', () => {
  const p = plan('wid=300&hei=300&fit=crop');
  assert.deepEqual(p.steps.slice(0, 2), [
    { op: 'crop', rect: { x: 500, y: 0, width: 1000, height: 1000 } },
    { op: 'resize', width: 300, height: 300, premultiply: false, filter: 'lanczos3' },
  ]);
});

test('fit=fit pads with bgc: resize to 300x150, extend at y=75', () => {
  const p = plan('wid=300&hei=300&bgc=ff0000');
  assert.deepEqual(p.steps[0], { op: 'resize', width: 300, height: 150, premultiply: false, filter: 'lanczos3' });
  assert.deepEqual(p.steps[1], { op: 'extend', canvas: { width: 300, height: 300 }, x: 0, y: 75, background: { r: 255, g: 0, b: 0, a: 255 } });
});

test('png-alpha pads with transparency and keeps alpha; jpeg flattens a source with alpha', () => {
  const alpha = plan('wid=300&hei=300&fmt=png-alpha&bgc=ff0000', true);
  assert.deepEqual((alpha.steps[1] as { background: unknown }).background, { r: 0, g: 0, b: 0, a: 0 });
  assert.ok(!alpha.steps.some((s) => s.op === 'flatten'));
  assert.equal(ops('wid=300&fmt=jpeg', true), 'resize,flatten,encode');
  assert.equal(ops('wid=300&fmt=png', true), 'resize,flatten,encode');
});

test('a tile entirely outside the image is a blank canvas', () => {
  assert.equal(ops('scl=1&rect=5000,5000,100,100'), 'blank,encode');
});

test('a tile across the edge crops the overlapping source and pads the rest', () => {
  const p = plan('scl=1&rect=1900,900,200,200');
  assert.deepEqual(p.steps.slice(0, 2), [
    { op: 'crop', rect: { x: 1900, y: 900, width: 100, height: 100 } },
    { op: 'extend', canvas: { width: 200, height: 200 }, x: 0, y: 0, background: WHITE },
  ]);
  assert.deepEqual(p.output, { width: 200, height: 200 });
});

test('planRequest: a typed request, catalog attributes and a source header give the plan, with no file, worker or WASM', () => {
  const attributes = typedAttributes(new Map([['maxpix', '2000,2000']]), 'test');
  const request = (query: string) => interpretImageRequest(parseModifiers(query), { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3', resolution: 72, formatAuto: true, browserFormatConversion: false });
  const header = { format: 'jpeg' as const, width: 1000, height: 800, components: 3, hasAlpha: false, bitDepth: 8, hasIcc: false, hasXmp: false, orientation: 6 };
  const settings = { maxSourcePixels: 100_000_000, jobBytes: 384 * 2 ** 20, pngLevel: 6, upscaleWithoutFit: true };
  const { plan, footprint } = planRequest(request('wid=100'), attributes, header, settings, false);
  // Orientation 6 turns 1000x800 into 800x1000: 100 wide is 125 high.
  assert.deepEqual(plan.output, { width: 100, height: 125 });
  assert.equal(plan.steps.at(-1)!.op, 'encode');
  assert.ok(footprint.peakBytes > 0 && plan.layers[0].source.fullDecode === true);
  // The plan decides shrink-on-load (800x1000 to 100x125: 1/8 gives exactly 100x125) and holds the steps for it.
  assert.equal(plan.layers.length, 1);
  assert.equal(plan.layers[0].source.shrink, 8);
  assert.deepEqual(plan.shrunk!.map((s) => s.op), ['resize', 'encode']);
  assert.deepEqual(plan.shrunk![0], { ...plan.steps[0], region: { x: 0, y: 0, width: 100, height: 125 } });
  assert.throws(() => planRequest(request('extend=9000,9000,9000,9000&wid=100'), attributes, header, settings, false), /intermediate image/);
  assert.throws(() => planRequest(request('wid=3000'), attributes, header, settings, false), /MaxPix/);
});

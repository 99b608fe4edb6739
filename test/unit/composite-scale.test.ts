import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpretRequest } from '../../src/protocol/layers.ts';
import { parseModifiers } from '../../src/protocol/url.ts';
import { planComposite, type Header, type ResolvedComposite, type ResolvedInput } from '../../src/planning/composite.ts';
import { footprint } from '../../src/planning/composite-footprint.ts';

// Composites planned at the view's scale (planning/composite-scale.ts): what is drawn, in numbers.
const defaults = { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3' as const, resolution: 72, formatAuto: true, browserFormatConversion: false };
const settings = { maxSourcePixels: 1e8, jobBytes: 1e9, pngLevel: 6, upscaleWithoutFit: true, maxCompositePixels: 25e6 };
const white = { r: 255, g: 255, b: 255, a: 255 };
const attributes = { thumbnail: { type: 'fit' as const, defaultSize: { width: 100, height: 100 }, background: white, align: { x: 0, y: 0 } }, defaultSize: { width: 0, height: 0 }, maxSize: { width: 0, height: 0 }, background: white };
const header = (format: 'jpeg' | 'png', width: number, height: number, hasAlpha = false): Header => ({ format, width, height, components: hasAlpha ? 4 : 3, hasAlpha, bitDepth: 8, hasIcc: false, hasXmp: false, orientation: 1 });
const PHOTO: ResolvedInput = { kind: 'file', file: 0, header: header('jpeg', 2725, 2225) };
const CUT: ResolvedInput = { kind: 'file', file: 1, header: header('png', 1024, 768, true) };

function plan(query: string) {
  const request = interpretRequest(parseModifiers(query), defaults);
  const resolved: ResolvedComposite = {
    request,
    layers: request.layered!.layers.map((layer, i) => ({ request: layer, input: [PHOTO, CUT][i] })),
    effects: request.layered!.effects,
    attributes,
    nested: false,
    effectMask: true,
    alignGiven: false,
  };
  return planComposite(resolved, settings);
}

test('a 1920x640 banner of a 2725x2225 composite draws 1920x640: the photo cut to the rows it shows, the cut-out at 470x352', () => {
  const banner = plan('wid=1920&hei=640&fit=crop&fmt=jpeg&layer=1&src=cut&size=667,500');
  const { canvas, layers, steps } = banner.composite;
  assert.deepEqual(canvas, { width: 1920, height: 640 });
  assert.deepEqual(steps.map((s) => s.op), ['flatten', 'encode'], 'the canvas is the view: nothing resamples it again');
  const [photo, cut] = layers;
  // 640 rows of the view are 908.2 rows of the photo, from row 658.4: read from 654 with the filter's
  // reach, the decoder stopping after row 1570 (planning/jpeg-region.ts).
  assert.ok(photo!.input.kind === 'file');
  assert.deepEqual(photo!.input.read, { directory: 0, size: { width: 2725, height: 2225 }, rect: { x: 0, y: 654, width: 2725, height: 917 } });
  assert.deepEqual([photo!.steps[0]!.op, photo!.size], ['resize', { width: 1920, height: 640 }]);
  assert.deepEqual([cut!.x, cut!.y, cut!.size.width, cut!.size.height], [725, 144, 470, 352]);
  const full = footprint(plan('scl=1&fmt=jpeg&layer=1&src=cut&size=667,500'));
  const drawn = footprint(banner);
  // The photo's full-size decode is in both; the float canvas (20 bytes a pixel) is 1.2 MP, not 6.1.
  assert.ok(drawn.peakBytes + 4 * 2 ** 20 * 20 < full.peakBytes, `peak ${drawn.peakBytes} against ${full.peakBytes} at full size`);
  assert.ok(drawn.workPixels * 1.5 < full.workPixels, `work ${drawn.workPixels} against ${full.workPixels} at full size`);
});

test("Example C: res=999 on every layer plans the very drawing of the request without res=", () => {
  const plain = plan('hei=400&fmt=png&layer=1&src=cut&pos=100,50');
  const res = plan('hei=400&fmt=png&layer=0&res=999&layer=1&res=999&src=cut&pos=1387.5,693.75');
  const drawing = (p: typeof plain) => ({ canvas: p.composite.canvas, output: p.output, layers: p.composite.layers.map((l) => [l.x, l.y, l.size.width, l.size.height]) });
  assert.deepEqual(drawing(res), drawing(plain));
  assert.deepEqual(res.composite.canvas, { width: 490, height: 400 });
});

test('each source is decoded with shrink-on-load for its own scale in the view', () => {
  const small = plan('wid=300&fmt=jpeg&layer=1&src=cut&size=667,500');
  const [photo] = small.composite.layers;
  assert.ok(photo!.input.kind === 'file');
  // 2725x2225 to 300 wide: 1/8 (341x279) still covers it.
  assert.equal(photo!.input.shrink, 8);
  assert.equal(footprint(small).decodePixels, 341 * 279 + 1024 * 768);
});

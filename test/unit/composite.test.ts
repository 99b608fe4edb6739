import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { interpretRequest } from '../../src/protocol/layers.ts';
import { parseModifiers, splitTopLevel } from '../../src/protocol/url.ts';
import { splitSegments } from '../../src/protocol/segments.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { planComposite, type Header, type ResolvedComposite, type ResolvedLayer } from '../../src/planning/composite.ts';
import { decodeKey, decodeUses } from '../../src/planning/composite-footprint.ts';
import { createCanvas, draw, toPixels } from '../../src/pipeline/steps/blend.ts';
import type { BlendMode } from '../../src/protocol/request.ts';
import type { Pixels } from '../../src/image/pixels.ts';
import { codecs } from '../helpers/pixels.ts';

await codecs();

const defaults = { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3' as const, resolution: 72, formatAuto: true, browserFormatConversion: false };
const interpret = (query: string) => interpretRequest(parseModifiers(query), defaults);
const refused = (query: string, message: RegExp) =>
  assert.throws(() => interpret(query), (err) => err instanceof IsError && err.status === 403 && message.test(err.message), query);

test('the query splits on & outside brackets only; a nested request stays one encoded value', () => {
  assert.deepEqual(splitTopLevel('a=1&src=is{x/y?wid=2&hei=3}&b=(c)&d=2'), ['a=1', 'src=is{x/y?wid=2&hei=3}', 'b=(c)', 'd=2']);
  assert.deepEqual(splitTopLevel('src=is(a?src=is(b?wid=1&hei=2)&wid=3)&x=1'), ['src=is(a?src=is(b?wid=1&hei=2)&wid=3)', 'x=1']);
  // A parenthesis in an ordinary value opens nothing.
  assert.deepEqual(splitTopLevel('$cta=Offer (today&wid=5'), ['$cta=Offer (today', 'wid=5']);
  const [m] = parseModifiers('src=is{a?text=50%25&wid=1}');
  assert.equal(m!.value, 'is{a?text=50%25&wid=1}', 'not decoded at the outer level');
  assert.throws(() => splitTopLevel('src=is{a?wid=1'), IsError);
});

test('segments: comp commands go to layer 0 or to the composite by the command table; request commands are global', () => {
  const s = splitSegments(parseModifiers('wid=100&crop=0,0,5,5&opac=50&layer=2,badge&pos=3,4&fmt=png&effect=-1&opac=30&layer=badge&scale=2&layer=comp&flip=lr'));
  assert.deepEqual(s.layers.get(0)!.modifiers.map((m) => m.name), ['crop']);
  assert.deepEqual(s.request.map((m) => m.name), ['wid', 'opac', 'fmt', 'flip']);
  assert.deepEqual(s.layers.get(2)!.modifiers.map((m) => `${m.name}=${m.value}`), ['pos=3,4', 'scale=2'], 'segments of one layer merge');
  assert.deepEqual(s.layers.get(2)!.effects.get(-1)!.map((m) => m.name), ['opac']);
  assert.equal(s.layered, true);
});

// The examples of https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-layer
test("named layers as the reference's layer= examples say", () => {
  assert.doesNotThrow(() => interpret('layer=1,image&color=ffffff&size=1,1&layer=1,image'), 'the same name bound again to the same layer');
  assert.doesNotThrow(() => interpret('layer=1,image&color=ffffff&size=1,1&layer=1,picture&layer=picture&pos=1,1'), 'several names for one layer');
  refused('layer=1,image&color=ffffff&size=1,1&layer=2,image', /given to two layers/);
  refused('layer=1,image&color=ffffff&size=1,1&layer=picture', /names no layer/);
});

test('bad layer input answers 403 with the reason', () => {
  refused('layer=1&color=ffffff&size=1,1&layer=nosuch', /names no layer/);
  refused('layer=1,a&color=ffffff&size=1,1&layer=2,a', /given to two layers/);
  refused('layer=comp,x', /cannot be named/);
  refused('layer=1,comp', /cannot be a layer name/);
  refused('effect=0', /non-zero/);
  refused('layer=1&color=ff0000', /needs size=/);
  refused('layer=1&src=ir{vignette?wid=1}', /Image Rendering/);
  refused('layer=1&src=fxg{x}', /FXG/);
  assert.deepEqual(interpret('layer=1&src=(http://example.com/a.jpg)').layered!.layers[1]!.source, { kind: 'foreign', url: 'http://example.com/a.jpg' });
  assert.deepEqual(interpret('layer=1&textPs=Hello').layered!.layers[1]!.source, { kind: 'text', text: { form: 'textps', rtf: 'Hello', resolution: 72, antialias: true, resMode: 'fixed', wrap: 'wrap', angle: 0 } });
  refused('layer=1&textPs=Hello&textPath=M0,0L1,1', /textpath is not supported/);
  refused('layer=1&color=ff0000&size=9,9&blendMode=overlay', /blendMode must be/);
  refused('layer=0&sizeN=0.5,0.5&color=ff0000', /sizeN is not allowed on layer 0/);
});

test('a single image stays a single image: layer=comp, layer=0 and size= alone are not composites', () => {
  for (const q of ['wid=100', 'layer=comp&wid=100', 'layer=0&size=100,100', 'layer=0&wid=9&layer=comp&opac=50']) {
    assert.equal(interpret(q).layered, undefined, q);
  }
  assert.ok(interpret('effect=-1&wid=100').layered, 'effect= on a single image makes it a composite of one layer');
  assert.equal(interpret('layer=1&src=x&blendMode=multiply').layered!.layers[1]!.blend, 'multiply', 'unpic sends multiply');
});

const header = (width: number, height: number, hasAlpha = false): Header => ({ format: 'png', width, height, components: hasAlpha ? 4 : 3, hasAlpha, bitDepth: 8, hasIcc: false, hasXmp: false, orientation: 1 });
const settings = { maxSourcePixels: 1e8, jobBytes: 1e9, pngLevel: 6, upscaleWithoutFit: true, maxCompositePixels: 25e6 };
const attributes = { thumbnail: { type: 'fit' as const, defaultSize: { width: 100, height: 100 }, background: { r: 255, g: 255, b: 255, a: 255 }, align: { x: 0, y: 0 } }, defaultSize: { width: 0, height: 0 }, maxSize: { width: 0, height: 0 }, background: { r: 255, g: 255, b: 255, a: 255 } };

function resolvedOf(query: string, inputs: (ResolvedLayer['input'] | undefined)[]): ResolvedComposite {
  const request = interpret(query);
  return {
    request,
    layers: request.layered!.layers.map((layer, i) => ({ request: layer, input: inputs[i] })),
    effects: request.layered!.effects,
    attributes,
    nested: false,
    effectMask: true,
    alignGiven: false,
  };
}

test('placement: top-left = layer 0 origin + pos - layer origin (a worked example)', () => {
  // room 1000x800, star 200x200 scaled 1.25 → 250x250, posN=0.33,-.25 → (705, 75).
  const plan = planComposite(resolvedOf('layer=1&src=star&scale=1.25&posN=0.33,-.25&fmt=png', [{ kind: 'file', file: 0, header: header(1000, 800) }, { kind: 'file', file: 1, header: header(200, 200, true) }]), settings);
  const [, star] = plan.composite.layers;
  assert.deepEqual(plan.composite.canvas, { width: 1000, height: 800 });
  assert.deepEqual([star!.x, star!.y, star!.size.width, star!.size.height], [705, 75, 250, 250]);
});

test('placement: origin, originN and anchor move the point that is placed', () => {
  const inputs = [{ kind: 'file' as const, file: 0, header: header(400, 200) }, { kind: 'file' as const, file: 1, header: header(100, 50) }];
  const at = (q: string) => {
    const layer = planComposite(resolvedOf(q, inputs), settings).composite.layers[1]!;
    return [layer.x, layer.y];
  };
  assert.deepEqual(at('layer=1&src=a'), [150, 75], 'centred by default');
  assert.deepEqual(at('layer=1&src=a&originN=-0.5,-0.5&posN=-0.5,-0.5'), [0, 0], 'top-left corners meet');
  assert.deepEqual(at('layer=1&src=a&origin=0,0&pos=-200,-100'), [0, 0]);
  assert.deepEqual(at('layer=1&src=a&anchor=0,0'), [200, 100], 'anchor at its top-left: that corner on the centre');
  assert.deepEqual(at('layer=1&src=a&anchor=0,0&scale=2'), [200, 100], 'the anchor follows the scale');
  assert.deepEqual(at('layer=1&src=a&anchor=0,0&flip=lr'), [100, 100], 'and the flip: the top-left is now the top-right');
  assert.deepEqual(at('layer=1&src=a&anchor=0,0&rotate=90'), [150, 100], 'and a quarter turn clockwise: the top-left goes to the top-right');
  assert.deepEqual(at('layer=1&src=a&anchor=0,0&extend=10,5,0,0'), [190, 95], 'and extend');
  assert.deepEqual(at('layer=0&extend=0,0,100,0&layer=1&src=a'), [200, 75], "layer 0's extend grows the canvas and moves its centre");
});

test('a file two layers use is decoded once, at one shrink factor', () => {
  const photo = { kind: 'file' as const, file: 0, header: { ...header(4000, 3000), format: 'jpeg' as const } };
  const plan = planComposite(resolvedOf('layer=1&src=a&size=200,200&layer=2&src=a&size=1000,1000&fmt=png', [{ kind: 'file', file: 1, header: header(100, 100) }, photo, photo]), settings);
  const [, small, large] = plan.composite.layers;
  assert.ok(small!.input.kind === 'file' && large!.input.kind === 'file');
  assert.equal(small!.input.shrink, large!.input.shrink, 'one factor for the file');
  assert.equal(small!.input.shrink, 4, 'the larger layer allows 1/4 only (1000x750 of 4000x3000)');
  assert.equal(decodeUses(plan).get(decodeKey(0, { shrink: 4 })), 2);
});

test('limits: the composite canvas and solid layers are bounded before anything is allocated', () => {
  const big = resolvedOf('layer=0&color=ff0000&size=6000,6000', [undefined]);
  assert.throws(() => planComposite(big, settings), /The composite would be 6000x6000/);
  const far = resolvedOf('layer=0&color=ff0000&size=10,10&layer=1&color=ff0000&size=1,1&pos=2000000000,0', [undefined, undefined]);
  assert.throws(() => planComposite(far, settings), /placed too far away/);
});

// A float reference of the compositing formulas (W3C Compositing and Blending Level 1).
const REFERENCE: Record<string, (b: number, s: number) => number> = {
  normal: (_b, s) => s,
  multiply: (b, s) => b * s,
  screen: (b, s) => b + s - b * s,
  darken: Math.min,
  lighten: Math.max,
};

function reference(base: Pixels, top: Pixels, mode: string, opacity: number): Float64Array {
  const out = new Float64Array(base.data.length);
  for (let i = 0; i < base.data.length; i += 4) {
    const ab = base.data[i + 3]! / 255;
    const as = (top.data[i + 3]! / 255) * opacity;
    const ao = as + ab * (1 - as);
    for (let c = 0; c < 3; c++) {
      const cb = base.data[i + c]! / 255;
      const cs = top.data[i + c]! / 255;
      const co = as * (1 - ab) * cs + as * ab * REFERENCE[mode]!(cb, cs) + (1 - as) * ab * cb;
      out[i + c] = ao > 0 ? (co / ao) * 255 : 0;
    }
    out[i + 3] = ao * 255;
  }
  return out;
}

const image = (w: number, h: number) => fc.uint8Array({ minLength: w * h * 4, maxLength: w * h * 4 }).map((d): Pixels => ({ data: new Uint8ClampedArray(d), width: w, height: h }));

test('blend modes match a float reference within 1 per 8-bit channel (property)', (t) => {
  let worst = 0;
  let squared = 0;
  let samples = 0;
  fc.assert(
    fc.property(image(8, 8), image(8, 8), fc.constantFrom('normal', 'multiply', 'screen', 'darken', 'lighten'), fc.double({ min: 0, max: 1, noNaN: true }), (base, top, mode, opacity) => {
      const canvas = createCanvas(8, 8);
      draw(canvas, base, 0, 0, 1, 'normal');
      draw(canvas, top, 0, 0, opacity, mode as BlendMode);
      const got = toPixels(canvas).data;
      const want = reference(base, top, mode, opacity);
      for (let i = 0; i < got.length; i += 4) {
        // Colour means nothing where the result is fully transparent.
        if (Math.round(want[i + 3]!) === 0) continue;
        for (let c = 0; c < 4; c++) {
          const diff = Math.abs(got[i + c]! - want[i + c]!);
          worst = Math.max(worst, diff);
          squared += diff * diff;
          samples++;
        }
      }
      return worst <= 1;
    }),
    { numRuns: 300 },
  );
  const psnr = 10 * Math.log10((255 * 255) / (squared / samples));
  t.diagnostic(`max abs diff ${worst.toFixed(3)}, PSNR ${psnr.toFixed(1)} dB over ${samples} samples`);
  assert.ok(worst <= 1);
});

test('dissolve keeps each pixel fully or not at all, by its alpha, the same way on every render', () => {
  const top: Pixels = { data: new Uint8ClampedArray(64 * 64 * 4).fill(0).map((_, i) => (i % 4 === 3 ? 64 : i % 4 === 0 ? 255 : 0)), width: 64, height: 64 };
  const render = () => {
    const canvas = createCanvas(64, 64);
    draw(canvas, top, 0, 0, 1, 'dissolve', 3);
    return toPixels(canvas).data;
  };
  const a = render();
  assert.deepEqual(a, render());
  let kept = 0;
  for (let i = 3; i < a.length; i += 4) {
    assert.ok(a[i] === 0 || a[i] === 255);
    if (a[i] === 255) kept++;
  }
  const share = kept / (64 * 64);
  assert.ok(share > 0.2 && share < 0.3, `about a quarter kept: ${share}`);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { compare, referenceResize } from '../../bench/reference.ts';
import { resize } from '../../src/pipeline/steps/resize.ts';
import { boxFactor } from '../../src/planning/shrink.ts';
import { codecs, decodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { FIXTURES } from '../helpers/server.ts';

before(() => codecs());

const photo = () => decodeImage(readFileSync(join(FIXTURES, 'orientation-1.jpg')));

test('the SIMD kernel matches the float Lanczos3 reference within rounding (downscale, no box)', async (t) => {
  const source = await photo();
  for (const [w, h] of [[250, 188], [599, 449], [97, 300]] as const) {
    const { maxDiff, psnr } = compare(resize(source, w, h, { allowBox: false }), referenceResize(source, w, h));
    t.diagnostic(`600x450 -> ${w}x${h}: max diff ${maxDiff}, PSNR ${psnr.toFixed(1)} dB`);
    assert.ok(maxDiff <= 3, `${w}x${h}: max diff ${maxDiff}`);
    assert.ok(psnr > 48, `${w}x${h}: PSNR ${psnr}`);
  }
});

test('upscaling matches the reference too', async () => {
  const source = synth(40, 30, (x, y) => [(x * 37) % 256, (y * 53) % 256, ((x ^ y) * 11) % 256, 255]);
  const { maxDiff } = compare(resize(source, 123, 91), referenceResize(source, 123, 91));
  assert.ok(maxDiff <= 2, `max diff ${maxDiff}`);
});

test('a large reduction takes the box pre-shrink and stays close to pure Lanczos3', async (t) => {
  const source = await photo();
  assert.equal(boxFactor(600, 450, 100, 75), 4);
  assert.equal(boxFactor(600, 450, 300, 225), 1);
  const { maxDiff, psnr } = compare(resize(source, 100, 75), referenceResize(source, 100, 75));
  t.diagnostic(`600x450 -> 100x75 with a 4x box: max diff ${maxDiff}, PSNR ${psnr.toFixed(1)} dB`);
  assert.ok(psnr > 30, `PSNR ${psnr}`);
});

test('alpha is premultiplied: a transparent neighbour does not darken the edge', () => {
  const source = synth(64, 16, (x) => (x < 32 ? [250, 40, 10, 255] : [0, 0, 0, 0]));
  const out = resize(source, 24, 6);
  const ref = referenceResize(source, 24, 6);
  for (let x = 0; x < 24; x++) {
    const [r, g, b, a] = pixelAt(out, x, 3);
    if (a > 20) assert.ok(r > 235 && g < 55 && b < 25, `x=${x}: ${[r, g, b, a]}`);
  }
  // At very low alpha 8-bit premultiplication cannot keep the colour exactly; what is seen (the
  // colour weighted by alpha) stays within rounding of the reference.
  const seen = (p: typeof out) => ({ ...p, data: p.data.map((v, i) => (i % 4 === 3 ? v : (v * p.data[i - (i % 4) + 3]!) / 255)) });
  assert.ok(compare(seen(out), seen(ref)).maxDiff <= 2);
});

test('resizing leaves the source untouched and the weights sum to one (a flat image stays flat)', () => {
  const flat = synth(333, 111, () => [77, 128, 201, 255]);
  const copy = new Uint8ClampedArray(flat.data);
  const out = resize(flat, 50, 17);
  assert.deepEqual(flat.data, copy);
  for (let i = 0; i < out.data.length; i += 4) assert.deepEqual([...out.data.subarray(i, i + 4)], [77, 128, 201, 255]);
});

test('resMode filters: bilinear interpolates linearly; the cubic and Lanczos filters differ from it', () => {
  const ramp = synth(2, 1, (x) => (x === 0 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
  const row = (filter: 'bilinear' | 'bicubic' | 'lanczos3' | 'bicubicSharper') =>
    [...resize(ramp, 4, 1, { filter }).data].filter((_, i) => i % 4 === 0);
  assert.deepEqual(row('bilinear'), [0, 64, 191, 255]);
  const cubic = row('bicubic');
  const sharper = row('bicubicSharper');
  const lanczos = row('lanczos3');
  assert.notDeepEqual(cubic, row('bilinear'));
  assert.notDeepEqual(sharper, cubic);
  assert.notDeepEqual(lanczos, cubic);
});

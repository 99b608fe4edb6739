import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { compare, referenceResize } from '../../tools/reference.ts';
import { greyPlane, resize } from '../../src/pipeline/steps/resize.ts';
import { boxFactor } from '../../src/planning/shrink.ts';
import { resizeKernelInstance, resizerArena } from '../../src/image/kernels.ts';
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
  assert.equal(boxFactor(600, 450, 100, 75), 3);
  assert.equal(boxFactor(800, 600, 220, 165), 1);
  assert.equal(boxFactor(600, 450, 300, 225), 1);
  const { maxDiff, psnr } = compare(resize(source, 100, 75), referenceResize(source, 100, 75));
  t.diagnostic(`600x450 -> 100x75 with a 3x box: max diff ${maxDiff}, PSNR ${psnr.toFixed(1)} dB`);
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

test('premultiplying is exact for every colour and alpha, four pixels a step and one at a time', () => {
  // Every colour byte at every alpha (256 pixels to an alpha, the last 256 opaque, so that the
  // shortcut for four opaque pixels is taken too), and one pixel more for the one-at-a-time tail.
  const pixels = 256 * 256 + 1;
  const k = resizeKernelInstance();
  const arena = resizerArena(new Uint8Array(0));
  const at = arena.take(pixels * 4);
  const data = arena.bytes(at, pixels * 4);
  for (let i = 0; i < pixels; i++) data.set([i & 255, 255 - (i & 255), (i * 7) & 255, (i >> 8) & 255], i * 4);
  k.premultiply(at, pixels);
  const after = arena.bytes(at, pixels * 4);
  for (let i = 0; i < pixels; i++) {
    const a = (i >> 8) & 255;
    const expected = [i & 255, 255 - (i & 255), (i * 7) & 255].map((c) => Math.round((c * a) / 255));
    assert.deepEqual([...after.subarray(i * 4, i * 4 + 4)], [...expected, a], `pixel ${i} (alpha ${a})`);
  }
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

test('resampling averages gamma-encoded values (decision): black and white lines halve to 128, not linear light\'s 188', () => {
  // The classic gamma test: 1-pixel lines of 0 and 255 look like a 50% grey patch at full size;
  // averaged in linear light they would shrink to 188, averaged as encoded (as Isle does) to 128.
  const lines = synth(64, 64, (_x, y) => (y % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
  const half = resize(lines, 32, 32, { filter: 'bilinear' });
  const [v] = pixelAt(half, 16, 16);
  assert.ok(Math.abs(v! - 128) <= 2, `the lines at half size: ${v}`);
});

test("opaque grey takes the rows pass on one byte a pixel, with the RGBA path's pixels exactly", () => {
  // Widths that leave partial vectors (16 pixels) and rows not a multiple of 4 bytes; heights of
  // several 256 KB bands; a region of fractional pixels; and an upscale.
  const cases = [[203, 157, 61, 40], [1001, 150, 333, 90], [35, 64, 35, 9], [64, 48, 150, 101], [2100, 90, 700, 31]] as const;
  for (const [sw, sh, w, h] of cases) {
    const grey = synth(sw, sh, (x, y) => {
      const g = (x * 37 + y * 91 + ((x * y) % 7) * 30) % 256;
      return [g, g, g, 255];
    });
    // One pixel a shade short of opaque, in the last row (the last band), with premultiplication
    // off, sends the same grey through the RGBA path.
    const rgba = { ...grey, data: grey.data.slice() };
    rgba.data[(sw * sh - 1) * 4 + 3] = 254;
    // resize() takes the grey path where greyPlane() gives a plane: for the first image, not the second.
    const k = resizeKernelInstance();
    const plane = (image: typeof grey) => greyPlane(k, resizerArena(new Uint8Array(0)), image, (sw + 3) & ~3);
    assert.equal(typeof plane(grey), 'number', 'a plane for the grey image');
    assert.equal(plane(rgba), undefined, 'none for the other');
    for (const region of [undefined, { x: 0.5, y: 1.25, width: sw - 2, height: sh - 3.5 }]) {
      const fast = resize(grey, w, h, { premultiply: false, ...(region ? { region } : {}) });
      const slow = resize(rgba, w, h, { premultiply: false, ...(region ? { region } : {}) });
      for (let i = 0; i < fast.data.length; i += 4) {
        const where = `${sw}x${sh} -> ${w}x${h}${region ? ' (region)' : ''}, pixel ${i >> 2}`;
        assert.deepEqual([...fast.data.subarray(i, i + 3)], [...slow.data.subarray(i, i + 3)], where);
        assert.equal(fast.data[i + 3], 255, where);
      }
    }
  }
});

test('an image grey only at the top (a white margin above colour) is found out in a later band and resized in RGBA', () => {
  // 700 wide: 93 rows a band; the colour starts in the third band.
  const image = synth(700, 300, (x, y) => (y < 200 ? [250, 250, 250, 255] : [(x * 7) % 256, (y * 3) % 256, 90, 255]));
  const k = resizeKernelInstance();
  assert.equal(greyPlane(k, resizerArena(new Uint8Array(0)), image, 700), undefined);
  const { maxDiff } = compare(resize(image, 233, 100, { allowBox: false }), referenceResize(image, 233, 100));
  assert.ok(maxDiff <= 3, `max diff ${maxDiff}`);
});

test("Lanczos3's weights, whose sines are rotated from tap to tap, are those of two sines a tap", () => {
  // The reference: wasm/resize/weights.ts as it was, each tap's value lanczos3(x) of its own, in
  // the same order of operations, so that the Q14 weights must agree exactly.
  const lanczos3 = (x: number) => (x === 0 ? 1 : x <= -3 || x >= 3 ? 0 : (3 * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / 3)) / (Math.PI * x * (Math.PI * x)));
  const reference = (src: number, dst: number, taps: number, offset: number, extent: number) => {
    const scale = dst / extent;
    const filterScale = Math.min(scale, 1);
    const weights = new Int16Array(dst * taps);
    for (let i = 0; i < dst; i++) {
      const center = offset + (i + 0.5) / scale;
      const left = Math.max(0, Math.floor(center - 3 / filterScale + 0.5));
      const count = Math.min(taps, Math.min(src, Math.floor(center + 3 / filterScale + 0.5)) - left);
      const values = Array.from({ length: Math.max(0, count) }, (_, k) => lanczos3((left + k + 0.5 - center) * filterScale));
      const total = values.reduce((a, b) => a + b, 0);
      let sum = 0;
      let biggest = 0;
      for (let k = 0; k < values.length; k++) {
        weights[i * taps + k] = Math.round((values[k]! / total) * 16384);
        sum += weights[i * taps + k]!;
        if (weights[i * taps + k]! > weights[i * taps + biggest]!) biggest = k;
      }
      weights[i * taps + biggest]! += 16384 - sum;
    }
    return weights;
  };
  const k = resizeKernelInstance();
  // Downscales of every factor up to 13 (the support past a thousand taps takes the plain path),
  // upscales, and windows starting between pixels, as shrink-on-load leaves them.
  const cases: [number, number, number, number][] = [[1362, 720, 0, 1362], [1112, 588, 0, 1112], [2725, 2000, 0, 2725], [160, 100, 0, 160], [479, 37, 0, 479], [40, 123, 0, 40], [1363, 720, 0.25, 1362.5], [300, 97, 0.4, 299.1]];
  for (let n = 0; n < 200; n++) cases.push([50 + ((n * 7919) % 3000), 1 + ((n * 104729) % 1200), n % 3 ? 0 : 0.3, 0]);
  let compared = 0;
  for (const [src, dst, offset, given] of cases) {
    const extent = given || src - offset;
    const taps = k.tapsFor(extent, dst, 0);
    const arena = resizerArena(new Uint8Array(0));
    const starts = arena.take(dst * 4);
    const at = arena.take(dst * taps * 2);
    k.computeWeights(src, dst, starts, at, taps, 0, offset, extent);
    const got = new Int16Array(k.memory.buffer, at, dst * taps);
    const expected = reference(src, dst, taps, offset, extent);
    for (let i = 0; i < expected.length; i++) assert.equal(got[i], expected[i], `${src} -> ${dst} (offset ${offset}): weight ${i}`);
    compared += expected.length;
  }
  assert.ok(compared > 100_000);
});

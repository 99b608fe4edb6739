import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Step } from '../../src/planning/steps.ts';
import { deliveredFactor, scaleRect, shrinkOnLoad, stepsAtScale, type Decoding } from '../../src/planning/shrink.ts';

const encode: Step = { op: 'encode', output: {} as never };
const resize = (width: number, height: number): Step => ({ op: 'resize', width, height, premultiply: false, filter: 'lanczos3' });
const plan = (steps: Step[], format: 'jpeg' | 'png' = 'jpeg'): Decoding => ({
  source: { format, size: { width: 2725, height: 2225 } },
  steps: [...steps, encode],
});

test('the largest shrink that leaves the resampler at least the output size', () => {
  assert.equal(shrinkOnLoad(plan([resize(720, 588)])), 2);
  assert.equal(shrinkOnLoad(plan([resize(681, 556)])), 4);
  assert.equal(shrinkOnLoad(plan([resize(682, 557)])), 4, '2725 / 4 and 2225 / 4 round up, as libjpeg does');
  assert.equal(shrinkOnLoad(plan([resize(683, 557)])), 2);
  assert.equal(shrinkOnLoad(plan([resize(341, 279)])), 8);
  assert.equal(shrinkOnLoad(plan([resize(1363, 1113)])), 2);
  assert.equal(shrinkOnLoad(plan([resize(1364, 1000)])), 1);
});

test('no shrink for PNG, for plans that do not start with a resize, or that only crop', () => {
  assert.equal(shrinkOnLoad(plan([resize(100, 100)], 'png')), 1);
  assert.equal(shrinkOnLoad(plan([{ op: 'rotate', degrees: 90 }, resize(100, 100)])), 1);
  assert.equal(shrinkOnLoad(plan([{ op: 'crop', rect: { x: 0, y: 0, width: 100, height: 100 } }])), 1);
  assert.equal(shrinkOnLoad(plan([])), 1);
});

test('a crop is judged, and then cut, on the smaller grid', () => {
  const crop: Step = { op: 'crop', rect: { x: 100, y: 100, width: 1200, height: 900 } };
  const p = plan([crop, resize(300, 225)]);
  assert.equal(shrinkOnLoad(p), 4);
  assert.deepEqual(stepsAtScale(p, 4), [
    { op: 'crop', rect: { x: 25, y: 25, width: 300, height: 225 } },
    { ...resize(300, 225), region: { x: 0, y: 0, width: 300, height: 225 } },
    encode,
  ]);
  assert.deepEqual(stepsAtScale(p, 1), p.steps);
  // Off the grid: the crop takes whole pixels, the resize samples the exact span inside them.
  const off = plan([{ op: 'crop', rect: { x: 101, y: 99, width: 1202, height: 901 } }, resize(300, 225)]);
  assert.deepEqual(stepsAtScale(off, 4).slice(0, 2), [
    { op: 'crop', rect: { x: 25, y: 24, width: 301, height: 226 } },
    { ...resize(300, 225), region: { x: 0.25, y: 0.75, width: 300.5, height: 225.25 } },
  ]);
  // No crop: the whole image, whose last row and column at 1/8 are partial pixels.
  assert.deepEqual(stepsAtScale(plan([resize(341, 279)]), 8)[0], { ...resize(341, 279), region: { x: 0, y: 0, width: 340.625, height: 278.125 } });
  // Edges that fall inside a pixel of the smaller grid take the whole pixel, clamped to the image.
  assert.deepEqual(scaleRect({ x: 3, y: 5, width: 2722, height: 2220 }, 8, { width: 341, height: 279 }), { x: 0, y: 0, width: 341, height: 279 });
  assert.deepEqual(scaleRect({ x: 9, y: 9, width: 1, height: 1 }, 8, { width: 341, height: 279 }), { x: 1, y: 1, width: 1, height: 1 });
});

test('the decoder may decline: the factor it delivered is read from the size', () => {
  const source = { width: 2725, height: 2225 };
  assert.equal(deliveredFactor({ width: 1363, height: 1113 }, source, 2), 2);
  assert.equal(deliveredFactor({ width: 2725, height: 2225 }, source, 2), 1);
  assert.equal(deliveredFactor({ width: 1362, height: 1113 }, source, 2), undefined);
  assert.equal(deliveredFactor({ width: 341, height: 279 }, source, 2), undefined);
});

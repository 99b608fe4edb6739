import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rasterWork, type TextImage } from '../../src/text/shapes.ts';

// A text's worker work as the planner charges it: each fill clears and sums the box it spans.
const square = (x: number, y: number, s: number) => [x, y, x + s, y, x + s, y + s, x, y + s];
const image = (fills: number[][][]): TextImage => ({ width: 100, height: 100, antialias: true, fills: fills.map((contours) => ({ color: { r: 0, g: 0, b: 0, a: 255 }, contours })) });

test('fills that each span the layer cost a pass over it each; small ones cost their boxes', () => {
  const wide = rasterWork(image(Array.from({ length: 50 }, () => [square(0, 0, 100)])));
  const small = rasterWork(image(Array.from({ length: 50 }, (_, i) => [square(i, i, 2)])));
  assert.ok(wide >= 50 * 100 * 100, `50 layer-wide fills: ${wide}`);
  assert.ok(small < 2 * 100 * 100, `50 small fills: ${small}`);
});

test('a fill outside the layer costs its edges only', () => {
  assert.equal(rasterWork(image([[square(500, 500, 10)]])), 100 * 100 + 4);
});

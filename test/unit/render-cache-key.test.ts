import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RenderCache } from '../../src/service/render-cache.ts';

// A text layer's outlines go into a render's key as a digest of their binary, not as JSON: the key
// must still tell apart every plan whose outlines differ, by a coordinate or by where a contour ends.
const plan = (contours: number[][]) => ({ steps: [{ op: 'text', fills: [{ color: { r: 0, g: 0, b: 0, a: 1 }, contours }] }], output: { width: 10, height: 10 } });

test('the same outlines give the same key; another coordinate, contour split or input another', () => {
  const key = RenderCache.keyOf(plan([[0, 0, 4, 0, 4, 4], [1, 1, 2, 1, 2, 2]]), ['a']);
  assert.equal(RenderCache.keyOf(plan([[0, 0, 4, 0, 4, 4], [1, 1, 2, 1, 2, 2]]), ['a']), key);
  const others = [
    RenderCache.keyOf(plan([[0, 0, 4, 0, 4, 4.5], [1, 1, 2, 1, 2, 2]]), ['a']),
    RenderCache.keyOf(plan([[0, 0, 4, 0, 4, 4, 1, 1], [2, 1, 2, 2]]), ['a']),
    RenderCache.keyOf(plan([[0, 0, 4, 0, 4, 4], [1, 1, 2, 1, 2, 2]]), ['b']),
    RenderCache.keyOf({ ...plan([[0, 0, 4, 0, 4, 4], [1, 1, 2, 1, 2, 2]]), output: { width: 11, height: 10 } }, ['a']),
  ];
  assert.equal(new Set([key, ...others]).size, 5);
});

test('a long text\'s outlines (a million coordinates) are keyed without writing them out', () => {
  const contours = Array.from({ length: 20_000 }, (_, i) => Array.from({ length: 50 }, (_, j) => i + j / 64));
  const key = RenderCache.keyOf(plan(contours), ['a']);
  assert.match(key, /^[\w-]{43}$/);
  contours[19_999]![49] += 1 / 64;
  assert.notEqual(RenderCache.keyOf(plan(contours), ['a']), key);
});

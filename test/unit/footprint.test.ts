import assert from 'node:assert/strict';
import { test } from 'node:test';
import { footprint } from '../../src/planning/composite-footprint.ts';
import type { SinglePlan as RenderPlan } from '../../src/planning/plan.ts';

/** A one-layer plan of `steps` on a PNG source (no shrink-on-load), or a JPEG shrunk by `shrunk`. */
const plan = (steps: RenderPlan['steps'], size = { width: 320, height: 240 }, shrink?: { factor: 2 | 4 | 8; steps: RenderPlan['steps'] }): RenderPlan => ({
  layers: [{ source: { format: shrink ? 'jpeg' : 'png', orientation: 1, size, shrink: shrink?.factor ?? 1 }, steps: [] }],
  steps: [...steps, { op: 'encode', output: { format: 'png' } as never }],
  output: size,
  ...(shrink ? { shrunk: [...shrink.steps, { op: 'encode', output: { format: 'png' } as never }] } : {}),
});

test('the footprint walks every step: the largest image and the peak bytes', () => {
  const extended = footprint(plan([{ op: 'extend', canvas: { width: 18320, height: 18240 }, x: 9000, y: 9000, background: { r: 0, g: 0, b: 0, a: 0 } }]));
  assert.equal(extended.largestPixels, 18320 * 18240);
  assert.ok(extended.peakBytes >= 18320 * 18240 * 8);
  const rotated = footprint(plan([{ op: 'rotate', degrees: 45 }], { width: 1000, height: 1000 }));
  assert.equal(rotated.largestPixels, 1415 * 1415);
  const turned = footprint(plan([{ op: 'crop', rect: { x: 0, y: 0, width: 100, height: 50 } }, { op: 'orient', orientation: 6 }, { op: 'resize', width: 10, height: 20, premultiply: false, filter: 'lanczos3' as never }]));
  assert.equal(turned.largestPixels, 320 * 240);
  assert.equal(turned.decodePixels, 320 * 240);
});

test('a JPEG shrunk on load is counted at its reduced size', () => {
  const size = { width: 8000, height: 6000 };
  const resize = { op: 'resize' as const, width: 500, height: 375, premultiply: false, filter: 'lanczos3' as never };
  const shrunk = footprint(plan([resize], size, { factor: 8, steps: [resize] }));
  assert.equal(shrunk.decodePixels, 1000 * 750);
  assert.equal(shrunk.fullDecodePixels, 8000 * 6000);
});

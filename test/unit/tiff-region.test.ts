import assert from 'node:assert/strict';
import { test } from 'node:test';
import { typedAttributes } from '../../src/catalog/catalog.ts';
import { planRequest } from '../../src/planning/plan-request.ts';
import { interpretImageRequest } from '../../src/protocol/commands.ts';
import { parseModifiers } from '../../src/protocol/url.ts';

/**
 * The region a TIFF is read by (planning/tiff-region.ts), planned from a header alone: which level,
 * which rect of it, and the steps that follow; and what the request is charged for it.
 */
const attributes = typedAttributes(new Map([['maxpix', '0,0']]), 'test');
const request = (query: string) => interpretImageRequest(parseModifiers(query), { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3', resolution: 72, formatAuto: true, browserFormatConversion: false });
const settings = { maxSourcePixels: 100_000_000, jobBytes: 384 * 2 ** 20, pngLevel: 6, upscaleWithoutFit: true };
const base = { format: 'tiff' as const, width: 6000, height: 4000, components: 3, hasAlpha: false, bitDepth: 8, hasIcc: false, hasXmp: false, orientation: 1 };
/** A libvips pyramid's levels: each half the one before, rounded down. */
const pyramid = { ...base, tiff: { tiled: true, chunkPixels: 256 * 256, levels: [[6000, 4000], [3000, 2000], [1500, 1000], [750, 500], [375, 250], [187, 125]].map(([width, height], directory) => ({ directory, width: width!, height: height!, shrink: 1 })) } };
const plan = (query: string, header: typeof base & { tiff?: unknown } = pyramid) => planRequest(request(query), attributes, header as typeof pyramid, settings, false);

test('a window at a level\'s own scale reads exactly that window of that level, and nothing follows but the encode', () => {
  const { plan: p, footprint } = plan('req=tile&rect=512,256,256,256&scl=4&fmt=png');
  assert.deepEqual(p.layers[0].source.read, { directory: 2, size: { width: 1500, height: 1000 }, rect: { x: 512, y: 256, width: 256, height: 256 } });
  assert.deepEqual(p.steps.map((s) => s.op), ['encode']);
  assert.equal(footprint.decodePixels, 256 * 256);
});

test('a reduced view reads the smallest level that still gives it its pixels, and resamples that level', () => {
  const { plan: p } = plan('wid=700&fmt=png');
  assert.deepEqual(p.layers[0].source.read, { directory: 3, size: { width: 750, height: 500 }, rect: { x: 0, y: 0, width: 750, height: 500 } });
  assert.deepEqual(p.steps.map((s) => s.op), ['resize', 'encode']);
  // 187x125 is too small for 190 wide: the 375x250 level serves it.
  assert.equal(plan('wid=190&fmt=png').plan.layers[0].source.read!.directory, 4);
  // A crop at full resolution is read as that rect of level 0; the 1:1 steps start after it.
  const crop = plan('crop=100,200,300,400&fmt=png').plan;
  assert.deepEqual(crop.layers[0].source.read!.rect, { x: 100, y: 200, width: 300, height: 400 });
  assert.equal(crop.steps[0]!.op, 'encode');
});

test('what a plan cannot read by region is left whole: a rotated page, a layer transform, a view of the whole page at full size', () => {
  assert.equal(plan('wid=700&fmt=png', { ...pyramid, orientation: 6 }).plan.layers[0].source.read, undefined);
  assert.equal(plan('rotate=30&wid=700&fmt=png').plan.layers[0].source.read, undefined);
  assert.equal(plan('scl=1&fmt=png').plan.layers[0].source.read, undefined);
  assert.equal(plan('wid=700&fmt=png', base).plan.layers[0].source.read, undefined);
});

test('a single-resolution tiled page is reduced tile by tile: the request is charged every pixel decoded, holds only the reduced rect', () => {
  const single = { ...base, tiff: { tiled: true, chunkPixels: 256 * 256, levels: [{ directory: 0, width: 6000, height: 4000, shrink: 128 }] } };
  const { plan: p, footprint } = plan('wid=700&fmt=png', single);
  assert.deepEqual(p.layers[0].source.read, { directory: 0, size: { width: 750, height: 500 }, rect: { x: 0, y: 0, width: 750, height: 500 }, shrink: 8 });
  assert.equal(footprint.decodePixels, 6000 * 4000);
  assert.equal(footprint.largestPixels, 750 * 500);
});

test("a view smaller than a pyramid's smallest level reads that level shrunk as its tiles are decoded; a level between two real ones is never preferred to the smaller", () => {
  const shrinkable = { ...pyramid, tiff: { ...pyramid.tiff, levels: pyramid.tiff.levels.map((l) => ({ ...l, shrink: 256 })) } };
  // 187x125 halved is 94x63, which still gives 90 wide its pixels; a quarter (47x32) would not.
  const { plan: p, footprint } = plan('wid=90&fmt=png', shrinkable);
  assert.deepEqual(p.layers[0].source.read, { directory: 5, size: { width: 94, height: 63 }, rect: { x: 0, y: 0, width: 94, height: 63 }, shrink: 2 });
  assert.equal(footprint.largestPixels, 94 * 63);
  // 700 wide: the real 750x500 level, not 1500x1000 shrunk by 2 (the same size, read from twice the pixels).
  assert.deepEqual(plan('wid=700&fmt=png', shrinkable).plan.layers[0].source.read, { directory: 3, size: { width: 750, height: 500 }, rect: { x: 0, y: 0, width: 750, height: 500 } });
  // 40 wide: the smallest level shrunk by 4 (47x32); by 8 (24x16) it would not give 40.
  assert.deepEqual(plan('wid=40&fmt=png', shrinkable).plan.layers[0].source.read, { directory: 5, size: { width: 47, height: 32 }, rect: { x: 0, y: 0, width: 47, height: 32 }, shrink: 4 });
});

test('each strip or tile a decode touches costs a fixed work besides its pixels: 16x16 tiles cost far more than 256x256 of the same page', () => {
  const tiles = (side: number) => ({ ...base, tiff: { tiled: true, chunkPixels: side * side, levels: [{ directory: 0, width: 6000, height: 4000, shrink: 1 }] } });
  const big = plan('rgn=0,0,2048,2048&wid=2048&hei=2048&fmt=png', tiles(256)).footprint;
  const small = plan('rgn=0,0,2048,2048&wid=2048&hei=2048&fmt=png', tiles(16)).footprint;
  assert.equal(small.decodePixels, big.decodePixels, 'the same pixels decoded');
  // 64 tiles against 16,384: 16,320 more at 16,384 pixel operations each.
  assert.equal(small.workPixels - big.workPixels, (16_384 - 64) * 16_384);
  // The whole page (no region read: a rotated view), every tile of it.
  const whole = (side: number) => plan('rotate=90&wid=600&fmt=png', tiles(side)).footprint.workPixels;
  assert.equal(whole(16) - whole(256), (Math.ceil((6000 * 4000) / 256) - Math.ceil((6000 * 4000) / 65536)) * 16_384);
});

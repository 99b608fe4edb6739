import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Account, unlimited } from '../../src/protocol/account.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { parsePathData } from '../../src/protocol/path-data.ts';
import { mapPoint, oriented } from '../../src/planning/affine.ts';
import { boundsOf, clipStep, cubicsOf, flatten } from '../../src/planning/clip.ts';
import { sniff } from '../../src/planning/source-formats.ts';
import { orient } from '../../src/pipeline/steps/orient.ts';
import { clip } from '../../src/pipeline/steps/clip.ts';
import { createPixels } from '../../src/image/pixels.ts';
import { MAX_CURVE_PIECES } from '../../src/text/shapes.ts';
import { walkSteps } from '../../src/planning/footprint.ts';
import { writeJpeg } from '../../tools/fixtures/jpeg-writer.ts';
import { writeEps } from '../helpers/eps.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { SourceHeaders } from '../../src/inputs/source-headers.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathResources, tiffWithResources, withApp13 } from '../helpers/photoshop-paths.ts';

/**
 * The pure parts of clip paths: the explicit path grammar, the orientation maps embedded paths
 * follow, flattening and bounds, the clip step on pixels, and the embedded paths each header
 * reader finds (charged to the request's account as header steps).
 */
const refusal = (message: RegExp) => (err: unknown) => err instanceof IsError && err.status === 403 && message.test(err.message);
const IDENTITY = [1, 0, 0, 1, 0, 0] as const;

describe('path data', () => {
  test('absolute and relative commands, implicit linetos after a moveto, curves', () => {
    const [a, b] = parsePathData('M10,10L20,10,20,20Z m5,5 l10,0 c0,5,0,5,-10,0', 'clipPath');
    assert.equal(a!.closed, true);
    assert.deepEqual(a!.segments.map((s) => s.end), [{ x: 20, y: 10 }, { x: 20, y: 20 }]);
    // After a closed subpath, a relative moveto starts from its start point.
    assert.deepEqual(b!.start, { x: 15, y: 15 });
    assert.equal(b!.closed, false);
    assert.deepEqual(b!.segments[1], { c1: { x: 25, y: 20 }, c2: { x: 25, y: 20 }, end: { x: 15, y: 15 } });
    assert.deepEqual(parsePathData('M1,1 2,2 3,1', 'clipPath')[0]!.segments.length, 2);
  });

  test('a relative moveto after an open subpath starts from its end; the first from 0,0', () => {
    const [a, b] = parsePathData('m4,4L10,4m1,1L20,20', 'clipPath');
    assert.deepEqual(a!.start, { x: 4, y: 4 });
    assert.deepEqual(b!.start, { x: 11, y: 5 });
  });

  test('anything else: a 403 naming the command', () => {
    assert.throws(() => parsePathData('M0,0Q1,1,2,2', 'clipPath'), refusal(/clipPath: Q is not a path command/));
    assert.throws(() => parsePathData('M0,0L1', 'clipXPath'), refusal(/clipXPath: a command lacks its coordinates/));
    assert.throws(() => parsePathData('M0,0', 'clipPath'), refusal(/no segments/));
    assert.throws(() => parsePathData('M0,0L1e9,0', 'clipPath'), refusal(/not a coordinate/));
  });
});

describe('geometry', () => {
  test('each EXIF orientation maps stored pixels as the orient step moves them', () => {
    const stored = createPixels(5, 3);
    stored.data.set([255, 0, 0, 255], (1 * 5 + 3) * 4); // a marked pixel at (3, 1)
    for (let o = 1; o <= 8; o++) {
      const shown = orient({ ...stored, data: new Uint8ClampedArray(stored.data) }, o);
      // The centre of the marked pixel, mapped, lands in the centre of where the step put it.
      const p = mapPoint(oriented(o, stored), { x: 3.5, y: 1.5 });
      const at = (Math.floor(p.y) * shown.width + Math.floor(p.x)) * 4;
      assert.equal(shown.data[at], 255, `orientation ${o}`);
    }
  });

  test('a cubic is flattened into at most MAX_CURVE_PIECES edges whatever its size; bounds in whole pixels', () => {
    const huge = parsePathData('M0,0C100000,0,100000,100000,0,100000Z', 'clipPath');
    const [contour] = flatten(cubicsOf(huge, IDENTITY));
    assert.ok(contour!.length / 2 <= MAX_CURVE_PIECES + 1, `${contour!.length / 2} points`);
    assert.deepEqual(boundsOf(flatten(cubicsOf(parsePathData('M10.5,10L30,10L30,29.5Z', 'clipPath'), IDENTITY))), { x: 10, y: 10, width: 20, height: 20 });
  });

  test('names not found are left out; explicit paths move by their map, embedded ones by the layer map', () => {
    const paths = [{ id: 2000, name: 'A', subpaths: parsePathData('M0,0L10,0L10,10Z', 'p') }];
    assert.equal(clipStep({ keep: { names: ['Nowhere'] } }, paths, IDENTITY), undefined);
    const step = clipStep({ keep: { names: ['Nowhere', 'A'], explicit: parsePathData('M0,0L1,0L1,1Z', 'p') } }, paths, [2, 0, 0, 2, 0, 0], [1, 0, 0, 1, 5, 5])!;
    assert.equal(step.keep.length, 2);
    assert.deepEqual(flatten(step.keep[0]!.cubics)[0]!.slice(0, 4), [5, 5, 6, 5]);
    assert.deepEqual(flatten(step.keep[1]!.cubics)[0]!.slice(0, 4), [0, 0, 20, 0]);
    // Explicit data fills non-zero, as SVG; Photoshop's paths even-odd.
    assert.deepEqual(step.keep.map((f) => f.evenOdd), [false, true]);
  });
});

test('a clip counts in the render\'s work: each path\'s pass over the layer, each edge by the rows it crosses', () => {
  const size = { width: 100, height: 100 };
  const one = clipStep({ keep: { explicit: parsePathData('M0,0L100,0L100,100Z', 'p') } }, undefined, IDENTITY)!;
  const two = clipStep({ keep: { explicit: parsePathData('M0,0L100,0L100,100Z', 'p') }, cut: { explicit: parsePathData('M0,0L100,0L100,100Z', 'p') } }, undefined, IDENTITY)!;
  const plain = walkSteps(size, []).work;
  const w1 = walkSteps(size, [one]).work - plain;
  const w2 = walkSteps(size, [two]).work - plain;
  assert.ok(w1 >= 3 * 100 * 100 + 200, `${w1}`);
  assert.ok(w2 - w1 >= 3 * 100 * 100, `${w2 - w1}`);
});

test('a clip counts in the render\'s memory: its coverage planes and the rasteriser\'s buffers beside the image, 20 bytes a pixel', () => {
  const size = { width: 100, height: 100 };
  const step = clipStep({ keep: { explicit: parsePathData('M0,0L100,0L100,100Z', 'p') } }, undefined, IDENTITY)!;
  assert.ok(walkSteps(size, [step]).peak >= 20 * 100 * 100, `${walkSteps(size, [step]).peak}`);
});

describe('the clip step', () => {
  const opaque = () => createPixels(10, 10, { r: 9, g: 9, b: 9, a: 255 });
  const fill = (data: string, evenOdd = false) => ({ cubics: cubicsOf(parsePathData(data, 'p'), IDENTITY), evenOdd });
  const square = fill('M2,2L8,2L8,8L2,8Z');
  const left = fill('M0,0L5,0L5,10L0,10Z');
  const alpha = (image: { data: Uint8ClampedArray; width: number }, x: number, y: number) => image.data[(y * image.width + x) * 4 + 3];

  test('keeps the inside, anti-aliased along an edge through pixels', () => {
    const out = clip(opaque(), [square], []);
    assert.deepEqual([alpha(out, 5, 5), alpha(out, 0, 0), alpha(out, 9, 5)], [255, 0, 0]);
    const half = clip(opaque(), [fill('M0,0L4.5,0L4.5,10L0,10Z')], []);
    assert.ok(Math.abs(alpha(half, 4, 5)! - 128) <= 1, `${alpha(half, 4, 5)}`);
  });

  test('two nested subpaths of one direction: a hole even-odd, none non-zero', () => {
    const nested = 'M0,0L10,0L10,10L0,10Z M3,3L7,3L7,7L3,7Z';
    const evenOdd = clip(opaque(), [fill(nested, true)], []);
    assert.deepEqual([alpha(evenOdd, 1, 1), alpha(evenOdd, 5, 5)], [255, 0]);
    const nonZero = clip(opaque(), [fill(nested)], []);
    assert.deepEqual([alpha(nonZero, 1, 1), alpha(nonZero, 5, 5)], [255, 255]);
  });

  test('keep paths intersect; cut paths take their shared area out', () => {
    const both = clip(opaque(), [square, left], []);
    assert.deepEqual([alpha(both, 3, 5), alpha(both, 6, 5)], [255, 0]);
    const cut = clip(opaque(), [square], [left]);
    assert.deepEqual([alpha(cut, 3, 5), alpha(cut, 6, 5), alpha(cut, 1, 1)], [0, 255, 0]);
  });
});

describe('embedded paths in each header', () => {
  const resources = pathResources({ Box: [[[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]] });
  const jpeg = writeJpeg({ width: 40, height: 20, colour: 'grey' }, () => [90, 90, 90, 255]);
  const samples = new Uint8Array(40 * 20);

  test('JPEG (APP13, split over two segments), TIFF (tag 34377), EPS (%BeginPhotoshop): the path in pixels', () => {
    const whole = withApp13(jpeg, resources);
    // The same resources split in two APP13 segments, as a writer does with large ones.
    const half = Math.floor(resources.length / 2);
    const split = withApp13(withApp13(jpeg, resources.subarray(half)), resources.subarray(0, half));
    const files = {
      jpeg: whole,
      split,
      tiff: tiffWithResources(40, 20, () => [0, 0, 0], resources),
      eps: writeEps({ width: 40, height: 20, mode: 1, samples, encoding: 'hex', photoshop: resources }),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const info = sniff(bytes, unlimited());
      assert.deepEqual(info.paths?.map((p) => p.name), ['Box'], name);
      assert.deepEqual(info.paths![0]!.subpaths[0]!.start, { x: 10, y: 5 }, name);
      assert.deepEqual(info.paths![0]!.subpaths[0]!.segments[1]!.end, { x: 30, y: 15 }, name);
    }
  });

  test('damaged resources in a JPEG are metadata: the file is read, with the paths before the damage', () => {
    const box = pathResources({ Box: [[[0, 0], [1, 0], [1, 1]]] });
    // A second resource whose length runs far past its segment.
    const bad = Buffer.concat([box, Buffer.from('8BIM\x07\xd1\x00\x00\x7f\xff\xff\xff', 'latin1')]);
    assert.deepEqual(sniff(withApp13(jpeg, bad), unlimited()).paths?.map((p) => p.name), ['Box']);
    const unsigned = Buffer.concat([Buffer.from('XXXX\x07\xd0\x00\x00\x00\x00\x00\x00', 'latin1'), box]);
    assert.equal(sniff(withApp13(jpeg, unsigned), unlimited()).paths, undefined);
  });

  test('each path record is a header step the account is charged for', () => {
    const walked = (bytes: Uint8Array) => {
      const account = unlimited();
      sniff(bytes, account);
      return account.charged.chunks;
    };
    // The path resource holds 6 records: its fill rule, the subpath's length, 4 knots.
    assert.ok(walked(withApp13(jpeg, resources)) >= walked(jpeg) + 6);
    const tight = new Account({ ...unlimited().limits, chunks: walked(jpeg) + 2 });
    assert.throws(() => sniff(withApp13(jpeg, resources), tight), refusal(/max-header-chunks/));
  });
});

test('a header whose paths would pass the source cache\'s budget is not kept: the next request walks it again', async () => {
  const dir = temporaryFolder('isle-clip-headers-');
  const jpeg = writeJpeg({ width: 40, height: 20, colour: 'grey' }, () => [90, 90, 90, 255]);
  // 60 knots in one subpath: 60 segments, about 10 KB held, over a quarter of a 16 KB budget.
  const ring = Array.from({ length: 60 }, (_, i): [number, number] => [0.5 + 0.4 * Math.cos(i / 10), 0.5 + 0.4 * Math.sin(i / 10)]);
  writeFileSync(join(dir, 'large.jpg'), withApp13(jpeg, pathResources({ Ring: [ring] })));
  writeFileSync(join(dir, 'small.jpg'), withApp13(jpeg, pathResources({ Box: [[[0, 0], [1, 0], [1, 1]]] })));
  const headers = new SourceHeaders(16 * 1024);
  const walked = async (name: string) => {
    const account = unlimited();
    await headers.of({ file: join(dir, name), root: dir }, { maxSourcePixels: 1e8 }, account);
    return account.charged.chunks;
  };
  for (const name of ['large.jpg', 'small.jpg']) assert.ok((await walked(name)) > 0, name);
  assert.ok((await walked('large.jpg')) > 0, 'walked again');
  assert.equal(await walked('small.jpg'), 0, 'kept');
});

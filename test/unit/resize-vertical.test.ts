import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { resize } from '../../src/pipeline/steps/resize.ts';
import { compare, referenceResize } from '../../tools/reference.ts';
import { codecs, synth } from '../helpers/pixels.ts';

// The vertical pass reads its weights in pairs, one vector a pair (pairWeights), the last tap of an
// odd window alone: a pass down the columns only (the width kept; 37 columns, so the bytes past the
// last 16-byte step run one at a time) against the float reference, with resize.test.ts's bounds.
before(() => codecs());

const texture = synth(37, 211, (x, y) => [(x * 37 + y * 11) % 256, (y * 53) % 256, ((x ^ y) * 29) % 256, 255]);

test('rows alone, down and up, every window parity, match the float Lanczos3 reference within rounding', (t) => {
  for (const height of [1, 2, 3, 7, 50, 97, 150, 210, 212, 333, 640]) {
    const { maxDiff, psnr } = compare(resize(texture, 37, height, { allowBox: false }), referenceResize(texture, 37, height));
    t.diagnostic(`37x211 -> 37x${height}: max diff ${maxDiff}, PSNR ${psnr.toFixed(1)} dB`);
    assert.ok(maxDiff <= 3, `37x${height}: max diff ${maxDiff}`);
    assert.ok(psnr > 48, `37x${height}: PSNR ${psnr}`);
  }
});

test('a flat image stays flat through the paired weights, to the last row', () => {
  const flat = synth(19, 101, () => [200, 17, 90, 255]);
  for (const height of [13, 100, 203]) {
    const out = resize(flat, 19, height, { allowBox: false });
    for (let i = 0; i < out.data.length; i += 4) assert.deepEqual([...out.data.subarray(i, i + 4)], [200, 17, 90, 255], `19x${height} pixel ${i / 4}`);
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { resizeKernelInstance } from '../../src/image/kernels.ts';
import { encodeBaselineJpeg } from '../../src/image/jpeg.ts';
import { resize } from '../../src/pipeline/steps/resize.ts';
import { apply } from '../../src/pipeline/apply.ts';
import { codecs, decodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURES } from '../helpers/server.ts';

// The resize just before the encode leaves its pixels in the kernel's memory (the copy they
// replace cost a fresh buffer of the output's size); everything else still gets its own copy.
before(() => codecs());

const photo = () => decodeImage(readFileSync(join(FIXTURES, 'orientation-1.jpg')));

test('a resize for the encode is a view of the kernel memory with the pixels the copying path gives', async () => {
  const source = await photo();
  for (const [w, h] of [[250, 188], [599, 449], [97, 300], [1200, 900]] as const) {
    const copied = resize(source, w, h);
    const viewed = resize(source, w, h, { view: true });
    assert.equal(viewed.data.buffer, resizeKernelInstance().memory.buffer, `${w}x${h}: in the kernel's memory`);
    assert.notEqual(copied.data.buffer, resizeKernelInstance().memory.buffer);
    assert.deepEqual([viewed.width, viewed.height], [w, h]);
    assert.ok(Buffer.from(viewed.data).equals(Buffer.from(copied.data)), `${w}x${h}: the same pixels`);
    // The encode reads the view as it reads the copy.
    const quality = { quality: 80, fullChroma: false, gray: false };
    assert.ok(Buffer.from(encodeBaselineJpeg(viewed, quality)).equals(Buffer.from(encodeBaselineJpeg(copied, quality))), `${w}x${h}: the same JPEG`);
  }
});

test('a transparent image resized for the encode comes back unpremultiplied, as the copy does', () => {
  const source = synth(64, 16, (x, y) => [(x * 37) % 256, (y * 53) % 256, 200, x < 32 ? 255 : (x * 7) % 256]);
  const viewed = resize(source, 24, 6, { view: true });
  assert.ok(Buffer.from(viewed.data).equals(Buffer.from(resize(source, 24, 6).data)));
});

test('only the step before the encode is left in the kernel memory: a layer step, or one followed by another, is a copy', async () => {
  const source = await photo();
  const step = { op: 'resize', width: 300, height: 225, premultiply: false, filter: 'lanczos3' } as const;
  const memory = resizeKernelInstance().memory.buffer;
  assert.notEqual(apply(source, step).data.buffer, memory);
  assert.equal(apply(source, step, true).data.buffer, memory);
  // A copy made before another resize keeps its pixels; the view would not.
  const kept = apply(source, step);
  const before = Buffer.from(kept.data);
  apply(source, { ...step, width: 100, height: 75 }, true);
  assert.ok(Buffer.from(kept.data).equals(before));
});

import assert from 'node:assert/strict';
import { renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { startFixture } from '../helpers/server.ts';

test('a source replaced by another file of the same size and modification time is rendered anew', async () => {
  const red = await encodeImage(synth(40, 30, () => [255, 0, 0, 255]), 'png');
  const blue = await encodeImage(synth(40, 30, () => [0, 0, 255, 255]), 'png');
  assert.equal(red.byteLength, blue.byteLength, 'the two files have the same size');
  const f = await startFixture({ files: { 'images/a.png': red }, config: { 'cache-validation': '0' } });
  try {
    const path = join(f.images, 'a.png');
    // Whole seconds: the two files' times are equal to the nanosecond, so only the inode tells them apart.
    const time = new Date('2026-01-02T03:04:05Z');
    utimesSync(path, time, time);
    const colour = async () => {
      const r = await f.get('/is/image/a.png?wid=20&fmt=png');
      assert.equal(r.status, 200, r.text);
      return pixelAt(await decodeImage(r.body), 10, 10).slice(0, 3);
    };
    assert.deepEqual(await colour(), [255, 0, 0]);
    assert.deepEqual(await colour(), [255, 0, 0], 'served again, from the render cache');
    // Another file, given the first one's times, renamed over it: a new inode, the same size and mtime.
    const before = statSync(path, { bigint: true });
    writeFileSync(join(f.images, 'next.png'), blue);
    utimesSync(join(f.images, 'next.png'), time, time);
    renameSync(join(f.images, 'next.png'), path);
    const after = statSync(path, { bigint: true });
    assert.equal(after.mtimeNs, before.mtimeNs);
    assert.equal(after.size, before.size);
    assert.notEqual(after.ino, before.ino);
    assert.deepEqual(await colour(), [0, 0, 255]);
  } finally {
    await f.close();
  }
});

import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { properties, startFixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

test('req=exists answers 1 exactly for what a render would read: a symlink that leaves the root is 0', async () => {
  const png = await encodeImage(synth(8, 8, () => [9, 9, 9, 255]), 'png');
  const outside = temporaryFolder('isle-outside-');
  writeFileSync(join(outside, 'secret.png'), png);
  const f = await startFixture({ files: { 'images/a.png': png } });
  try {
    symlinkSync(join(outside, 'secret.png'), join(f.images, 'away.png'));
    symlinkSync(join(f.images, 'a.png'), join(f.images, 'near.png'));
    const exists = async (name: string) => properties((await f.get(`/is/image/${name}?req=exists`)).text).get('catalogRecord.exists');
    assert.equal(await exists('a.png'), '1');
    assert.equal(await exists('near.png'), '1', 'a symlink that stays inside');
    assert.equal(await exists('missing.png'), '0');
    assert.equal(await exists('away.png'), '0', 'a symlink that leaves the root');
    assert.equal((await f.get('/is/image/away.png?fmt=png')).status, 403, 'which a render refuses too');
    assert.equal((await f.get('/is/image/near.png?fmt=png')).status, 200);
    const content = async (name: string) => properties((await f.get(`/is/content/${name}?req=exists`)).text).get('catalogRecord.exists');
    assert.equal(await content('near.png'), '1', '/is/content makes the same check');
    assert.equal(await content('away.png'), '0');
  } finally {
    await f.close();
  }
});

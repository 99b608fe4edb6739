import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../../tools/launch.ts';
import { startFixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { run, skipUnless } from '../helpers/tools.ts';

/**
 * The source format table's rows beyond JPEG, PNG and TIFF through `isle render`: one batch renders
 * a PSD, a GIF, a BMP, a WebP and an AVIF (each made by ImageMagick), and each file is the bytes
 * the server gives for the same query.
 */
const FORMATS = ['psd', 'gif', 'bmp', 'webp', 'avif'];

test('isle render reads PSD, GIF, BMP, WebP and AVIF sources, giving the bytes the server gives', { skip: skipUnless('convert') }, async () => {
  const dir = temporaryFolder('isle-source-formats-');
  run(dir, 'convert', '-size', '48x32', '-seed', '3', 'plasma:fractal', '-depth', '8', 'src.png');
  for (const format of FORMATS) run(dir, 'convert', 'src.png', ...(format === 'webp' || format === 'avif' ? ['-quality', '90'] : []), `src.${format}`);
  const query = 'wid=40&fmt=png&rotate=90';
  writeFileSync(join(dir, 'jobs.txt'), FORMATS.map((f) => `${join(dir, `src.${f}`)}|${query}|${join(dir, `out-${f}.png`)}`).join('\n'));
  const batch = spawnSync(process.execPath, [CLI, 'render', '--batch', join(dir, 'jobs.txt'), '-j', '1'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(batch.status, 0, batch.stderr);
  const f = await startFixture({ config: { root: dir } });
  try {
    for (const format of FORMATS) {
      const served = await f.get(`/is/image/src.${format}?${query}`);
      assert.equal(served.status, 200, `${format}: ${served.text}`);
      assert.ok(readFileSync(join(dir, `out-${format}.png`)).equals(served.body), `${format}: identical bytes`);
    }
  } finally {
    await f.close();
  }
});

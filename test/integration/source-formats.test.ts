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
 * the server gives for the same query. Damaged copies of each, fuzzed, answer 200 or a 403, never
 * anything else, and the server serves on.
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

/** A small deterministic generator (mulberry32), so a failure names a reproducible file. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzzed PSD, GIF, BMP, WebP and AVIF files: each a 200 or a 403, the server serving on', { skip: skipUnless('convert') }, async () => {
  const dir = temporaryFolder('isle-source-fuzz-');
  run(dir, 'convert', '-size', '40x30', '-seed', '4', 'plasma:fractal', '-depth', '8', 'src.png');
  for (const format of FORMATS) run(dir, 'convert', 'src.png', `good.${format}`);
  const next = random(31);
  const names: string[] = [];
  for (const format of FORMATS) {
    const good = readFileSync(join(dir, `good.${format}`));
    for (let n = 0; n < 16; n++) {
      const bytes = Buffer.from(good);
      // Half the copies have bytes changed in their first 200 (the headers), half anywhere, a few cut short too.
      for (let k = 0; k < 4; k++) bytes[Math.floor(next() * (n % 2 ? bytes.length : Math.min(200, bytes.length)))] = Math.floor(next() * 256);
      const name = `fuzz-${n}.${format}`;
      writeFileSync(join(dir, name), n % 4 === 3 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : bytes);
      names.push(name);
    }
  }
  const f = await startFixture({ config: { root: dir } });
  try {
    const statuses = new Map<string, Set<number>>(FORMATS.map((format) => [format, new Set()]));
    for (const name of names) {
      const reply = await f.get(`/is/image/${name}?wid=20&fmt=png`);
      assert.ok(reply.status === 200 || reply.status === 403, `${name}: ${reply.status} ${reply.text.slice(0, 200)}`);
      statuses.get(name.split('.')[1]!)!.add(reply.status);
    }
    // Each format's damage was seen: some of its copies refused.
    for (const [format, seen] of statuses) assert.ok(seen.has(403), `${format}: ${[...seen]}`);
    for (const format of FORMATS) assert.equal((await f.get(`/is/image/good.${format}?wid=20&fmt=png`)).status, 200, format);
  } finally {
    await f.close();
  }
});

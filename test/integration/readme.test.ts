import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, launch } from '../../tools/launch.ts';
import { get, REPO, startFixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

test('every example URL of the README answers as the README says, on the bundled samples', async () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const urls = [...readme.matchAll(/^\| http:\/\/127\.0\.0\.1:8080(\/\S+) \| (.*) \|$/gm)].map((m) => ({ path: m[1]!, says: m[2]! }));
  assert.ok(urls.length >= 10, `${urls.length} example URLs`);
  const f = await startFixture({ samples: true, files: { 'saves/saved/.keep': '' } });
  try {
    for (const { path, says } of urls) {
      const r = await f.get(path);
      assert.equal(r.status, says.startsWith('403') ? 403 : 200, `${path}: ${r.text.slice(0, 120)}`);
    }
  } finally {
    await f.close();
  }
});

test("the README's worked example (a catalog, a record, a $preset$ macro, SavePath) runs as written and answers as it says", async () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Your own images and catalog'), readme.indexOf('## Production'));
  const lines = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split('\n');
  const start = lines.pop()!;
  assert.match(start, /^npm start -- /);
  const dir = temporaryFolder('isle-readme-');
  cpSync(join(REPO, 'samples'), join(dir, 'samples'), { recursive: true });
  const shell = spawnSync('sh', ['-e', '-c', lines.join('\n')], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
  assert.equal(shell.status, 0, shell.stderr);
  const isle = await launch(process.execPath, [CLI, 'serve', ...start.slice('npm start -- '.length).split(' '), '--port', '0', '--workers', '1'], {}, { cwd: dir });
  try {
    const urls = [...section.matchAll(/^\* http:\/\/127\.0\.0\.1:8080(\S+) /gm)].map((m) => m[1]!);
    assert.equal(urls.length, 3);
    for (const path of urls) {
      const r = await get(`${isle.base}${path}`);
      assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 120)}`);
    }
    assert.equal(decodedSize(await get(`${isle.base}${urls[1]}`)), '200x200', 'the macro crops to 200x200');
    assert.ok(statSync(join(dir, 'mysite/saves/exports/shoe-thumb.jpg')).size > 0, 'the save is where the README says');
  } finally {
    await isle.stop();
  }
});

/** A WebP's size from its VP8 frame header. */
const decodedSize = (r: { body: Buffer }) => `${r.body.readUInt16LE(26) & 0x3fff}x${r.body.readUInt16LE(28) & 0x3fff}`;

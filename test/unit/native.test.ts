import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/server.ts';

/** Every file below a folder, without following links. */
function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

test('nothing native in the runtime dependency tree: no .node addon, no binding.gyp', () => {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: REPO, encoding: 'utf8' });
  const packages = out.split('\n').filter((p) => p.includes('node_modules'));
  assert.ok(packages.some((p) => p.endsWith('@jsquash/jpeg')), 'the runtime tree was listed');
  const native = packages.flatMap((p) => [...files(p)].filter((f) => f.endsWith('.node') || f.endsWith('binding.gyp')));
  assert.deepEqual(native, []);
});

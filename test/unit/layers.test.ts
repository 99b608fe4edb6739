import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

const bin = (name: string) => join(REPO, 'node_modules/.bin', name);

test('the layers of src/ point one way, with no cycle and no unlisted or dev package (dependency-cruiser)', () => {
  const r = spawnSync('npm', ['run', '--silent', 'lint:layers'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the layer rules catch an image module that imports the server', () => {
  const dir = temporaryFolder('isle-layers-');
  for (const folder of ['src/image', 'src/server']) mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(join(dir, 'src/server/app.ts'), 'export const app = 1;\n');
  writeFileSync(join(dir, 'src/image/codec.ts'), "import { app } from '../server/app.ts';\nexport const codec = app;\n");
  writeFileSync(join(dir, 'tsconfig.check.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext' } }));
  copyFileSync(join(REPO, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  const r = spawnSync(bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /image-imports-only-protocol: src\/image\/codec\.ts → src\/server\/app\.ts/);
});

test('every listed dependency is used and every import is listed; no unused file or export (knip)', () => {
  const r = spawnSync('npm', ['run', '--silent', 'lint:deps'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { launch } from '../../tools/launch.ts';
import { get, REPO } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

/** Bytes of every file below a folder. */
function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

test('npm pack makes a tarball that installs with --omit=dev --offline into an empty folder and serves', async (t) => {
  const dir = temporaryFolder('isle-package-');
  // A save folder left under samples/ by someone's run holds their files, which the package leaves out.
  const leftover = join(REPO, 'samples/saved');
  const madeLeftover = !existsSync(leftover);
  mkdirSync(leftover, { recursive: true });
  writeFileSync(join(leftover, 'someones-save.jpg'), 'not ours');
  let pack;
  try {
    // The compiled JS and WASM are there already (npm test compiles first), so pack skips prepare.
    pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  } finally {
    rmSync(madeLeftover ? leftover : join(leftover, 'someones-save.jpg'), { recursive: true, force: true });
  }
  assert.equal(pack.status, 0, pack.stderr);
  const [{ filename, files, size }] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[]; size: number }];
  t.diagnostic(`tarball: ${(size / 2 ** 20).toFixed(1)} MiB`);
  assert.deepEqual(files.map((f) => f.path).filter((p) => p.startsWith('samples/saved')), [], 'nothing of samples/saved');
  // Our own files; the bundled dependencies' (node_modules/, which a symlinked node_modules lists by its target) are theirs.
  const paths = files.map((f) => f.path).filter((p) => !/(^|\/)node_modules\//.test(p));
  assert.ok(paths.includes('build/src/cli/main.js') && paths.some((p) => p.startsWith('wasm/build/') && p.endsWith('.wasm')), 'compiled JS and WASM');
  assert.deepEqual(paths.filter((p) => /^(test|bench|src)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts'))), [], 'no sources or tests');

  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  // Every dependency travels in the tarball, so no registry (nor cache) is needed.
  const install = spawnSync('npm', ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', join(dir, filename)], { cwd: app, encoding: 'utf8', timeout: 60_000 });
  assert.equal(install.status, 0, install.stderr);
  const installed = join(app, 'node_modules/isle');
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(join(installed, 'node_modules', dev)), `${dev} is not installed`);
  t.diagnostic(`production node_modules: ${(sizeOf(join(app, 'node_modules')) / 2 ** 20).toFixed(1)} MiB`);

  // Saves go below the working directory (SavePath=saved of the bundled catalog), not into node_modules.
  mkdirSync(join(app, 'saved'));
  const isle = await launch(join(app, 'node_modules/.bin/isle'), ['serve', '--port', '0', '--workers', '1'], {}, { cwd: app });
  try {
    const saved = await get(`${isle.base}/is/image/sample/logo?wid=50&fmt=png&req=saveToFile&name=installed.png`);
    assert.equal(saved.status, 200, saved.text);
    assert.ok(statSync(join(app, 'saved/installed.png')).size > 0);
    for (const fmt of ['jpeg', 'png', 'webp', 'avif']) {
      const r = await get(`${isle.base}/is/image/sample/landscape?wid=120&fmt=${fmt}`);
      assert.equal(r.status, 200, `${fmt}: ${r.text.slice(0, 100)}`);
    }
    const text = await get(`${isle.base}/is/image/sample/landscape?wid=120&layer=1&textPs=${encodeURIComponent('\\fs40 Installed')}`);
    assert.equal(text.status, 200, text.text.slice(0, 100));
  } finally {
    await isle.stop();
  }
});

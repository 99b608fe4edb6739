import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { OPTIONS, envName } from '../../src/config/options.ts';
import { join } from 'node:path';
import { CLI, launch } from '../../tools/launch.ts';
import { get, REPO, startFixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

test('isle --help lists every flag with its environment variable', () => {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const name of Object.keys(OPTIONS)) {
    assert.ok(r.stdout.includes(`--${name}`), name);
    assert.ok(r.stdout.includes(envName(name)), envName(name));
  }
});

test('a wrong command line or configuration exits 2 with one line of reason and a pointer to the help', () => {
  const dir = temporaryFolder('isle-usage-');
  writeFileSync(join(dir, 'broken.json'), '{ "workers": 3, }');
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /^isle: unknown command 'frobnicate'$/],
    [['serve', '--bogus'], /^isle: Unknown option '--bogus'/],
    [['serve', '--port'], /^isle: Option '--port <value>' argument missing/],
    [['serve', '--workers', 'lots'], /^isle: --workers: expected an integer of at least 1$/],
    [['serve', '--root', join(dir, 'nothing')], /^isle: --root .*nothing: no such folder$/],
    [['serve', '--catalogs', join(dir, 'nothing')], /^isle: --catalogs .*nothing: no such folder$/],
    [['serve', '--config', join(dir, 'broken.json')], /^isle: .*broken\.json: not valid JSON/],
    [['serve', '--config', join(dir, 'absent.json')], /^isle: --config .*absent\.json: no such file$/],
    [['serve', '--print-config=yaml'], /^isle: --print-config=yaml: expected text or json$/],
    [['render'], /^isle: render takes a source/],
  ];
  for (const [args, reason] of cases) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, reason);
    assert.match(lines[1]!, /^Run 'isle (render )?--help' for the options\.$/);
  }
});

test('isle --version and isle serve --version print the package version', () => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  for (const args of [['--version'], ['serve', '--version']]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `isle ${version}\n`);
  }
});

test('npm start serves the bundled samples; flags pass through and ISLE_* variables apply', async () => {
  const { child, base, output, exited, stop } = await launch('npm', ['start', '--silent', '--', '--port', '0'], {
    ISLE_WORKERS: '1',
    ISLE_MAX_URL_LENGTH: '100',
  });
  try {
    assert.match(output(), /with 1 workers/);
    const image = await get(`${base}/is/image/sample/landscape?wid=320`);
    assert.equal(image.status, 200);
    assert.equal(image.headers['content-type'], 'image/jpeg');
    const long = await get(`${base}/is/image/sample/landscape?wid=320&.x=${'y'.repeat(100)}`);
    assert.equal(long.status, 403, 'ISLE_MAX_URL_LENGTH applied');
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited().catch(stop);
  }
});

test('one JSON log line per request (worker, queue wait, client, request id, user agent, the reason of a refusal); isle serve exits 0 on SIGTERM', async () => {
  const { child, exited, stop, base, output } = await launch(process.execPath, [CLI, 'serve', '--port', '0', '--workers', '1'], {});
  try {
    const first = await get(`${base}/is/image/sample/landscape?wid=50`, { 'user-agent': 'isle-test/1', 'x-request-id': 'abc-123' });
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-request-id'], 'abc-123', 'a given request id comes back');
    const refused = await get(`${base}/is/image/sample/nothing`, { 'x-request-id': 'bad id with spaces' });
    assert.equal(refused.status, 403);
    assert.match(refused.headers['x-request-id']!, /^[0-9a-f-]{36}$/, 'an unusable one is replaced by a UUID');
    assert.equal((await get(`${base}/is/image/sample/landscape?wid=9000`)).status, 403);
    for (let i = 0; i < 40 && !output().includes('wid=9000'); i++) await new Promise((r) => setTimeout(r, 50));
    const lines = output()
      .split('\n')
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l));
    const ok = lines.find((l) => l.status === 200);
    assert.deepEqual([ok.method, ok.url, ok.req, ok.worker], ['GET', '/is/image/sample/landscape?wid=50', 'img', 1], JSON.stringify(ok));
    assert.ok(ok.bytes > 0 && ok.ms >= 0 && ok.queueMs >= 0, JSON.stringify(ok));
    assert.deepEqual([ok.client, ok.id, ok.ua, ok.errorMessage], ['127.0.0.1', 'abc-123', 'isle-test/1', undefined]);
    const missing = lines.find((l) => l.url === '/is/image/sample/nothing');
    assert.deepEqual([missing.status, missing.worker, missing.id, missing.errorMessage], [403, undefined, refused.headers['x-request-id'], 'Image not found']);
    const tooBig = lines.find((l) => l.url.endsWith('wid=9000'));
    assert.match(tooBig.errorMessage, /MaxPix/, 'a limit and a missing image say different things');
  } finally {
    child.kill('SIGTERM');
    await exited().catch(stop);
  }
  const [code] = await exited();
  assert.equal(code, 0);
});

test('isle render gives the same bytes the server gives for the same query; exit codes 0, 1, 2', async () => {
  const dir = temporaryFolder('isle-render-');
  const source = join(REPO, 'samples/images/landscape.jpg');
  const out = join(dir, 'out.png');
  const query = 'wid=240&fmt=png&op_usm=1,2,0&rotate=90';
  const ok = spawnSync(process.execPath, [CLI, 'render', source, query, '-o', out], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const f = await startFixture({ samples: true });
  try {
    const served = await f.get(`/is/image/landscape.jpg?${query}`);
    assert.ok(readFileSync(out).equals(served.body), 'identical bytes');
  } finally {
    await f.close();
  }
  const missing = spawnSync(process.execPath, [CLI, 'render', join(dir, 'nothing.jpg'), 'wid=10'], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /Image not found/);
  assert.equal(spawnSync(process.execPath, [CLI, 'render'], { encoding: 'utf8' }).status, 2);

  writeFileSync(join(dir, 'jobs.txt'), `# source|modifiers|output\n${source}|wid=50|a.jpg\n${source}|wid=60|b.png\nnothing.jpg|wid=10|c.jpg\nno bars here\n${source}|wid=70|d.webp\n`);
  const batch = spawnSync(process.execPath, [CLI, 'render', '--batch', join(dir, 'jobs.txt'), '-j', '2'], { encoding: 'utf8' });
  assert.equal(batch.status, 1, 'jobs failed');
  // Not a terminal: one plain line per job, no redrawn frames, then the failures and a summary.
  assert.ok(!batch.stderr.includes('\r'), 'no carriage returns');
  assert.equal(batch.stderr.match(/^\d\/4 line \d /gm)?.length, 4);
  assert.match(batch.stderr, /^isle: line 4: .*nothing\.jpg: Image not found$/m);
  assert.match(batch.stderr, /^isle: line 5: expected source\|modifiers\|output$/m);
  assert.match(batch.stderr, /^isle: 3 done, 2 failed, of 5 jobs in [\d.]+ s with 2 at once$/m);
  assert.equal(readFileSync(join(dir, 'b.png')).readUInt32BE(16), 60, 'the extension chose PNG');
  assert.equal(readFileSync(join(dir, 'd.webp')).toString('latin1', 8, 12), 'WEBP');
});

test('isle render: the extension chooses the format and fmt= may not contradict it; property requests print properties; MaxPix applies unless --no-limits', () => {
  const dir = temporaryFolder('isle-render-');
  const source = join(REPO, 'samples/images/landscape.jpg');
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'render', source, ...args], { encoding: 'utf8' });
  assert.equal(run('wid=80', '-o', join(dir, 'x.png')).status, 0);
  assert.equal(readFileSync(join(dir, 'x.png')).readUInt32BE(0), 0x89504e47, 'PNG from .png');
  const contradiction = run('wid=80&fmt=jpeg', '-o', join(dir, 'y.png'));
  assert.equal(contradiction.status, 2);
  assert.match(contradiction.stderr, /y\.png names a png file, but the query's fmt= makes image\/jpeg/);
  assert.ok(!readdirSync(dir).includes('y.png'), 'nothing written');
  const props = run('req=props&wid=100');
  assert.equal(props.status, 0, props.stderr);
  assert.match(props.stdout, /^image\.width=100$/m);
  // The sample default catalog says MaxPix=4000,4000.
  const big = run('wid=4500', '-o', join(dir, 'big.jpg'));
  assert.equal(big.status, 1);
  assert.match(big.stderr, /MaxPix=4000,4000/);
  assert.equal(run('wid=4500', '--no-limits', '-o', join(dir, 'big.jpg')).status, 0);
  assert.equal(readFileSync(join(dir, 'big.jpg')).length > 0, true);
  const save = run('req=saveToFile&name=x.jpg');
  assert.equal(save.status, 1);
  assert.match(save.stderr, /isle render writes with -o/);
});

test('settings: config file < ISLE_* < flags; --print-config shows each value and its origin', () => {
  const dir = temporaryFolder('isle-config-');
  const file = join(dir, 'isle.config.json');
  writeFileSync(file, JSON.stringify({ workers: 3, port: 1, 'max-queue': 2 }));
  const r = spawnSync(process.execPath, [CLI, 'serve', '--config', file, '--max-queue', '5', '--print-config'], {
    encoding: 'utf8',
    env: { ...process.env, ISLE_PORT: '9999' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], `config file: ${file}`);
  assert.match(r.stdout, /^port\s+9999\s+\(environment\)$/m);
  assert.match(r.stdout, /^workers\s+3\s+\(config file\)$/m);
  assert.match(r.stdout, /^max-queue\s+5\s+\(flag\)$/m);
  assert.match(r.stdout, /^host\s+127\.0\.0\.1\s+\(default\)$/m);
  const json = spawnSync(process.execPath, [CLI, 'serve', '--config', file, '--print-config=json'], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const printed = JSON.parse(json.stdout) as { configFile: string; settings: Record<string, { value: unknown; origin: string }> };
  assert.equal(printed.configFile, file);
  assert.deepEqual(printed.settings.workers, { value: 3, origin: 'config file' });
  assert.deepEqual(printed.settings['max-queue'], { value: 2, origin: 'config file' });
  writeFileSync(file, JSON.stringify({ colour: 'blue' }));
  const bad = spawnSync(process.execPath, [CLI, 'serve', '--config', file, '--print-config'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unknown setting 'colour'`));
});

test('catalog files are re-read when they change, without a restart; a broken edit keeps the old ones', async () => {
  const f = await startFixture({ samples: true });
  try {
    assert.equal((await get(`${f.isle.url}/is/image/fresh/pic`)).status, 403);
    writeFileSync(join(f.catalogs, 'fresh.ini'), 'RootId=fresh\nCatalogFile=fresh.txt\n');
    writeFileSync(join(f.catalogs, 'fresh.txt'), 'Id\tPath\npic\tlogo.png\n');
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await get(`${f.isle.url}/is/image/fresh/pic?wid=20`)).status;
    }
    assert.equal(status, 200);
    writeFileSync(join(f.catalogs, 'fresh.ini'), 'RootId=fresh\nCatalogFile=fresh.txt\nMaxPix=huge\n');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await get(`${f.isle.url}/is/image/fresh/pic?wid=20`)).status, 200, 'the previous catalogs still serve');
  } finally {
    await f.close();
  }
});

test('npm run build writes dist/: one file and its .wasm, serving from an empty folder with plain node', async () => {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const dir = temporaryFolder('isle-bundle-');
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(REPO, 'samples'), join(dir, 'site'), { recursive: true });
  assert.deepEqual(readdirSync(join(dir, 'dist')).sort(), ['fonts', 'harfbuzz.wasm', 'isle.mjs', 'samples', 'wasm']);
  // Its default folders are the samples beside it, wherever it was copied.
  const defaults = spawnSync(process.execPath, [join(dir, 'dist/isle.mjs'), 'serve', '--print-config=json'], { cwd: dir, encoding: 'utf8' });
  assert.equal(defaults.status, 0, defaults.stderr);
  assert.equal((JSON.parse(defaults.stdout) as { settings: { root: { value: string } } }).settings.root.value, join(dir, 'dist/samples/images'));
  const root = join(dir, 'site');
  mkdirSync(join(root, 'saved'));
  assert.deepEqual(readdirSync(join(dir, 'dist/samples')).sort(), ['catalogs', 'images'], 'no save folder travels with the bundle');
  const isle = await launch(process.execPath, [join(dir, 'dist/isle.mjs'), 'serve', '--port', '0', '--workers', '1', '--root', join(root, 'images'), '--catalogs', join(root, 'catalogs'), '--save-dir', root], {});
  try {
    for (const fmt of ['jpeg', 'png8', 'webp', 'avif', 'jpeg2000']) {
      const r = await get(`${isle.base}/is/image/sample/landscape?wid=120&fmt=${fmt}`);
      assert.equal(r.status, 200, `${fmt}: ${r.text.slice(0, 100)}`);
    }
    // Text: HarfBuzz's module and the built-in fonts travel in dist/ too.
    const text = await get(`${isle.base}/is/image/sample?layer=0&color=ffffff&size=200,60&layer=1&textPs=${encodeURIComponent('\\fs40 Bundled {\\b bold} {\\i italic} مرحبا 안녕')}&fmt=png`);
    assert.equal(text.status, 200, text.text.slice(0, 200));
    const saved = await get(`${isle.base}/is/image/sample/logo?wid=50&req=saveToFile&name=bundle.png&fmt=png`);
    assert.equal(saved.status, 200, saved.text);
    assert.ok(readFileSync(join(root, 'saved/bundle.png')).length > 0);
  } finally {
    isle.child.kill('SIGTERM');
    await isle.exited().catch(isle.stop);
  }
});

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { CLI, launch, launchIsle, type Launched } from '../helpers/cli.ts';
import { newTempName, THIS_PROCESS } from '../../src/save/temp.ts';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';
import { get, FIXTURES, FIXTURE_CATALOG, REPO, startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

const PHOTO = 'fixtures/photo-2725x2225.jpg';
const temps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.isle-tmp-'));

/** A folder with catalogs (SavePath=out, the fixtures as catalog "fixtures") and saves/out. */
function serverFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'isle-faults-'));
  for (const d of ['catalogs', 'images', 'saves/out']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'catalogs/default.ini'), 'SavePath=out\nMaxPix=0,0\n');
  writeFileSync(join(dir, 'catalogs/fixtures.ini'), `RootId=fixtures\nRootPath=${FIXTURES}\n`);
  const args = ['--root', join(dir, 'images'), '--catalogs', join(dir, 'catalogs'), '--save-dir', join(dir, 'saves'), '--workers', '1'];
  return { dir, out: join(dir, 'saves/out'), args };
}

describe('process faults', () => {
  test('SIGKILL of the whole server in the middle of a save: no partial file; temp files gone after restart', async () => {
    const { dir, out, args } = serverFolder();
    const launched: Launched[] = [];
    try {
      // A 6000-wide PNG takes a while to write: room for it beside the worker's own heap.
      const first = await launchIsle([...args, '--max-worker-memory', '2048']);
      launched.push(first);
      // Kill the moment the temporary file appears, i.e. while the encoded image is being written.
      let sawTemp = false;
      const watcher = watch(out, (_event, name) => {
        if (!sawTemp && name?.startsWith('.isle-tmp-')) {
          sawTemp = true;
          first.child.kill('SIGKILL');
        }
      });
      const reply = get(`${first.base}/is/image/${PHOTO}?req=saveToFile&name=big.png&wid=6000&fmt=png`).catch((e: Error) => e);
      // Bounded: if no temporary file ever appears, the server is killed and this fails.
      await first.exited(30_000);
      watcher.close();
      assert.ok((await reply) instanceof Error, 'the client saw the connection die');
      assert.ok(sawTemp, 'the kill landed while the temporary file existed');
      assert.ok(!existsSync(join(out, 'big.png')), 'no partial file under the real name');
      // A crash leftover of the killed process may or may not have survived; plant one too, then restart.
      const leftover = newTempName({ ...THIS_PROCESS, pid: first.child.pid!, instance: '00000000' });
      writeFileSync(join(out, leftover), 'partial');
      const second = await launchIsle(args);
      launched.push(second);
      assert.deepEqual(temps(out), []);
      assert.match(second.output(), /removed temporary files/);
      second.child.kill('SIGTERM');
      await second.exited();
    } finally {
      await Promise.all(launched.map((l) => l.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('SIGTERM: stops accepting, finishes in-flight requests and saves, exits 0', async () => {
    const { dir, out, args } = serverFolder();
    let isle: Launched | undefined;
    try {
      isle = await launchIsle([...args, '--workers', '2']);
      const save = get(`${isle.base}/is/image/${PHOTO}?req=saveToFile&name=done.png&wid=3000&fmt=png`);
      const image = get(`${isle.base}/is/image/${PHOTO}?wid=1200&fmt=png`);
      await new Promise((r) => setTimeout(r, 200));
      isle.child.kill('SIGTERM');
      const [saved, rendered] = await Promise.all([save, image]);
      assert.equal(saved.status, 200, saved.text);
      assert.equal(rendered.status, 200);
      const [code] = await isle.exited();
      assert.equal(code, 0);
      const file = await decodeImage(readFileSync(join(out, 'done.png')));
      assert.equal(file.width, 3000);
      await assert.rejects(get(`${isle.base}/is/image`), 'no longer accepting');
    } finally {
      await isle?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shutdown grace and file permissions', () => {
  test('shutdown-grace: past it, SIGTERM closes what is still running and exits 0', async () => {
    const { dir, args } = serverFolder();
    let isle: Launched | undefined;
    try {
      isle = await launchIsle([...args, '--shutdown-grace', '200', '--max-reply-pixels', '100000000', '--render-timeout', '60000', '--max-worker-memory', '2048']);
      const slow = get(`${isle.base}/is/image/${PHOTO}?wid=7000&fmt=png`).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      isle.child.kill('SIGTERM');
      const [code] = await isle.exited();
      assert.equal(code, 0);
      assert.ok(Date.now() - started < 5000, 'did not wait for the slow render');
      assert.ok((await slow) instanceof Error, 'the unfinished request was cut off');
    } finally {
      await isle?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a permission error answers 403 and leaves the previous file intact', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to start the server as another user');
    // nobody must be able to read the clone: one in root's home, or below any folder of mode 0700, is closed to it.
    const probe = spawnSync(process.execPath, [CLI, '--version'], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
    if (probe.status !== 0) return t.skip(`nobody cannot run the built server from ${REPO} (a folder above it is closed to other users): ${probe.stderr.split('\n').find((l) => /Error|EACCES/.test(l)) ?? probe.stderr.trim()}`);
    const { dir, out, args } = serverFolder();
    let isle: Launched | undefined;
    try {
      // The server runs as nobody; the save folder belongs to root and is not writable for it.
      execFileSync('chmod', ['-R', 'a+rX', dir]);
      writeFileSync(join(out, 'keep.jpg'), 'previous');
      isle = await launch(process.execPath, [CLI, 'serve', '--port', '0', ...args], {}, { uid: 65534, gid: 65534 });
      const r = await get(`${isle.base}/is/image/fixtures/320x240.jpg?req=saveToFile&name=keep.jpg&wid=50`);
      assert.equal(r.status, 403);
      assert.match(message(r.text), /permission denied/);
      assert.equal(readFileSync(join(out, 'keep.jpg'), 'utf8'), 'previous');
      assert.deepEqual(temps(out), []);
      isle.child.kill('SIGTERM');
      await isle.exited();
    } finally {
      await isle?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('worker faults', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'SavePath=out\nMaxPix=0,0\n',
        ...FIXTURE_CATALOG,
        'images/small.png': await encodeImage(synth(64, 48, (x) => [x * 4, 0, 0, 255]), 'png'),
        'saves/out/.keep': '',
      },
      config: { 'max-reply-pixels': '100000000' },
    });
  });
  after(() => f.close());

  test('a worker killed mid-request fails that request with 503; the requests queued behind it are served', async () => {
    const slots = (f.isle.context.pool as unknown as { slots: { worker: Worker; job?: unknown }[] }).slots;
    const victim = f.get(`/is/image/${PHOTO}?wid=5000&fmt=png`);
    while (!slots.some((s) => s.job)) await new Promise((r) => setTimeout(r, 5));
    const queued = [f.get('/is/image/small.png?wid=20'), f.get('/is/image/small.png?wid=21')];
    await new Promise((r) => setTimeout(r, 50));
    await slots.find((s) => s.job)!.worker.terminate();
    const r = await victim;
    assert.equal(r.status, 503);
    assert.match(message(r.text), /worker rendering this image failed/);
    for (const q of await Promise.all(queued)) assert.equal(q.status, 200);
    assert.equal(f.isle.context.pool.stats().restarts, 1);
  });

  test('two saves to the same name at once leave one complete file', async () => {
    const out = join(f.saves, 'out');
    const [a, b] = await Promise.all([
      f.get(`/is/image/${PHOTO}?req=saveToFile&name=same.png&wid=900&fmt=png`),
      f.get(`/is/image/${PHOTO}?req=saveToFile&name=same.png&wid=700&fmt=png`),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const saved = await decodeImage(readFileSync(join(out, 'same.png')));
    assert.ok([900, 700].includes(saved.width), `width ${saved.width}`);
    assert.deepEqual(temps(out), []);
  });
});

/** tmpfs mounts need root and mount rights; without them these tests are skipped, saying why. */
function tryMount(target: string, options: string): boolean {
  try {
    mkdirSync(target, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', target], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('disk faults (tmpfs mounts)', () => {
  let f: Fixture;
  const mounted: string[] = [];
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'SavePath=full\nMaxPix=0,0\n',
        'catalogs/ro.ini': 'RootId=ro\nSavePath=readonly\n',
        ...FIXTURE_CATALOG,
        'images/small.png': await encodeImage(synth(64, 48, (x) => [x * 4, 0, 0, 255]), 'png'),
      },
    });
    const full = join(f.saves, 'full');
    const readonly = join(f.saves, 'readonly');
    if (tryMount(full, 'size=512k')) mounted.push(full);
    if (tryMount(readonly, 'size=1m')) {
      mounted.push(readonly);
      writeFileSync(join(readonly, 'keep.png'), 'previous');
      execFileSync('mount', ['-o', 'remount,ro', readonly]);
    }
    if (mounted.length > 0) writeFileSync(join(full, 'keep.png'), 'previous');
  });
  after(async () => {
    for (const m of mounted) execFileSync('umount', [m]);
    await f.close();
  });

  test('a full disk answers 403 and leaves the previous file intact', async (t) => {
    if (!mounted.includes(join(f.saves, 'full'))) return t.skip('cannot mount a small tmpfs here (needs root)');
    const r = await f.get(`/is/image/${PHOTO}?req=saveToFile&name=keep.png&wid=1500&fmt=png`);
    assert.equal(r.status, 403);
    assert.match(message(r.text), /disk is full/);
    assert.equal(readFileSync(join(f.saves, 'full/keep.png'), 'utf8'), 'previous');
    assert.deepEqual(temps(join(f.saves, 'full')), []);
  });

  test('a read-only folder answers 403 and leaves the previous file intact', async (t) => {
    if (!mounted.includes(join(f.saves, 'readonly'))) return t.skip('cannot mount a read-only tmpfs here (needs root)');
    const r = await f.get('/is/image/ro/small.png?req=saveToFile&name=keep.png&fmt=png');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /read-only/);
    assert.equal(readFileSync(join(f.saves, 'readonly/keep.png'), 'utf8'), 'previous');
  });
});

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, launch, type Launched } from '../../tools/launch.ts';
import { PHOTO, serverFolder, temps } from '../helpers/files.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { get, FIXTURE_CATALOG, REPO, startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

describe('file permissions', () => {
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

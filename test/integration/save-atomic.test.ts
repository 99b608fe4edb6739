import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newTempName, THIS_PROCESS, TEMP_PREFIX } from '../../src/save/temp.ts';
import { launchIsle, within, type Launched } from '../../tools/launch.ts';
import { PHOTO, serverFolder, temps } from '../helpers/files.ts';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, get, startFixture, type Fixture } from '../helpers/server.ts';

/** Every file below a folder (symlinks not followed), relative to it. */
const listFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));

describe('a save folder swapped for a symlink while saves run', () => {
  test('nothing lands outside, no temporary file stays, every 200 has its file', async () => {
    const f = await startFixture({
      files: {
        'catalogs/default.ini': 'SavePath=out\n',
        'images/tiny.png': await encodeImage(synth(16, 16, (x, y) => [x * 16, y * 16, 0, 255]), 'png'),
        'saves/out/race/.keep': '',
      },
      config: { 'max-concurrent-saves': '8' },
    });
    const out = join(f.saves, 'out');
    const outside = join(f.dir, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(out, 'link'));
    // Another process swaps out/race between the real folder and the symlink as fast as it can, each
    // step an atomic rename; it stops by itself after 3 s, the real folder back in place.
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const end = Date.now() + 3000; let n = 0;
         while (Date.now() < end) { fs.renameSync('race', 'race.real'); fs.renameSync('link', 'race'); fs.renameSync('race', 'link'); fs.renameSync('race.real', 'race'); n++; }
         console.log(n);`,
      ],
      { cwd: out, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const exited = new Promise<number | null>((resolve) => swapper.on('exit', resolve));
      let swapping = true;
      void exited.then(() => (swapping = false));
      const answers: { name: string; status: number; text: string }[] = [];
      await within(
        Promise.all(
          Array.from({ length: 8 }, async (_, lane) => {
            for (let n = 0; swapping; n++) {
              const name = `race/s-${lane}-${n}.png`;
              const r = await f.get(`/is/image/tiny.png?req=saveToFile&name=${name}&fmt=png`);
              answers.push({ name, status: r.status, text: r.text });
            }
          }),
        ),
        20_000,
        'the saves during the race',
      );
      assert.equal(await within(exited, 10_000, 'the swapper'), 0);
      assert.deepEqual(listFiles(outside), [], 'no file outside the save folder');
      assert.deepEqual([...listFiles(out)].filter((n) => n.includes(TEMP_PREFIX)), [], 'no temporary file left');
      assert.ok(answers.length > 20, `${answers.length} saves ran during the race`);
      for (const a of answers) {
        assert.ok(a.status === 200 || a.status === 403, `${a.name}: ${a.status}`);
        // A 200 means the file is there; a 403 that it is not (no save is reported failed after its rename).
        assert.equal(existsSync(join(out, a.name)), a.status === 200, `${a.name}: ${a.status} ${a.text}`);
      }
      assert.ok(answers.some((a) => a.status === 200), 'some saves went through');
    } finally {
      swapper.kill('SIGKILL');
      await f.close();
    }
  });
});

describe('the start-up sweep of temporary files', () => {
  let f: Fixture;
  let deadPid: number;
  before(async () => {
    deadPid = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim() as unknown as number;
    const deep = 'saves/out/1/2/3/4/5/6/7/8/9/10';
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'SavePath=out\n',
        'images/a.png': await encodeImage(synth(40, 40, () => [5, 5, 5, 255]), 'png'),
        [`${deep}/${newTempName({ ...THIS_PROCESS, pid: Number(deadPid), instance: '00000000' })}`]: 'abandoned',
        [`saves/out/${newTempName()}`]: 'a live save of this very process',
      },
    });
  });
  after(() => f.close());

  test('the start-up sweep removes abandoned temporary files at any depth and leaves live ones', () => {
    const temps = listFiles(join(f.saves, 'out')).filter((n) => n.includes(TEMP_PREFIX));
    assert.equal(temps.length, 1, temps.join(', '));
    assert.ok(!temps[0]!.includes('/'), 'the live one at the top stays; the deep abandoned one is gone');
  });
});

describe('a server killed during a save', () => {
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

});

describe('saves to the same name', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'catalogs/default.ini': 'SavePath=out\nMaxPix=0,0\n', ...FIXTURE_CATALOG, 'saves/out/.keep': '' },
      config: { 'max-reply-pixels': '100000000' },
    });
  });
  after(() => f.close());

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

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, launch, launchIsle, within, type Launched } from '../../tools/launch.ts';
import { PHOTO, serverFolder } from '../helpers/files.ts';
import { decodeImage } from '../helpers/pixels.ts';
import { get } from '../helpers/server.ts';

/** Whether anything still accepts connections on the port. */
function listening(base: string): Promise<boolean> {
  const { hostname, port } = new URL(base);
  return within(
    new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.once('close', () => socket.destroy());
    }),
    5000,
    'a connection attempt',
  );
}

/** Whether any process of the group remains, waited for up to 10 s. */
async function groupRemains(pgid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** npm may be gone while what it started is not: the whole group goes, whatever failed. */
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // none left
  }
}

// The grace is short, so a stop that waited for it would still be within the bound.
const FLAGS = ['--port', '0', '--workers', '1', '--shutdown-grace', '1000'];

test('SIGTERM to npm start (the top of its process tree) stops the server and frees its port', async () => {
  const { child, base, exited, stop } = await launch('npm', ['start', '--silent', '--', ...FLAGS]);
  try {
    assert.equal(await listening(base), true);
    child.kill('SIGTERM');
    await exited();
    assert.equal(await groupRemains(child.pid!), false, 'no process of npm start remains');
    assert.equal(await listening(base), false, 'the port is free');
  } finally {
    await stop();
    killGroup(child.pid!);
  }
});

test('run by npm through a shell that does not pass SIGTERM on (npx isle serve), the server stops when that shell is gone', async () => {
  const command = [process.execPath, CLI, 'serve', ...FLAGS].map((a) => `'${a}'`).join(' ');
  // npx runs `sh -c 'isle' serve …`; dash keeps the shell as the server's parent, as here.
  const { child, base, exited, stop } = await launch('sh', ['-c', command], { npm_lifecycle_event: 'npx' });
  try {
    assert.equal(await listening(base), true);
    child.kill('SIGTERM');
    await exited();
    assert.equal(await groupRemains(child.pid!), false, 'the server did not stay behind as an orphan');
    assert.equal(await listening(base), false, 'the port is free');
  } finally {
    await stop();
    killGroup(child.pid!);
  }
});

test('a server that cannot start (its port taken) exits 1 instead of waiting on its worker threads', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const port = String((taken.address() as AddressInfo).port);
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', port, '--workers', '1'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ISLE_LOG_LEVEL: 'silent' } });
    assert.equal(r.status, 1, `${r.signal ?? ''} ${r.stderr}`);
    assert.match(r.stderr, /EADDRINUSE/);
  } finally {
    await new Promise((r) => taken.close(r));
  }
});

describe('SIGTERM', () => {
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
});

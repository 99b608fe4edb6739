import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { OPTIONS, envName } from '../../src/config/options.ts';
import { get, REPO } from '../helpers/server.ts';

const CLI = join(REPO, 'build/src/cli/main.js');

test('isle --help lists every flag with its environment variable', () => {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const name of Object.keys(OPTIONS)) {
    assert.ok(r.stdout.includes(`--${name}`), name);
    assert.ok(r.stdout.includes(envName(name)), envName(name));
  }
});

test('unknown commands and flags exit 2 with the usage', () => {
  for (const args of [['frobnicate'], ['serve', '--bogus'], ['serve', '--port']]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /Usage: isle serve/);
  }
  const bad = spawnSync(process.execPath, [CLI, 'serve', '--workers', 'lots'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--workers: expected an integer/);
});

/** Spawns a server command and resolves its base URL from the start-up line. */
async function launch(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ISLE_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = once(child, 'exit');
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  const deadline = Date.now() + 20_000;
  while (!/serving (http:\S+)\/is\/image/.test(output)) {
    assert.ok(child.exitCode === null && Date.now() < deadline, `the server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = /serving (http:\S+)\/is\/image/.exec(output)![1]!;
  return { child, base, output: () => output, exited };
}

test('npm start serves the bundled samples; flags pass through and ISLE_* variables apply', async () => {
  const { child, base, output, exited } = await launch('npm', ['start', '--silent', '--', '--port', '0'], {
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
    await exited;
  }
});

test('isle serve exits 0 on SIGTERM', async () => {
  const { child, exited } = await launch(process.execPath, [CLI, 'serve', '--port', '0', '--workers', '1'], {});
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
});

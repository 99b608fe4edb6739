import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OPTIONS, envName } from '../../src/config/options.ts';
import { launch } from '../../tools/launch.ts';
import { get, REPO } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

const unit = readFileSync(join(REPO, 'deploy/isle.service'), 'utf8');
const envFile = readFileSync(join(REPO, 'deploy/isle.env'), 'utf8');

/** The unit's `Key=value` settings (the last of each key, as systemd reads them). */
const directive = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].at(-1)?.[1];

/** An EnvironmentFile: NAME=value lines, comments and blank lines left out. */
const variables = () =>
  Object.fromEntries(
    envFile
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>;

test('deploy/isle.env names only settings Isle has, and the unit reads it and gives SIGTERM time to finish', () => {
  const known = new Set([...Object.keys(OPTIONS).map(envName), 'ISLE_LOG_LEVEL', 'MALLOC_TRIM_THRESHOLD_']);
  assert.deepEqual(Object.keys(variables()).filter((name) => !known.has(name)), []);
  assert.equal(directive('EnvironmentFile'), '/etc/isle/isle.env');
  assert.equal(directive('KillSignal'), 'SIGTERM');
  const grace = Number(variables().ISLE_SHUTDOWN_GRACE ?? OPTIONS['shutdown-grace'].default()) / 1000;
  assert.ok(Number(directive('TimeoutStopSec')) > grace, `TimeoutStopSec ${directive('TimeoutStopSec')} s outlasts the ${grace} s shutdown grace`);
  assert.ok(directive('ReadWritePaths')!.split(' ').includes(variables().ISLE_SAVE_DIR!), 'the save folder is writable under ProtectSystem=strict');
});

test("the unit's ExecStart, with the environment file's variables, serves /healthz and stops on SIGTERM", async () => {
  // The unit's command as written, pointed at this clone: node, and the package's folder in /opt/isle.
  const [node, script, ...args] = directive('ExecStart')!.split(' ');
  assert.equal(node, '/usr/bin/node');
  assert.ok(script!.startsWith('/opt/isle/node_modules/isle/'), script);
  const dir = temporaryFolder('isle-deploy-');
  cpSync(join(REPO, 'samples/images'), join(dir, 'images'), { recursive: true });
  cpSync(join(REPO, 'samples/catalogs'), join(dir, 'catalogs'), { recursive: true });
  mkdirSync(join(dir, 'saves/saved'), { recursive: true });
  // The file's variables, with ports made ephemeral, folders made temporary and one worker.
  const env = {
    ...variables(),
    ISLE_PORT: '0',
    ISLE_METRICS_PORT: '0',
    ISLE_ROOT: join(dir, 'images'),
    ISLE_CATALOGS: join(dir, 'catalogs'),
    ISLE_SAVE_DIR: join(dir, 'saves'),
    ISLE_WORKERS: '1',
  };
  const isle = await launch(process.execPath, [join(REPO, script!.slice('/opt/isle/node_modules/isle/'.length)), ...args], env, { cwd: dir });
  try {
    const health = await get(`${isle.base}/healthz`);
    assert.equal(health.status, 200, health.text);
    assert.equal((await get(`${isle.base}/is/image/sample/landscape?wid=64`)).status, 200);
    // ISLE_METRICS_PORT moved the metrics off the public port.
    assert.equal((await get(`${isle.base}/metrics`)).status, 404);
    isle.child.kill('SIGTERM');
    const [code, signal] = await isle.exited(20_000);
    assert.deepEqual([code, signal], [0, null], isle.output());
  } finally {
    await isle.stop();
  }
});

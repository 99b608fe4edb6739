import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { request } from 'undici';
import { CLI, launchIsle } from '../../tools/launch.ts';

test('--request-timeout shorter than the default headers timeout, alone, lowers the headers timeout to match and serves', async () => {
  const printed = spawnSync(process.execPath, [CLI, 'serve', '--request-timeout', '5000', '--print-config=json'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(printed.status, 0, printed.stderr);
  const { settings } = JSON.parse(printed.stdout) as { settings: Record<string, { value: unknown }> };
  assert.equal(settings['headers-timeout']!.value, 5000);
  const isle = await launchIsle(['--workers', '1', '--request-timeout', '5000']);
  try {
    const r = await request(`${isle.base}/is/image/sample/landscape?wid=40`, { headersTimeout: 20_000, bodyTimeout: 20_000 });
    assert.equal(r.statusCode, 200);
    await r.body.arrayBuffer();
    assert.doesNotMatch(isle.output(), /out of range/);
  } finally {
    await isle.stop();
  }
});

test('--headers-timeout longer than --request-timeout, both given, exits 2 naming both', () => {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--headers-timeout', '20000', '--request-timeout', '5000'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr.split('\n')[0]!, /^isle: --headers-timeout \(20000\) must not be longer than --request-timeout \(5000\)$/);
});

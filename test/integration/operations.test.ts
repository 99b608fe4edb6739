import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

let f: Fixture;
before(async () => {
  f = await startFixture({
    files: {
      'catalogs/default.ini': 'SavePath=out\n',
      'images/a.png': await encodeImage(synth(40, 30, () => [1, 2, 3, 255]), 'png'),
      'saves/out/.keep': '',
    },
  });
});
after(() => f.close());

test('/healthz answers while the process lives; /readyz once every worker is up', async () => {
  const health = await f.get('/healthz');
  assert.equal(health.status, 200);
  assert.equal(health.text, 'ok\n');
  const ready = await f.get('/readyz');
  assert.equal(ready.status, 200);
  assert.match(ready.text, /^ready: 1 workers, 1 catalogs/);
});

test('/metrics: requests by req type and status, durations, saves, queue, workers, WASM heaps', async () => {
  await f.get('/is/image/a.png?wid=20');
  await f.get('/is/image/missing.png');
  await f.get('/is/image/a.png?req=saveToFile&name=m.png');
  await f.get('/is/image/a.png?req=saveToFile&name=../m.png');
  const metrics = (await f.get('/metrics')).text;
  assert.match(metrics, /^isle_requests_total\{req="img",status="200"\} [1-9]/m);
  assert.match(metrics, /^isle_requests_total\{req="img",status="403"\} [1-9]/m);
  assert.match(metrics, /^isle_request_duration_seconds_bucket\{le="\+Inf",req="img"\} [1-9]/m);
  assert.match(metrics, /^isle_saves_total\{outcome="success"\} 1$/m);
  assert.match(metrics, /^isle_saves_total\{outcome="failure"\} 1$/m);
  assert.match(metrics, /^isle_queue_length 0$/m);
  assert.match(metrics, /^isle_workers_busy 0$/m);
  assert.match(metrics, /^isle_worker_restarts 0$/m);
  assert.match(metrics, /^isle_worker_wasm_heap_bytes\{worker="0"\} [1-9]\d+$/m);
});

test('the endpoints can be moved or switched off', async () => {
  const g = await startFixture({ files: { 'catalogs/default.ini': '' }, config: { 'health-path': '/live', 'metrics-path': '', 'ready-path': '' } });
  try {
    assert.equal((await g.get('/live')).status, 200);
    assert.equal((await g.get('/healthz')).status, 404);
    assert.equal((await g.get('/metrics')).status, 404);
    assert.equal((await g.get('/readyz')).status, 404);
  } finally {
    await g.close();
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { get, startFixture, type Fixture } from '../helpers/server.ts';

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

test('/metrics: requests by catalog, req type and status (304 included), bytes sent and saved, durations, saves, queue, workers, restarts by reason, WASM heaps, process and Node', async () => {
  const first = await f.get('/is/image/a.png?wid=20');
  assert.equal((await f.get('/is/image/a.png?wid=20', { 'if-none-match': first.headers.etag! })).status, 304);
  await f.get('/is/image/missing.png');
  await f.get('/is/image/a.png?req=saveToFile&name=m.png');
  await f.get('/is/image/a.png?req=saveToFile&name=../m.png');
  const metrics = (await f.get('/metrics')).text;
  assert.match(metrics, /^isle_requests_total\{catalog="default",req="img",status="200"\} [1-9]/m);
  assert.match(metrics, /^isle_requests_total\{catalog="default",req="img",status="304"\} 1$/m);
  assert.match(metrics, /^isle_requests_total\{catalog="default",req="img",status="403"\} [1-9]/m);
  const sent = Number(/^isle_sent_bytes_total\{req="img"\} (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(sent >= first.body.length, `bytes sent ${sent}`);
  assert.match(metrics, /^isle_saved_bytes_total [1-9]\d*$/m);
  assert.match(metrics, /^isle_worker_restarts_total\{reason="timeout"\} 0$/m);
  assert.match(metrics, /^isle_worker_recycles_total \d+$/m);
  for (const standard of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds', 'nodejs_active_handles_total', 'nodejs_heap_size_used_bytes']) {
    assert.match(metrics, new RegExp(`^# TYPE ${standard} `, 'm'), standard);
  }
  assert.match(metrics, /^isle_request_duration_seconds_bucket\{le="\+Inf",req="img"\} [1-9]/m);
  assert.match(metrics, /^isle_saves_total\{outcome="success"\} 1$/m);
  assert.match(metrics, /^isle_saves_total\{outcome="failure"\} 1$/m);
  assert.match(metrics, /^isle_queue_length 0$/m);
  assert.match(metrics, /^isle_workers_busy 0$/m);
  assert.match(metrics, /^isle_worker_wasm_heap_bytes\{worker="0"\} [1-9]\d+$/m);
});

test('--metrics-port serves the metrics on a listener of their own, and the public port no longer does', async () => {
  const g = await startFixture({ files: { 'catalogs/default.ini': '' }, config: { 'metrics-port': '0', 'metrics-host': '127.0.0.1' } });
  try {
    assert.equal((await g.get('/metrics')).status, 404);
    assert.notEqual(new URL(g.isle.metricsUrl).port, new URL(g.isle.url).port);
    const privately = await get(g.isle.metricsUrl);
    assert.equal(privately.status, 200);
    assert.match(privately.text, /^isle_requests_total\{catalog="-",req="other",status="404"\} 1$/m);
    assert.equal((await get(g.isle.metricsUrl.replace('/metrics', '/is/image'))).status, 404, 'only the metrics there');
  } finally {
    await g.close();
  }
  await assert.rejects(startFixture({ files: { 'catalogs/default.ini': '' }, config: { 'metrics-port': 'x' } }), /--metrics-port: expected a port number/);
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

test('POST, PUT and DELETE on the operational endpoints and the playground answer 405', async () => {
  const { request } = await import('undici');
  for (const path of ['/healthz', '/metrics', '/readyz', '/is/playground', '/is/image/a.png']) {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const r = await request(f.isle.url + path, { method });
      await r.body.dump();
      assert.equal(r.statusCode, 405, `${method} ${path}`);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { closeZlibGate } from '../../src/common/zlib.ts';
import { baseFiles, PHOTO } from '../helpers/files.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

/** An upscale of the 2725x2225 photo to 20 MP and a PNG encode: seconds of work. */
const SLOW = 'wid=5000&fmt=png';

describe('worker WASM memory ceiling', () => {
  test('a render that would not fit beside a fresh worker is refused before any worker runs', async () => {
    const f = await startFixture({
      files: { 'catalogs/default.ini': '', 'images/big.png': await encodeImage(synth(1500, 1500, (x) => [x % 256, 0, 0, 255]), 'png') },
      config: { 'max-worker-memory': '16' },
    });
    try {
      const r = await f.get('/is/image/big.png?wid=300');
      assert.equal(r.status, 403);
      assert.match(message(r.text), /would need about \d+ MiB/);
      assert.equal(f.isle.context.pool.stats().restarts, 0);
    } finally {
      await f.close();
    }
  });

  test('a grown worker that could not also hold the next job is replaced before it runs', async () => {
    const files = { 'catalogs/default.ini': '', 'images/big.png': await encodeImage(synth(2000, 2000, (x, y) => [x % 256, y % 256, 0, 255]), 'png') };
    const f = await startFixture({ files, config: { 'max-worker-memory': '4096', 'idle-recycle': '0' } });
    try {
      const fresh = f.isle.context.pool.stats().heapBytes[0]!;
      assert.equal((await f.get('/is/image/big.png?wid=300')).status, 200);
      const grown = f.isle.context.pool.stats().heapBytes[0]!;
      assert.ok(grown > fresh, `the job grew the heap: ${fresh} -> ${grown}`);
      await f.close();
      // A ceiling that a fresh worker and the job fit under, but not the grown worker and the job.
      const mib = 1024 * 1024;
      const ceiling = Math.floor((fresh + (grown - fresh) * 0.9 + 64 * mib) / mib);
      const g = await startFixture({ files, config: { 'max-worker-memory': String(ceiling), 'idle-recycle': '0' } });
      try {
        assert.equal((await g.get('/is/image/big.png?wid=300')).status, 200);
        const restarts = g.isle.context.pool.stats().restarts;
        assert.equal((await g.get('/is/image/big.png?wid=310')).status, 200);
        assert.ok(g.isle.context.pool.stats().restarts > restarts, 'the grown worker was replaced');
      } finally {
        await g.close();
      }
    } catch (err) {
      await f.close().catch(() => {});
      throw err;
    }
  });

  test('a worker that rendered and then sits idle is replaced, so idle memory comes back; a busy one is not', async () => {
    const f = await startFixture({
      files: { 'catalogs/default.ini': '', 'images/a.png': await encodeImage(synth(600, 600, (x) => [x % 256, 0, 0, 255]), 'png') },
      config: { 'idle-recycle': '300', workers: '1' },
    });
    try {
      const pool = f.isle.context.pool;
      // Requests closer together than the idle time keep the same worker.
      for (let i = 0; i < 5; i++) assert.equal((await f.get(`/is/image/a.png?wid=${300 + i}`)).status, 200);
      assert.equal(pool.stats().recycled, 0, 'not recycled while in use');
      for (let i = 0; i < 100 && pool.stats().recycled === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(pool.stats().recycled, 1, 'replaced once idle');
      assert.equal(pool.stats().restarts, 0, 'a recycle is not a restart');
      assert.equal((await f.get('/is/image/a.png?wid=200')).status, 200);
    } finally {
      await f.close();
    }
  });
});

describe('render-timeout', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: await baseFiles(),
      config: { 'render-timeout': '300', 'max-reply-pixels': '100000000' },
    });
  });
  after(() => f.close());

  test('a reply that takes longer than render-timeout answers 503 with Retry-After and its worker is replaced', async () => {
    const restarts = f.isle.context.pool.stats().restarts;
    const r = await f.get(`/is/image/${PHOTO}?${SLOW}`);
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '1');
    assert.match(message(r.text), /took too long/);
    assert.equal(f.isle.context.pool.stats().restarts, restarts + 1);
    // With a 300 ms render limit, a request must not count the replacement worker's start-up against it.
    await f.isle.context.pool.ready();
    assert.equal((await f.get('/is/image/small.png?wid=32')).status, 200);
  });
});

describe('worker replacement', () => {
  test('requests queued behind a failing worker are served by its replacement', async () => {
    const g = await startFixture({ files: await baseFiles(), config: { 'max-reply-pixels': '100000000' } });
    try {
      const [bad, good] = await Promise.all([
        g.get('/is/image/small.png?wid=40000&hei=40000&fit=stretch,1&fmt=png'),
        g.get('/is/image/small.png?wid=20'),
      ]);
      assert.equal(bad.status, 403);
      assert.equal(good.status, 200);
    } finally {
      await g.close();
    }
  });
});

describe('a worker that dies', () => {
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
    const slots = (f.isle.context.pool as unknown as { slots: { worker: Worker; gate: SharedArrayBuffer; job?: unknown }[] }).slots;
    const victim = f.get(`/is/image/${PHOTO}?wid=5000&fmt=png`);
    while (!slots.some((s) => s.job)) await new Promise((r) => setTimeout(r, 5));
    const queued = [f.get('/is/image/small.png?wid=20'), f.get('/is/image/small.png?wid=21')];
    await new Promise((r) => setTimeout(r, 50));
    // Through the zlib gate, as the pool does: a worker ended inside a zlib call aborts the process.
    const busy = slots.find((s) => s.job)!;
    await closeZlibGate(busy.gate);
    await busy.worker.terminate();
    const r = await victim;
    assert.equal(r.status, 503);
    assert.match(message(r.text), /worker rendering this image failed/);
    for (const q of await Promise.all(queued)) assert.equal(q.status, 200);
    assert.equal(f.isle.context.pool.stats().restarts, 1);
  });
});

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { within } from '../../tools/launch.ts';
import { baseFiles, PHOTO } from '../helpers/files.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { errorMessage as message, rawConnection, startFixture, type Fixture } from '../helpers/server.ts';

/** Statuses of the responses on one raw connection, in order, once `count` of them have arrived. */
function statusesOf(socket: Socket, count: number): Promise<number[]> {
  let text = '';
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      if (statuses.length >= count) resolve(statuses);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${text.length} bytes`)));
  });
}

describe('queue limit', () => {
  test('a full queue answers 503 with Retry-After at once; the queued request is still served', async () => {
    const f = await startFixture({ files: await baseFiles(), config: { 'max-queue': '1' } });
    try {
      // One worker, a queue of one: the slow request renders, one waits, the rest are refused.
      const slow = f.get(`/is/image/${PHOTO}?wid=1500&fmt=png`);
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      const quick = await Promise.all([30, 31, 33].map((w) => f.get(`/is/image/small.png?wid=${w}`)));
      const statuses = quick.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 503, 503]);
      for (const r of quick.filter((q) => q.status === 503)) {
        assert.equal(r.headers['retry-after'], '1');
        assert.match(message(r.text), /busy/);
      }
      assert.equal((await slow).status, 200);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await f.close();
    }
  });
});

describe('one connection cannot fill the render queue', () => {
  test('50 pipelined requests are all served, and another client is served meanwhile', async () => {
    const f = await startFixture({
      files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(synth(600, 400, (x, y) => [x % 256, y % 256, 9, 255]), 'png') },
      // One worker and four places in the queue: without a per-connection limit, 45 of the 50 get 503.
      config: { 'max-queue': '4' },
    });
    const pipe = rawConnection(f.isle.url);
    try {
      const statuses = statusesOf(pipe, 50);
      pipe.write(Array.from({ length: 50 }, (_, i) => `GET /is/image/p.png?wid=${100 + i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      const others = await Promise.all(Array.from({ length: 3 }, (_, i) => f.get(`/is/image/p.png?wid=${50 + i}`)));
      assert.deepEqual(others.map((r) => r.status), [200, 200, 200]);
      const all = await within(statuses, 60_000, 'the pipelined replies');
      assert.deepEqual(all.filter((s) => s !== 200), [], 'no pipelined request was refused');
    } finally {
      pipe.destroy();
      await f.close();
    }
  });
});

describe('the render queue', () => {
  test('runs a small job before big ones queued earlier, and a job that has waited past queue-aging first', async () => {
    const files = { 'catalogs/default.ini': '', 'images/big.png': await encodeImage(synth(1500, 1500, (x, y) => [(x * y) % 256, x % 256, y % 256, 255]), 'png') };
    const big = (i: number) => `/is/image/big.png?wid=${1400 + i}&fmt=png`;
    const small = '/is/image/big.png?wid=40&hei=40&fit=stretch&fmt=png&scl=16';
    // Which of the queued requests finishes first, once one big render holds the only worker.
    const firstOfQueued = async (f: Fixture) => {
      const running = f.get(big(0));
      for (let i = 0; i < 200 && f.isle.context.pool.stats().busy === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(f.isle.context.pool.stats().busy, 1, 'the first big render runs');
      const order: string[] = [];
      const queued = [f.get(big(1)).then(() => order.push('big')), f.get(big(2)).then(() => order.push('big'))];
      for (let i = 0; i < 200 && f.isle.context.pool.stats().queued < 2; i++) await new Promise((r) => setTimeout(r, 10));
      queued.push(f.get(small).then((r) => (assert.equal(r.status, 200), order.push('small'))));
      await within(Promise.all([running, ...queued]), 60_000, 'the queued renders');
      return order[0];
    };
    const f = await startFixture({ files, config: { 'queue-aging': '60000' } });
    try {
      assert.equal(await firstOfQueued(f), 'small');
    } finally {
      await f.close();
    }
    const g = await startFixture({ files, config: { 'queue-aging': '0' } });
    try {
      assert.equal(await firstOfQueued(g), 'big', 'with no aging allowance the queue is first come, first served');
    } finally {
      await g.close();
    }
  });
  test('when full, sheds the biggest waiting job for a smaller newcomer, and refuses a bigger one', async () => {
    const files = { 'catalogs/default.ini': '', 'images/big.png': await encodeImage(synth(1500, 1500, (x, y) => [(x * y) % 256, x % 256, y % 256, 255]), 'png') };
    const f = await startFixture({ files, config: { 'queue-aging': '60000', 'max-queue': '1' } });
    const pool = f.isle.context.pool;
    const until = async (ok: () => boolean, what: string) => {
      for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(ok(), what);
    };
    try {
      const running = f.get('/is/image/big.png?wid=1400&fmt=png');
      await until(() => pool.stats().busy === 1, 'the first render runs');
      const displaced = f.get('/is/image/big.png?wid=1300&fmt=png');
      await until(() => pool.stats().queued === 1, 'the second waits');
      const small = f.get('/is/image/big.png?wid=40&fmt=png');
      const shed = await within(displaced, 30_000, 'the displaced render');
      assert.equal(shed.status, 503);
      assert.equal(shed.headers['retry-after'], '1');
      assert.match(message(shed.text), /busy/);
      const bigger = await within(f.get('/is/image/big.png?wid=1200&fmt=png'), 30_000, 'a bigger newcomer');
      assert.equal(bigger.status, 503, 'a newcomer bigger than every waiting job is the one refused');
      assert.equal((await within(small, 30_000, 'the small render')).status, 200);
      assert.equal((await within(running, 30_000, 'the first render')).status, 200);
    } finally {
      await f.close();
    }
  });
});

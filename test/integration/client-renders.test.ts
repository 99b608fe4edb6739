import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorMessage, FIXTURE_CATALOG, startFixture, type Fixture, type Reply } from '../helpers/server.ts';

/** Polls `ready` every 10 ms for at most 10 s. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ready(), `gave up waiting: ${what}`);
}

/** A 2725x2225 photo blurred by 100 at 2000 px wide: a second or more of a worker. */
const SLOW = '/is/image/fixtures/photo-2725x2225.jpg?wid=2000&op_blur=100';

/** A 503 given at once, before any render: the client past its share, or a full queue. */
const pastShare = (r: Reply) => r.status === 503 && /share of the render queue/.test(errorMessage(r.text));
const refusedAtOnce = (r: Reply) => pastShare(r) || (r.status === 503 && /busy/.test(errorMessage(r.text)));

describe('--max-client-renders', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: FIXTURE_CATALOG,
      // 2 workers and 8 a worker: a queue of 16. Queued floods end at the render timeout.
      config: { workers: '2', 'max-client-renders': '1', 'trusted-proxies': '127.0.0.1/32', 'render-timeout': '4000', 'render-cache': '0' },
    });
  });
  after(() => f.close());

  test("a client flooding slow renders holds one worker; another client's renders pass it; past its share of the queue, 503", async () => {
    const from = (address: string, path: string) => f.get(path, { 'x-forwarded-for': address });
    const { pool } = f.isle.context;
    let floodEnded = 0;
    const flood = (address: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        from(address, `${SLOW}&qlt=${50 + i}`).then((r) => {
          if (!refusedAtOnce(r)) floodEnded++;
          return r;
        }),
      );
    const first = flood('10.0.0.1', 24);
    await until(() => pool.stats().queued === 16, 'the first flood fills the queue');
    assert.equal(pool.stats().busy, 1, 'a flood holds one worker only');
    for (let i = 0; i < 3; i++) {
      const r = await from('10.0.0.2', `/is/image/fixtures/320x240.jpg?wid=${100 + i}`);
      assert.equal(r.status, 200, r.text);
    }
    assert.equal(floodEnded, 0, 'the other client did not wait for a flood render to end');
    // A second flood: the queue is now shared by two clients, 8 places each.
    const second = flood('10.0.0.3', 12);
    const [a, b] = await Promise.all([Promise.all(first), Promise.all(second)]);
    const statuses = (replies: Reply[]) => replies.map((r) => r.status).join(',');
    assert.ok(b.filter(pastShare).length >= 3, `the second flood past its 8 places: ${statuses(b)}`);
    assert.ok(a.filter(pastShare).length >= 8, `the first flood gave places up to the second: ${statuses(a)}`);
    for (const r of [...a, ...b]) {
      assert.ok(r.status === 200 || r.status === 503, `only renders and 503s: ${r.status}`);
      if (r.status === 503) assert.equal(r.headers['retry-after'], '1');
    }
  });
});

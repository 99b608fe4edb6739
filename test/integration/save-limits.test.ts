import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { baseFiles, PHOTO } from '../helpers/files.ts';
import { errorMessage as message, FIXTURE_CATALOG, properties, startFixture, type Fixture } from '../helpers/server.ts';

/** A 2725x2225 JPEG saved 4000 px wide as PNG: seconds of a worker. */
const SLOW = '/is/image/fixtures/photo-2725x2225.jpg?req=saveToFile&wid=4000&fmt=png';

/** Polls `ready` every 10 ms for at most 10 s. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ready(), `gave up waiting: ${what}`);
}

describe('saveToFile limits', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ files: { 'catalogs/default.ini': 'SavePath=out\n', ...FIXTURE_CATALOG }, config: { 'save-timeout': '500' } });
    mkdirSync(join(f.saves, 'out'));
  });
  after(() => f.close());

  test('timeout= cannot ask for more than --save-timeout: a day is cut to the operator\'s 500 ms', async () => {
    const r = await f.get(`${SLOW}&name=day.png&timeout=86400000`);
    assert.equal(r.status, 403, r.text);
    assert.match(properties(r.text).get('error.message') ?? '', /timed out after 500 ms/);
  });

  test('a shorter timeout= is kept', async () => {
    const r = await f.get(`${SLOW}&name=short.png&timeout=50`);
    assert.equal(r.status, 403, r.text);
    assert.match(properties(r.text).get('error.message') ?? '', /timed out after 50 ms/);
  });
});

describe('saves never hold every worker', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'catalogs/default.ini': 'SavePath=out\n', ...FIXTURE_CATALOG },
      // Every request here is one client's: not held to one worker by --max-client-renders.
      config: { workers: '2', 'save-timeout': '2000', 'max-client-renders': '2' },
    });
    mkdirSync(join(f.saves, 'out'));
  });
  after(() => f.close());

  test('with 2 workers and 2 slow saves, a reply is rendered while both saves are still in progress', async () => {
    const { pool, saves } = f.isle.context;
    let settled = 0;
    const both = [1, 2].map((n) => f.get(`${SLOW}&name=slow-${n}.png`).finally(() => settled++));
    // Both saves have arrived: each on a worker (as before), or one on a worker and one waiting for its turn.
    await until(() => pool.stats().busy === 2 || (pool.stats().busy === 1 && saves.waiting === 1), 'both saves under way');
    const r = await f.get('/is/image/fixtures/photo-2725x2225.jpg?wid=50');
    assert.equal(r.status, 200, r.text);
    assert.equal(settled, 0, 'the reply did not wait for a save to end');
    assert.equal(saves.waiting, 1, 'the second save waits for the first');
    await Promise.all(both);
  });
});

describe('max-concurrent-saves', () => {
  test('max-concurrent-saves: a save waits for a place within its own timeout', async () => {
    const f = await startFixture({ files: await baseFiles(), config: { 'max-concurrent-saves': '1', 'max-queue': '4' } });
    try {
      const slow = f.get(`/is/image/${PHOTO}?req=saveToFile&name=slow.png&wid=5000&fmt=png`);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(f.isle.context.saves.inProgress, 1);
      const impatient = await f.get('/is/image/small.png?req=saveToFile&name=quick.png&fmt=png&timeout=100');
      assert.equal(impatient.status, 403);
      assert.match(message(impatient.text), /timed out after 100 ms/);
      const patient = f.get('/is/image/small.png?req=saveToFile&name=later.png&fmt=png&timeout=60000');
      assert.equal((await slow).status, 200);
      assert.equal((await patient).status, 200);
    } finally {
      await f.close();
    }
  });
});

describe('max-save-pixels and save-timeout', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ files: await baseFiles(), config: { 'max-save-pixels': '2000' } });
  });
  after(() => f.close());

  test('max-save-pixels caps saved images', async () => {
    assert.equal((await f.get('/is/image/small.png?req=saveToFile&name=ok.png&wid=40&timeout=60000')).status, 200, '40x30 = 1200 pixels');
    const r = await f.get('/is/image/small.png?req=saveToFile&name=big.png&wid=64&timeout=60000');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /saved image would have 3072 pixels; the limit is 2000/);
  });

  test('save-timeout applies when timeout= is absent', async () => {
    const g = await startFixture({ files: await baseFiles(), config: { 'save-timeout': '40' } });
    try {
      const r = await g.get(`/is/image/${PHOTO}?req=saveToFile&name=slow.png&wid=2000&fmt=png`);
      assert.equal(r.status, 403);
      assert.match(message(r.text), /timed out after 40 ms/);
    } finally {
      await g.close();
    }
  });
});

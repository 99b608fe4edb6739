import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lockValue } from '../../src/protocol/lock.ts';
import { baseFiles } from '../helpers/files.ts';
import { startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

describe('RequestLock', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ files: { ...(await baseFiles()), 'catalogs/locked.ini': 'RootId=locked\nRequestLock=1\n' } });
  });
  after(() => f.close());

  test('RequestLock: the &xxxx lock over the encoded modifiers is required and checked', async () => {
    const query = 'wid=20&fmt=png&bgc=255%2c0%2c0';
    const lock = lockValue(query).toString(16).padStart(4, '0');
    assert.equal((await f.get(`/is/image/locked/small.png?${query}&${lock}`)).status, 200);
    assert.equal((await f.get(`/is/image/locked/small.png?${query}&${lock.toUpperCase()}`)).status, 200);
    for (const q of [query, `${query}&${((parseInt(lock, 16) + 1) & 0xffff).toString(16).padStart(4, '0')}`, `wid=21&fmt=png&bgc=255%2c0%2c0&${lock}`]) {
      const r = await f.get(`/is/image/locked/small.png?${q}`);
      assert.equal(r.status, 403, q);
      assert.equal(message(r.text), 'Invalid lock');
    }
    assert.equal((await f.get(`/is/image/small.png?${query}`)).status, 200, 'catalogs without RequestLock are unaffected');
  });
});

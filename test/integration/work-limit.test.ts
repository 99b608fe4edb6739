import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manyScansJpeg } from '../../tools/fixtures/many-scans.ts';
import { errorMessage, FIXTURE_CATALOG, startFixture, type Fixture } from '../helpers/server.ts';

describe('--max-request-work', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        ...FIXTURE_CATALOG,
        // 8000x8000 grey, 900 scans: about 200 KB, and 900 passes over 64 MP for the decoder.
        'images/scans-900.jpg': manyScansJpeg(8000, 8000, 900),
        'images/scans-3.jpg': manyScansJpeg(8000, 8000, 3),
      },
    });
  });
  after(() => f.close());

  const refused = async (path: string) => {
    const jobs = f.isle.context.pool.stats().jobs;
    const r = await f.get(path);
    assert.equal(r.status, 403, r.text);
    assert.match(errorMessage(r.text), /limit of 4000000000 pixel operations of worker work, as the planner estimates them \(max-request-work\)/);
    assert.equal(f.isle.context.pool.stats().jobs, jobs, 'refused before any worker took it');
  };

  test('a progressive JPEG of 900 scans is refused by default, before a worker decodes it', async () => {
    await refused('/is/image/scans-900.jpg?wid=100');
  });

  test('the same frame in 3 scans renders', async () => {
    const r = await f.get('/is/image/scans-3.jpg?wid=100');
    assert.equal(r.status, 200, r.text);
  });

  test('ten effects that each blur by 100 on a 2000x2000 layer are refused', async () => {
    const effects = Array.from({ length: 10 }, (_, i) => `effect=-${i + 1}&op_grow=100&op_blur=100`).join('&');
    // scl=1: drawn at full size (a smaller view draws the layer and its effects smaller, and costs less).
    await refused(`/is/image/fixtures/320x240.jpg?scl=1&layer=0&size=2000,2000&color=ff0000&${effects}`);
  });
});

test('--max-request-work is a setting: a small limit refuses an ordinary render', async () => {
  const f = await startFixture({ files: FIXTURE_CATALOG, config: { 'max-request-work': '1' } });
  try {
    assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=100')).status, 200, 'well under a million');
    const r = await f.get('/is/image/fixtures/photo-2725x2225.jpg?wid=2000');
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /limit of 1000000 pixel operations .*\(max-request-work\)/);
  } finally {
    await f.close();
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { baseFiles } from '../helpers/files.ts';
import { startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

describe('an image too large for any step', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/ok.png': await encodeImage(synth(64, 64, () => [10, 20, 30, 255]), 'png') },
      config: { 'max-reply-pixels': '2000000000' },
    });
  });
  after(() => f.close());

  test('an image too large for any step is refused by the planner, before any worker runs', async () => {
    const { restarts } = f.isle.context.pool.stats();
    // A 64x64 image stretched to 40000x40000 would be 6.4 GB.
    const r = await f.get('/is/image/ok.png?wid=40000&hei=40000&fit=stretch,1&fmt=png');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /intermediate image would have 1600000000 pixels/);
    assert.equal(f.isle.context.pool.stats().restarts, restarts);
  });
});

describe('every image a plan creates is bounded before any worker runs', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'catalogs/default.ini': '', 'images/320x240.png': await encodeImage(synth(320, 240, (x) => [x % 256, 0, 0, 255]), 'png') },
    });
  });
  after(() => f.close());

  test('extend=, extendN=, size=, scale= and rotate with extend that would build huge layers answer 403', async () => {
    const { jobs } = f.isle.context.pool.stats();
    for (const query of [
      'extend=9000,9000,9000,9000&wid=100',
      'extendN=100,100,100,100&wid=100',
      'size=40000,40000&wid=100',
      'scale=100&wid=100',
      'rotate=45&extend=20000,20000,0,0&wid=100',
    ]) {
      const r = await f.get(`/is/image/320x240.png?${query}`);
      assert.equal(r.status, 403, query);
      assert.match(message(r.text), /intermediate image would have \d+ pixels; the limit is 100000000|would need about \d+ MiB/, query);
    }
    assert.equal(f.isle.context.pool.stats().jobs, jobs, 'no worker ran for the refused requests');
    assert.equal((await f.get('/is/image/320x240.png?extend=10,10,10,10&wid=100')).status, 200, 'a modest extend still renders');
  });
});

describe('max-reply-pixels', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ files: await baseFiles(), config: { 'max-reply-pixels': '3072' } });
  });
  after(() => f.close());

  test('max-reply-pixels caps replies whatever MaxPix allows', async () => {
    assert.equal((await f.get('/is/image/small.png?wid=64')).status, 200, '64x48 = 3072 pixels');
    const r = await f.get('/is/image/small.png?wid=65');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /reply image would have 3185 pixels; the limit is 3072/);
  });
});

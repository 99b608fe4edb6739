import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RenderCache } from '../../src/service/render-cache.ts';
import { startFixture } from '../helpers/server.ts';

const jobs = (f: { isle: { context: { pool: { stats(): { jobs: number } } } } }) => f.isle.context.pool.stats().jobs;
const metric = async (f: { get(p: string): Promise<{ text: string }> }, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec((await f.get('/metrics')).text)?.[1]);

test('a request whose plan is megabytes answers normally and leaves the render cache its other entries', async () => {
  const f = await startFixture({ samples: true, config: { 'render-cache': '1', 'max-glyphs': '20000' } });
  try {
    for (const w of [50, 60]) assert.equal((await f.get(`/is/image/sample/landscape?wid=${w}`)).status, 200);
    const before = jobs(f);
    // Every character of a text layer is placed in the plan: some 6,000 of them make a plan of megabytes.
    const words = Array.from({ length: 80 }, (_, i) => `w${i}`).join('+');
    const big = await f.get(`/is/image/sample/landscape?wid=200&$v=${words}+&layer=1&size=200,300&text=${'$v$'.repeat(20)}`);
    assert.equal(big.status, 200, big.text);
    assert.equal(big.headers['content-type'], 'image/jpeg');
    assert.ok((await metric(f, 'isle_render_cache_entries')) >= 2);
    for (const w of [50, 60]) assert.equal((await f.get(`/is/image/sample/landscape?wid=${w}`)).status, 200);
    assert.equal(jobs(f), before + 1, 'the earlier renders are still served from the cache');
  } finally {
    await f.close();
  }
});

test('a reply that cannot fit is not kept and evicts nothing', () => {
  const cache = new RenderCache(1000);
  cache.set('a', { body: new Uint8Array(100), etag: 'a', contentType: 'image/png' });
  // A small reply under a key of 600 characters (1,200 bytes): more than the whole budget.
  cache.set('k'.repeat(600), { body: new Uint8Array(10), etag: 'b', contentType: 'image/png' });
  assert.equal(cache.size, 1);
  assert.ok(cache.has('a'));
});

test("remembered request targets count in the cache's bytes, each kept under a hash of fixed size", () => {
  const cache = new RenderCache(1024 * 1024);
  const key = RenderCache.keyOf({ steps: [] }, ['/images/a.png']);
  cache.set(key, { body: new Uint8Array(100), etag: 'a', contentType: 'image/png' });
  const held = cache.bytes;
  const remembered = { key, catalogs: {}, source: { file: 'a.png', root: '/images' }, identity: '/images/a.png', checkedAt: 0 };
  cache.remember(`/is/image/a.png?wid=1`, remembered);
  const short = cache.bytes - held;
  assert.ok(short > 0, 'a remembered target is counted');
  cache.remember(`/is/image/a.png?wid=2&${'x'.repeat(8000)}`, remembered);
  assert.equal(cache.bytes - held, 2 * short, 'a target of 8 KB costs what a short one does');
  assert.equal(cache.recall(`/is/image/a.png?wid=2&${'x'.repeat(8000)}`), remembered);
  // A budget of remembered targets alone: the oldest go, and the bytes stay within it.
  const small = new RenderCache(4000);
  small.set(key, { body: new Uint8Array(10), etag: 'a', contentType: 'image/png' });
  for (let i = 0; i < 100; i++) small.remember(`/is/image/a.png?wid=${i}`, remembered);
  assert.ok(small.bytes <= 4000, `${small.bytes} bytes`);
});

import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';
import { properties, startFixture } from '../helpers/server.ts';

const jobs = (f: { isle: { context: { pool: { stats(): { jobs: number } } } } }) => f.isle.context.pool.stats().jobs;
const metric = async (f: { isle: { url: string }; get(p: string): Promise<{ text: string }> }, name: string) => {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec((await f.get('/metrics')).text);
  return Number(m?.[1]);
};

test('the render cache serves a repeat without rendering, and misses whatever changes the output', async () => {
  // --cache-validation 0: every hit looks at its source.
  const f = await startFixture({ files: { 'images/a.png': await encodeImage(synth(300, 200, (x, y) => [x % 256, y % 256, 7, 255]), 'png') }, config: { 'cache-validation': '0' } });
  try {
    const first = await f.get('/is/image/a.png?wid=100&fmt=png');
    const rendered = jobs(f);
    const again = await f.get('/is/image/a.png?wid=100&fmt=png');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.etag, first.headers.etag);
    assert.equal(jobs(f), rendered, 'no worker ran for the repeat');
    assert.equal(await metric(f, 'isle_render_cache_hits_total'), 1);
    assert.ok((await metric(f, 'isle_render_cache_bytes')) >= first.body.byteLength);
    const props = properties((await f.get('/is/image/a.png?wid=100&fmt=png&req=props')).text);
    assert.equal(props.get('image.length'), String(first.body.byteLength), 'req=props knows the cached length');
    // Another size, another format, another Accept: other renders.
    await f.get('/is/image/a.png?wid=101&fmt=png');
    await f.get('/is/image/a.png?wid=100&fmt=jpeg');
    await f.get('/is/image/a.png?wid=100&fmt=auto', { accept: 'image/webp' });
    await f.get('/is/image/a.png?wid=100&fmt=auto', { accept: 'image/avif' });
    assert.equal(jobs(f), rendered + 4);
    // A changed source (its size and modification time are in the key) is rendered again.
    writeFileSync(join(f.images, 'a.png'), await encodeImage(synth(300, 200, () => [255, 0, 0, 255]), 'png'));
    utimesSync(join(f.images, 'a.png'), new Date(), new Date(Date.now() + 5000));
    const changed = await f.get('/is/image/a.png?wid=100&fmt=png');
    assert.notDeepEqual(changed.body, first.body);
    assert.equal(jobs(f), rendered + 5);
  } finally {
    await f.close();
  }
});

test('a request answered from the cache is answered again from its entry, and the whole way once the catalog or the source changes', async () => {
  const files = {
    'images/a.png': await encodeImage(synth(120, 80, (x, y) => [x * 2, y * 3, 9, 255]), 'png'),
    'catalogs/c.ini': 'RootId=c\nCatalogFile=c.txt\n',
    'catalogs/c.txt': 'Id\tPath\tModifier\npic\ta.png\twid=60\n',
  };
  const validationMs = 1500;
  const f = await startFixture({ files, config: { 'cache-validation': String(validationMs) } });
  try {
    const first = await f.get('/is/image/c/pic?fmt=png');
    const rendered = jobs(f);
    for (let i = 0; i < 3; i++) assert.deepEqual((await f.get('/is/image/c/pic?fmt=png')).body, first.body);
    assert.equal(jobs(f), rendered, 'the repeats were not rendered');
    assert.equal(await metric(f, 'isle_render_cache_hits_total'), 3);
    // The record's modifier changes: the same URL is another render, once the catalogs are re-read.
    writeFileSync(join(f.catalogs, 'c.txt'), 'Id\tPath\tModifier\npic\ta.png\twid=40\n');
    let width = 60;
    // When the request that rendered the new record was sent: its look at the source came after.
    let asked = 0;
    for (let i = 0; i < 50 && width === 60; i++) {
      await new Promise((r) => setTimeout(r, 100));
      asked = Date.now();
      width = (await decodeImage((await f.get('/is/image/c/pic?fmt=png')).body)).width;
    }
    assert.equal(width, 40, 'the reloaded record applies');
    const reloaded = jobs(f);
    assert.equal((await decodeImage((await f.get('/is/image/c/pic?fmt=png')).body)).width, 40);
    assert.equal(jobs(f), reloaded, 'and its render is the one served again');
    // The source replaced by a file of the same size: its modification time tells, once the last
    // look at the file is older than --cache-validation.
    writeFileSync(join(f.images, 'a.png'), await encodeImage(synth(120, 80, (x, y) => [x * 2, y * 3, 10, 255]), 'png'));
    utimesSync(join(f.images, 'a.png'), new Date(), new Date(Date.now() + 5000));
    const blue = async () => (await decodeImage((await f.get('/is/image/c/pic?fmt=png')).body)).data[2];
    const early = await blue();
    // Only a request inside the window can show the old entry; a slow machine may have passed it.
    if (Date.now() - asked < validationMs) {
      assert.equal(early, 9, 'inside the window: the entry, the source not looked at');
      assert.equal(jobs(f), reloaded);
    }
    let now = early;
    for (let i = 0; i < 50 && now !== 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await blue();
    }
    assert.equal(now, 10, 'after it: the changed source rendered again');
    assert.equal(jobs(f), reloaded + 1, 'once');
  } finally {
    await f.close();
  }
});

test('cache=off and cache=on,off bypass it, cache=on,update refreshes it; errors and saves are never kept', async () => {
  const f = await startFixture({ files: { 'images/a.png': await encodeImage(synth(60, 40, () => [1, 2, 3, 255]), 'png'), 'catalogs/default.ini': 'SavePath=out\n', 'saves/out/.keep': '' } });
  try {
    await f.get('/is/image/a.png?wid=30');
    const base = jobs(f);
    await f.get('/is/image/a.png?wid=30&cache=on,off');
    await f.get('/is/image/a.png?wid=30&cache=off');
    await f.get('/is/image/a.png?wid=30&cache=on,update');
    assert.equal(jobs(f), base + 3, 'each rendered');
    await f.get('/is/image/a.png?wid=30&cache=on,update');
    assert.equal(jobs(f), base + 4, 'an update is rendered every time it is asked for');
    await f.get('/is/image/a.png?wid=30');
    assert.equal(jobs(f), base + 4, 'and then served from the cache');
    for (let i = 0; i < 2; i++) assert.equal((await f.get('/is/image/a.png?wid=30&op_blur=1000')).status, 403);
    assert.equal((await f.get('/is/image/a.png?wid=31&req=saveToFile&name=s.jpg')).status, 200);
    assert.equal((await f.get('/is/image/a.png?wid=31&req=saveToFile&name=s.jpg')).status, 200);
    assert.equal(jobs(f), base + 6, 'both saves rendered');
  } finally {
    await f.close();
  }
});

test('--render-cache bounds it by bytes, least recently used out; 0 switches it off', async () => {
  // A noisy image, so each reply is some 100 KB of PNG.
  const noisy = await encodeImage(synth(300, 300, (x, y) => [(x * 31 + y * 17) % 251, (x * y) % 253, (x ^ y) % 256, 255]), 'png');
  const f = await startFixture({ files: { 'images/n.png': noisy }, config: { 'render-cache': '1' } });
  try {
    for (let w = 280; w < 300; w++) await f.get(`/is/image/n.png?wid=${w}&fmt=png`);
    assert.ok((await metric(f, 'isle_render_cache_evictions_total')) > 0, 'evicted');
    assert.ok((await metric(f, 'isle_render_cache_bytes')) <= 1024 * 1024);
    const before = jobs(f);
    await f.get('/is/image/n.png?wid=299&fmt=png');
    assert.equal(jobs(f), before, 'the most recent is still there');
    await f.get('/is/image/n.png?wid=280&fmt=png');
    assert.equal(jobs(f), before + 1, 'the oldest was evicted');
  } finally {
    await f.close();
  }
  const off = await startFixture({ files: { 'images/n.png': noisy }, config: { 'render-cache': '0' } });
  try {
    await off.get('/is/image/n.png?wid=50');
    await off.get('/is/image/n.png?wid=50');
    assert.equal(jobs(off), 2);
  } finally {
    await off.close();
  }
});

test('the source cache: other renders of a file read it from memory, a changed file is read again, --source-cache bounds it', async () => {
  const image = (blue: number) => encodeImage(synth(200, 150, (x, y) => [x, y, blue, 255]), 'png');
  const f = await startFixture({ files: { 'images/a.png': await image(7), 'images/b.png': await image(9) }, config: { 'cache-validation': '0' } });
  const misses = () => metric(f, 'isle_source_cache_misses_total');
  const hits = () => metric(f, 'isle_source_cache_hits_total');
  try {
    const widths = [100, 90, 80, 70];
    for (const w of widths) {
      const reply = await f.get(`/is/image/a.png?wid=${w}&fmt=png`);
      assert.equal(reply.status, 200, `wid=${w}`);
      const { width, data } = await decodeImage(reply.body);
      assert.equal(width, w);
      assert.equal(data[2], 7, 'the pixels of the file, each time');
    }
    assert.equal(await misses(), 1, 'the file was read once');
    assert.equal(await hits(), widths.length - 1);
    assert.equal(await metric(f, 'isle_source_cache_bytes'), (await image(7)).byteLength);
    // A composite names the file twice and another once: each read at most once, the first from memory.
    const composite = await f.get('/is/image/a.png?wid=120&fmt=png&layer=1&src=b.png&size=50,50&layer=2&src=a.png&size=20,20');
    assert.equal(composite.status, 200);
    assert.equal(await misses(), 2, 'only b.png was read from disk');
    // The same size, another modification time: read again, the render not served from the cache.
    writeFileSync(join(f.images, 'a.png'), await image(8));
    utimesSync(join(f.images, 'a.png'), new Date(), new Date(Date.now() + 5000));
    const changed = await decodeImage((await f.get('/is/image/a.png?wid=100&fmt=png')).body);
    assert.equal(changed.data[2], 8, 'the new file');
    assert.equal(await misses(), 3);
  } finally {
    await f.close();
  }
  // A file over a quarter of the limit is never kept; 0 keeps none.
  const noisy = await encodeImage(synth(600, 600, (x, y) => [(x * 31 + y * 17) % 251, (x * y) % 253, (x ^ y) % 256, 255]), 'png');
  assert.ok(noisy.byteLength > 1024 * 1024 / 4, 'the noisy file is over a quarter of 1 MiB');
  for (const limit of ['1', '0']) {
    const small = await startFixture({ files: { 'images/n.png': noisy }, config: { 'source-cache': limit, 'render-cache': '0' } });
    try {
      for (const w of [50, 60, 50]) assert.equal((await small.get(`/is/image/n.png?wid=${w}`)).status, 200);
      assert.equal(await metric(small, 'isle_source_cache_misses_total'), 3, `--source-cache ${limit}: read every time`);
      assert.equal(await metric(small, 'isle_source_cache_bytes'), 0);
    } finally {
      await small.close();
    }
  }
});

import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pngChunk } from '../../src/image/metadata.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

/** A PNG whose chunks are all whole with right CRCs, but whose IDAT is not zlib data. */
function pngWithBadImageData(): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(16, 0);
  header.writeUInt32BE(16, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', Buffer.from('this is not zlib data at all')), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('bad input gets a clear 403 and the server keeps serving', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'MaxPix=0,0\n',
        ...FIXTURE_CATALOG,
        'images/ok.png': await encodeImage(synth(64, 64, () => [10, 20, 30, 255]), 'png'),
        'images/text.png': 'this is not an image',
        'images/bad-zlib.png': pngWithBadImageData(),
        'images/empty.jpg': '',
        'secret/secret.png': await encodeImage(synth(8, 8, () => [1, 2, 3, 255]), 'png'),
      },
      config: { 'max-reply-pixels': '2000000000', 'max-source-pixels': '50000000' },
    });
    mkdirSync(join(f.images, 'linked'));
    symlinkSync(join(f.dir, 'secret'), join(f.images, 'linked', 'out'));
    symlinkSync(join(f.dir, 'secret', 'secret.png'), join(f.images, 'secret-link.png'));
    symlinkSync(join(f.images, 'ok.png'), join(f.images, 'inside-link.png'));
  });
  after(() => f.close());

  const expect403 = async (path: string, pattern: RegExp) => {
    const started = Date.now();
    const r = await f.get(path);
    assert.equal(r.status, 403, `${path}: ${r.text}`);
    assert.match(message(r.text), pattern, path);
    return Date.now() - started;
  };

  test('truncated, corrupt, empty and non-image files', async () => {
    await expect403('/is/image/fixtures/truncated.jpg?wid=100', /corrupt: the JPEG data is truncated/);
    await expect403('/is/image/fixtures/truncated.png?wid=100', /corrupt: the PNG data is truncated/);
    await expect403('/is/image/fixtures/corrupt-header.jpg?wid=100', /could not be decoded|corrupt/);
    await expect403('/is/image/text.png', /not a JPEG, PNG or TIFF image/);
    await expect403('/is/image/empty.jpg', /not a JPEG, PNG or TIFF image/);
  });

  test('decompression bombs are refused from the header, before any decode, in well under a second', async () => {
    const jpeg = await expect403('/is/image/fixtures/giant-20000x14000.jpg?wid=100', /too large \(20000x14000\); the limit is 50000000 pixels/);
    const png = await expect403('/is/image/fixtures/giant-65536x65536.png?wid=100', /too large \(65536x65536\)/);
    assert.ok(jpeg < 1000 && png < 1000, `${jpeg} ms, ${png} ms`);
  });

  test('symlinks that lead outside the root are refused like missing files; inside ones work', async () => {
    await expect403('/is/image/linked/out/secret.png', /Image not found/);
    await expect403('/is/image/secret-link.png', /Image not found/);
    assert.equal((await f.get('/is/image/inside-link.png')).status, 200);
    // A link found inside once and then pointed outside: checked again (the server remembers
    // checked paths with the file they named), refused. Until the render cache looks at the file
    // again (--cache-validation, 1 s) the same URL may still get the reply it had, never more.
    symlinkSync(join(f.images, 'ok.png'), join(f.images, 'swap.png'));
    const inside = await f.get('/is/image/swap.png');
    assert.equal(inside.status, 200);
    unlinkSync(join(f.images, 'swap.png'));
    symlinkSync(join(f.dir, 'secret', 'secret.png'), join(f.images, 'swap.png'));
    // Another request of the link, never answered before, is refused at once.
    await expect403('/is/image/swap.png?wid=10', /Image not found/);
    let r = await f.get('/is/image/swap.png');
    for (let i = 0; i < 40 && r.status === 200; i++) {
      assert.deepEqual(r.body, inside.body, 'only the reply rendered from the file inside');
      await new Promise((resolve) => setTimeout(resolve, 100));
      r = await f.get('/is/image/swap.png');
    }
    assert.equal(r.status, 403);
    assert.match(message(r.text), /Image not found/);
  });

  test('a decoder failure inside a worker fails that request only, naming the damage; the worker goes on', async () => {
    const restarts = f.isle.context.pool.stats().restarts;
    // Every chunk whole and its CRC right, but the image data is not zlib. Our PNG decoder leaks
    // nothing on failure (@jsquash/png's did, and cost the worker), so the worker stays.
    const r = await f.get('/is/image/bad-zlib.png?wid=32');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /corrupt: its image data cannot be inflated/);
    assert.equal(f.isle.context.pool.stats().restarts, restarts);
    assert.equal((await f.get('/is/image/ok.png?wid=32')).status, 200);
  });

  test('an image too large for any step is refused by the planner, before any worker runs', async () => {
    const { restarts } = f.isle.context.pool.stats();
    // A 64x64 image stretched to 40000x40000 would be 6.4 GB.
    const r = await f.get('/is/image/ok.png?wid=40000&hei=40000&fit=stretch,1&fmt=png');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /intermediate image would have 1600000000 pixels/);
    assert.equal(f.isle.context.pool.stats().restarts, restarts);
  });

  test('after many failed decodes the decoders still work', async () => {
    for (let i = 0; i < 100; i++) {
      const r = await f.get(`/is/image/fixtures/corrupt-header.jpg?wid=${10 + i}`);
      assert.equal(r.status, 403);
    }
    assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=100')).status, 200);
  });
});

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

describe('source pixel limit', () => {
  test('is a setting: a 64x64 source passes a 4096-pixel limit and fails a 4095-pixel one', async () => {
    const files = { 'catalogs/default.ini': '', 'images/a.png': await encodeImage(synth(64, 64, () => [0, 0, 0, 255]), 'png') };
    for (const [limit, status] of [['4096', 200], ['4095', 403]] as const) {
      const f = await startFixture({ files, config: { 'max-source-pixels': limit } });
      try {
        assert.equal((await f.get('/is/image/a.png')).status, status, limit);
      } finally {
        await f.close();
      }
    }
  });
});

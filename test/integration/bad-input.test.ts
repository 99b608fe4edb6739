import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { PHOTOS_CATALOG, startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';


describe('bad input gets a clear 403 and the server keeps serving', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'MaxPix=0,0\n',
        ...PHOTOS_CATALOG,
        'images/ok.png': await encodeImage(synth(64, 64, () => [10, 20, 30, 255]), 'png'),
        'images/text.png': 'this is not an image',
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
    await expect403('/is/image/photos/truncated.jpg?wid=100', /corrupt: the JPEG data is truncated/);
    await expect403('/is/image/photos/truncated.png?wid=100', /corrupt: the PNG data is truncated/);
    await expect403('/is/image/photos/corrupt-header.jpg?wid=100', /could not be decoded|corrupt/);
    await expect403('/is/image/text.png', /not a JPEG or PNG/);
    await expect403('/is/image/empty.jpg', /not a JPEG or PNG/);
  });

  test('CMYK JPEGs are refused with a message that says so', async () => {
    await expect403('/is/image/photos/Channel_digital_image_CMYK_color.jpg?wid=100', /CMYK JPEG sources are not supported/);
  });

  test('decompression bombs are refused from the header, before any decode, in well under a second', async () => {
    const jpeg = await expect403('/is/image/photos/giant-image.jpg?wid=100', /too large \(20000x14000\); the limit is 50000000 pixels/);
    const png = await expect403('/is/image/photos/65536-uint32-limit.png?wid=100', /too large \(65536x65536\)/);
    assert.ok(jpeg < 1000 && png < 1000, `${jpeg} ms, ${png} ms`);
  });

  test('symlinks that lead outside the root are refused like missing files; inside ones work', async () => {
    await expect403('/is/image/linked/out/secret.png', /Image not found/);
    await expect403('/is/image/secret-link.png', /Image not found/);
    assert.equal((await f.get('/is/image/inside-link.png')).status, 200);
  });

  test('a codec failure inside a worker fails that request only and the worker is replaced', async () => {
    const restarts = f.isle.context.pool.stats().restarts;
    // A 64x64 image stretched to 40000x40000 (6.4 GB) is more than photon's 4 GiB heap can hold.
    const r = await f.get('/is/image/ok.png?wid=40000&hei=40000&fit=stretch,1&fmt=png');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /could not be rendered/);
    assert.equal(f.isle.context.pool.stats().restarts, restarts + 1);
    assert.equal((await f.get('/is/image/ok.png?wid=32')).status, 200);
  });

  test('after many failed decodes the decoders still work', async () => {
    for (let i = 0; i < 100; i++) {
      const r = await f.get(`/is/image/photos/corrupt-header.jpg?wid=${10 + i}`);
      assert.equal(r.status, 403);
    }
    assert.equal((await f.get('/is/image/photos/320x240.jpg?wid=100')).status, 200);
  });
});

describe('worker WASM memory ceiling', () => {
  test('a worker whose WASM heap passes max-worker-memory is replaced after its job', async () => {
    const f = await startFixture({
      files: { 'catalogs/default.ini': '', 'images/big.png': await encodeImage(synth(1500, 1500, (x) => [x % 256, 0, 0, 255]), 'png') },
      config: { 'max-worker-memory': '16' },
    });
    try {
      assert.equal(f.isle.context.pool.stats().restarts, 0);
      assert.equal((await f.get('/is/image/big.png?wid=300')).status, 200);
      assert.equal(f.isle.context.pool.stats().restarts, 1);
      assert.equal((await f.get('/is/image/big.png?wid=200')).status, 200);
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

import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { encodeImage } from '../helpers/pixels.ts';
import { tiledTiff } from '../../tools/tiled-tiff.ts';

/**
 * The bytes of source files a request takes (--max-read-bytes): whole files, and a TIFF's strips and
 * tiles read by range, charged before they are read; what all requests in progress hold at once
 * (--max-read-held); and /is/content, which streams a large file rather than holding it.
 */

const MIB = 1024 * 1024;

/** Noise, which PNG cannot compress: a file of about width x height x 4 bytes. */
async function noisePng(width: number, height: number): Promise<Uint8Array> {
  let seed = 88172645;
  const data = new Uint8ClampedArray(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), seed & 255)));
  return encodeImage({ data, width, height }, 'png');
}

describe('--max-read-bytes', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'MaxPix=0,0\n',
        'images/big.png': await noisePng(1024, 400),
        'images/small.png': await noisePng(64, 64),
        'images/tiled.tif': tiledTiff({ size: 2048 }),
        'images/claims.tif': tiledTiff({ size: 512, claim: 3 * MIB }),
      },
      config: { 'max-read-bytes': '1' },
    });
  });
  after(() => f.close());

  test('a source file larger than the limit is refused before it is read, for a render and for its properties', async () => {
    for (const path of ['/is/image/big.png?wid=10', '/is/image/big.png?req=imageprops', '/is/image/big.png?req=xmp']) {
      const r = await f.get(path);
      assert.equal(r.status, 403, path);
      assert.match(errorMessage(r.text), /max-read-bytes/, path);
    }
    assert.equal((await f.get('/is/image/small.png?wid=10')).status, 200);
  });

  test("a TIFF's tiles are charged by range: one tile of a 4 MiB file is served, the whole page refused", async () => {
    const tile = await f.get('/is/image/tiled.tif?rgn=0,0,256,256&wid=256&hei=256&fmt=png');
    assert.equal(tile.status, 200, tile.text);
    const whole = await f.get('/is/image/tiled.tif?rgn=0,0,2048,2048&wid=2048&hei=2048&fmt=png');
    assert.equal(whole.status, 403);
    assert.match(errorMessage(whole.text), /max-read-bytes/);
  });

  test("req=props of a 4 MiB TIFF reads none of it: its version is the file's identity's, and changes with the file", async () => {
    const version = async () => {
      const r = await f.get('/is/image/tiled.tif?req=props&wid=256');
      assert.equal(r.status, 200, r.text);
      return /image\.version=(\S+)/.exec(r.text)?.[1];
    };
    const before = await version();
    assert.match(before ?? '', /^[\w-]{22}$/);
    assert.equal(await version(), before, 'the same file, the same version');
    // The same bytes written again, a minute later by the clock: another file for every cache.
    const path = join(f.images, 'tiled.tif');
    writeFileSync(path, tiledTiff({ size: 2048 }));
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    assert.notEqual(await version(), before, 'a rewritten file, another version');
  });

  test('tiles whose byte counts claim 3 MiB each are refused before a byte of them is read', async () => {
    const r = await f.get('/is/image/claims.tif?rgn=0,0,256,256&wid=256&hei=256&fmt=png');
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /max-read-bytes/);
  });
});

describe('--max-read-held', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'images/mid.png': await noisePng(512, 400), 'images/big.png': await noisePng(1024, 400), 'images/cut.png': (await noisePng(512, 400)).subarray(0, 4096) },
      config: { 'max-read-held': '1' },
    });
  });
  after(() => f.close());

  const held = async () => Number((await f.get('/metrics')).text.split('\n').find((l) => l.startsWith('isle_source_held_bytes '))?.split(' ')[1]);

  test('requests whose sources together pass it get 503 with Retry-After while the others render; the holds end with the renders', async () => {
    // Each holds its 0.8 MiB file from its read until its blurred render is done, so two cannot at once.
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => f.get(`/is/image/mid.png?wid=512&op_blur=8&n=${i}`)));
    const statuses = replies.map((r) => r.status);
    assert.ok(statuses.includes(200), statuses.join());
    const busy = replies.filter((r) => r.status === 503);
    assert.ok(busy.length > 0, statuses.join());
    assert.equal(busy[0]!.headers['retry-after'], '1');
    assert.match(errorMessage(busy[0]!.text), /too many source files/);
    assert.equal(await held(), 0);
    assert.equal((await f.get('/is/image/mid.png?wid=100')).status, 200, 'served again once the holds ended');
  });

  test('a source refused once read (a PNG cut short) lets its hold go', async () => {
    for (const query of ['wid=100', 'req=imageprops', 'req=xmp', 'req=props']) {
      const r = await f.get(`/is/image/cut.png?${query}`);
      assert.equal(r.status, 403, query);
      assert.equal(await held(), 0, query);
    }
  });

  test('a source larger than the whole budget is a 403 naming the limit', async () => {
    const r = await f.get('/is/image/big.png?wid=100');
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /max-read-held/);
    assert.equal(await held(), 0);
  });
});

describe('/is/content of a large file', () => {
  let f: Fixture;
  const video = new Uint8Array(64 * MIB).map((_, i) => (i * 31) & 255);
  before(async () => {
    f = await startFixture({ files: { 'catalogs/default.ini': 'StaticContentRootPath=static\n', 'images/static/clip.mp4': video } });
  });
  after(() => f.close());

  test('is streamed: a client that reads nothing holds a read buffer, not the file', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const { port } = new URL(f.isle.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause();
    try {
      socket.write('GET /is/content/clip.mp4 HTTP/1.1\r\nHost: x\r\n\r\n');
      // Time for a whole read (64 MiB takes tens of milliseconds here) had the server made one.
      await new Promise((r) => setTimeout(r, 500));
      const held = process.memoryUsage().arrayBuffers - before;
      assert.ok(held < 16 * MIB, `${(held / MIB).toFixed(1)} MiB held for one client`);
    } finally {
      socket.destroy();
    }
  });

  test('its bytes, length and ETag: whole, req=props without reading it, and If-None-Match answers 304', async () => {
    const r = await f.get('/is/content/clip.mp4');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'video/mp4');
    assert.equal(Number(r.headers['content-length']), video.byteLength);
    assert.deepEqual(new Uint8Array(r.body), video);
    const etag = r.headers.etag;
    assert.ok(etag);
    assert.equal((await f.get('/is/content/clip.mp4', { 'if-none-match': etag })).status, 304);
    assert.match((await f.get('/is/content/clip.mp4?req=props')).text, new RegExp(`length=${video.byteLength}`));
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pngChunk } from '../../src/image/metadata.ts';
import { encodeJpeg } from '../../src/image/wasm-codecs.ts';
import { decodeImage, encodeImage, synth, worstDifference } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, FIXTURES, REPO, startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

/** A PNG whose chunks are all whole with right CRCs, but whose IDAT is not zlib data. */
function pngWithBadImageData(): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(16, 0);
  header.writeUInt32BE(16, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', Buffer.from('this is not zlib data at all')), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('source files that cannot be rendered get a clear 403 and the server keeps serving', () => {
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
    await expect403('/is/image/text.png', /not a JPEG, PNG, TIFF, PSD, GIF, BMP, WebP, AVIF, EPS, JPEG XL or HEIF image/);
    await expect403('/is/image/empty.jpg', /not a JPEG, PNG, TIFF, PSD, GIF, BMP, WebP, AVIF, EPS, JPEG XL or HEIF image/);
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

  test('after many failed decodes the decoders still work', async () => {
    for (let i = 0; i < 100; i++) {
      const r = await f.get(`/is/image/fixtures/corrupt-header.jpg?wid=${10 + i}`);
      assert.equal(r.status, 403);
    }
    assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=100')).status, 200);
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

/** Writes new dimensions into a JPEG's SOF0/SOF2 header. */
function withFrameSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(jpeg);
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.set([height >> 8, height & 255, width >> 8, width & 255], i + 5);
      return out;
    }
  }
  throw new Error('no SOF');
}

describe('damaged JPEGs whose frame is far larger than their data', () => {
  test('a baseline and a progressive file whose SOF says 10000x10000 answer 403 before any worker runs', async () => {
    const image = synth(400, 300, (x, y) => [(x * 7) % 256, (y * 5) % 256, (x ^ y) % 256, 255]);
    const baseline = withFrameSize(await encodeImage(image, 'jpeg'), 10000, 10000);
    const progressive = withFrameSize(new Uint8Array(await encodeJpeg(image, { quality: 80, fullChroma: false, gray: false, progressive: true })), 10000, 10000);
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/lie.jpg': baseline, 'images/lie-p.jpg': progressive } });
    try {
      const { jobs } = f.isle.context.pool.stats();
      for (const name of ['lie.jpg', 'lie-p.jpg']) {
        const r = await f.get(`/is/image/${name}?wid=100`);
        assert.equal(r.status, 403, name);
        assert.match(message(r.text), /far too short for its 10000x10000 frame/, name);
      }
      assert.equal(f.isle.context.pool.stats().jobs, jobs);
    } finally {
      await f.close();
    }
  });
});

describe('damaged JPEGs decoded at full size', () => {
  test('data damaged in the middle is refused, not grey-filled; extraneous bytes before a marker are not damage', async () => {
    const good = Buffer.from(readFileSync(join(FIXTURES, 'photo-2725x2225.jpg')));
    const damaged = Buffer.from(good);
    for (let i = 0; i < 40; i++) damaged[60_000 + i * 7_000]! ^= 0x5a;
    // Padding before the end marker: libjpeg warns "extraneous bytes" and decodes every pixel.
    const padded = Buffer.concat([good.subarray(0, good.length - 2), Buffer.from([0x00, 0x00, 0x00, 0xff, 0xd9])]);
    const f = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/damaged.jpg': damaged, 'images/padded.jpg': padded } });
    try {
      // scl=1: the full-size decode, by our kernel (which refuses damage itself) or MozJPEG (whose warnings are refused).
      const r = await f.get('/is/image/damaged.jpg?scl=1&fmt=png');
      assert.equal(r.status, 403);
      assert.match(message(r.text), /^The source image is corrupt: (its JPEG data is damaged|premature end of data segment|bad Huffman code|found marker)/);
      assert.equal((await f.get('/is/image/padded.jpg?scl=1&fmt=jpeg')).status, 200);
    } finally {
      await f.close();
    }
  });
});

describe('a JPEG cropped to some of its rows', () => {
  test("is decoded down to the crop's last row alone: the whole decode's pixels, the damage below it never read", async () => {
    const photo = readFileSync(join(REPO, 'samples/images/landscape.jpg'));
    // The last fifth of the entropy-coded data overwritten: rows near the bottom are damaged.
    const damaged = Buffer.from(photo);
    damaged.fill(0x55, Math.floor(photo.length * 0.8), photo.length - 2);
    const f = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/photo.jpg': photo, 'images/damaged.jpg': damaged }, config: { 'render-cache': '0' } });
    try {
      const png = async (path: string) => {
        const r = await f.get(path);
        assert.equal(r.status, 200, `${path}: ${message(r.text)}`);
        return decodeImage(r.body);
      };
      const whole = await png('/is/image/photo.jpg?scl=1&fmt=png');
      for (const [x, y, w, h] of [[0, 100, 1200, 200], [301, 7, 499, 390], [0, 0, 1200, 1]]) {
        const crop = await png(`/is/image/photo.jpg?crop=${x},${y},${w},${h}&scl=1&fmt=png`);
        assert.deepEqual([crop.width, crop.height], [w, h]);
        assert.equal(worstDifference(whole, crop, x!, y!).levels, 0, `crop=${x},${y},${w},${h}`);
      }
      // A nested request cropping the file layer 0 shows whole: two decodes of one file, each its own.
      const nested = await png('/is/image/photo.jpg?layer=1&src=is(photo.jpg?crop=0,400,300,200&scl=1)&scl=1&fmt=png');
      const part = await png('/is/image/photo.jpg?crop=0,400,300,200&scl=1&fmt=png');
      assert.equal(worstDifference(nested, part, 450, 300).levels, 0, 'layer 1 is the crop, centred');
      assert.equal(worstDifference(nested, await png('/is/image/photo.jpg?crop=0,0,450,800&scl=1&fmt=png'), 0, 0).levels, 0, 'layer 0 is the photo');
      assert.equal((await f.get('/is/image/damaged.jpg?scl=1&fmt=png')).status, 403, 'the whole file is damaged');
      const top = await png('/is/image/damaged.jpg?crop=0,0,1200,200&scl=1&fmt=png');
      assert.equal(worstDifference(whole, top, 0, 0).levels, 0, 'its first 200 rows are whole, and read alone');
    } finally {
      await f.close();
    }
  });
});

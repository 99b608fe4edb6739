import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePng } from '../../src/image/png-decode.ts';
import { compare } from '../../tools/reference.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { run, skipUnless } from '../helpers/tools.ts';

/*
 * fmt=tif's compressions over HTTP (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-fmt):
 * none, zip, lzw and jpeg for tif, none, zip and lzw for tif-alpha, each reply decoded by libtiff
 * (tiffcp) and libvips and compared with the same request as PNG.
 */

const photo = synth(640, 480, (x, y) => [(x * 255) / 639, (y * 255) / 479, 128 + 90 * Math.sin(x / 23) * Math.cos(y / 19), 80 + ((x * y) % 170)]);
const wide = synth(1200, 800, (x, y) => [(x * 255) / 1199, (y * 255) / 799, 128 + 90 * Math.sin(x / 31) * Math.cos(y / 17), 255]);

describe('fmt=tif compressions', { skip: skipUnless('tiffcp', 'vips') }, () => {
  let f: Fixture;
  let dir: string;
  before(async () => {
    f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(photo, 'png'), 'images/wide.jpg': await encodeImage(wide, 'jpeg') } });
    dir = temporaryFolder('isle-tiff-output-');
  });
  after(() => f?.close());

  /** The reply through libvips as PNG pixels, after tiffinfo named its compression. */
  async function viaVips(query: string, compression: RegExp) {
    const r = await f.get(`/is/image/p.png?scl=1&${query}`);
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.equal(r.headers['content-type'], 'image/tiff');
    const name = `${query.replace(/[^a-z0-9]/gi, '_')}.tif`;
    writeFileSync(join(dir, name), r.body);
    assert.match(run(dir, 'tiffinfo', name).toString(), compression);
    run(dir, 'tiffcp', '-c', 'none', name, `plain-${name}`);
    run(dir, 'vips', 'copy', name, `${name}.png`);
    return { pixels: decodePng(readFileSync(join(dir, `${name}.png`))), bytes: r.body.length };
  }

  const png = async (query: string) => decodePng((await f.get(`/is/image/p.png?scl=1&${query}`)).body);

  test('tif,,lzw and tif-alpha,,lzw: the PNG reply\'s pixels exactly, alpha kept', async () => {
    assert.equal(compare((await viaVips('fmt=tif,,lzw', /Compression Scheme: LZW/)).pixels, await png('fmt=png')).maxDiff, 0);
    const alpha = await viaVips('fmt=tif-alpha,,lzw', /Compression Scheme: LZW/);
    assert.equal(compare(alpha.pixels, await png('fmt=png-alpha')).maxDiff, 0);
    assert.equal(alpha.pixels.data[3 + 4 * 100], photo.data[3 + 4 * 100], 'alpha as the source has it');
  });

  test('tif,,jpeg: YCbCr JPEG within 40 dB of the PNG at qlt=95, and smaller at qlt=50', async () => {
    const high = await viaVips('fmt=tif,,jpeg&qlt=95', /Compression Scheme: JPEG/);
    const { psnr } = compare(high.pixels, await png('fmt=png'));
    assert.ok(psnr >= 40, `${psnr.toFixed(1)} dB`);
    const low = await viaVips('fmt=tif,,jpeg&qlt=50', /Photometric Interpretation: YCbCr/);
    assert.ok(low.bytes < high.bytes * 0.7, `${low.bytes} bytes at 50, ${high.bytes} at 95`);
    // The qlt= chroma flag: full-resolution chroma.
    const full = await f.get('/is/image/p.png?scl=1&fmt=tif,,jpeg&qlt=95,1');
    writeFileSync(join(dir, 'full.tif'), full.body);
    assert.match(run(dir, 'tiffinfo', 'full.tif').toString(), /YCbCr Subsampling: 1, 1/);
    // Resized: the tiles are encoded one by one from the resize's output, left in the memory the
    // resizer and the encoder share (image/kernels.ts), which no tile's encode may overwrite.
    for (const source of ['p.png', 'wide.jpg']) {
      const resized = await f.get(`/is/image/${source}?wid=500&fmt=tif,,jpeg&qlt=95`);
      assert.equal(resized.status, 200, resized.text.slice(0, 200));
      writeFileSync(join(dir, `resized-${source}.tif`), resized.body);
      run(dir, 'vips', 'copy', `resized-${source}.tif`, `resized-${source}.png`);
      const small = compare(decodePng(readFileSync(join(dir, `resized-${source}.png`))), decodePng((await f.get(`/is/image/${source}?wid=500&fmt=png`)).body));
      assert.ok(small.psnr >= 40, `${source} resized: ${small.psnr.toFixed(1)} dB`);
    }
  });

  test('tif-alpha,,jpeg and tif,cmyk,jpeg are 403s, as the fmt= page allows no JPEG with alpha', async () => {
    const alpha = await f.get('/is/image/p.png?scl=1&fmt=tif-alpha,,jpeg');
    assert.equal(alpha.status, 403);
    assert.match(errorMessage(alpha.text), /fmt=tif-alpha compression must be none or zip or lzw/);
    const cmyk = await f.get('/is/image/p.png?scl=1&fmt=tif,cmyk,jpeg');
    assert.equal(cmyk.status, 403);
    assert.match(errorMessage(cmyk.text), /fmt=tif,cmyk compression must be none, zip or lzw/);
  });

  test("the encoder's work is charged to the request: Deflate over --max-request-work is a 403 where no compression fits", async () => {
    // 0.3 MP at 5 million operations: uncompressed (2 a pixel) fits, Deflate (32 a pixel) does not.
    const limited = await startFixture({ files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(photo, 'png') }, config: { 'max-request-work': '5' } });
    try {
      assert.equal((await limited.get('/is/image/p.png?scl=1&fmt=tif')).status, 200);
      const zip = await limited.get('/is/image/p.png?scl=1&fmt=tif,,zip');
      assert.equal(zip.status, 403);
      assert.match(errorMessage(zip.text), /max-request-work/);
    } finally {
      await limited.close();
    }
  });
});

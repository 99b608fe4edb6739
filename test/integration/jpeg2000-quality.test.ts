import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePngReference, encodeImage, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, run, skipUnless } from '../helpers/tools.ts';

/*
 * r-is-http-fmt (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-fmt):
 * jpeg2000 and jpeg2000-alpha are "lossy and lossless JPEG 2000"; its examples are
 * `wid=300&fmt=jpeg2000&qlt=80` ("lossy with a quality setting of 80") and
 * `wid=300&fmt=jpeg2000-alpha,,lossless`. The files are decoded by libvips (OpenJPEG), not by us.
 */

/** A photo-like 600x462 source: smooth light, texture and edges, with a soft alpha for the -alpha form. */
const photo = () =>
  synth(600, 462, (x, y) => {
    const grain = ((x * 7919 + y * 104729) % 31) - 15;
    const light = 120 + 80 * Math.sin(x / 60) * Math.cos(y / 45);
    const edge = (x - 300) ** 2 + (y - 230) ** 2 < 120 ** 2 ? 60 : 0;
    const v = (c: number) => Math.max(0, Math.min(255, Math.round(c)));
    return [v(light + grain + edge), v(light * 0.8 + grain), v(200 - light * 0.5 + grain - edge), v(255 - Math.max(0, x - 500) * 2)];
  });

describe('fmt=jpeg2000 with qlt=', { skip: skipUnless('vips') }, () => {
  let f: Fixture;
  let dir: string;
  before(async () => {
    dir = temporaryFolder('isle-jp2-');
    f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/photo.png': await encodeImage(photo(), 'png') } });
  });
  after(() => f.close());

  const fetch = async (query: string) => {
    const r = await f.get(`/is/image/photo.png?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return r;
  };
  /** libvips' decode of a JP2 reply, as RGBA. */
  const decoded = async (body: Buffer, name: string) => {
    writeFileSync(join(dir, `${name}.jp2`), body);
    run(dir, 'vips', 'copy', `${name}.jp2`, `${name}.png`);
    return decodePngReference(readFileSync(join(dir, `${name}.png`)));
  };

  test('qlt=80 is lossy: at most 0.7x the lossless file, 30 dB or more against the PNG of the same view', async () => {
    const png = await decodePngReference((await fetch('wid=300&fmt=png')).body);
    const lossy = await fetch('wid=300&fmt=jpeg2000&qlt=80');
    const lossless = await fetch('wid=300&fmt=jpeg2000,,lossless');
    assert.equal(lossy.headers['content-type'], 'image/jp2');
    assert.ok(lossy.body.length <= 0.7 * lossless.body.length, `qlt=80 ${lossy.body.length} bytes, lossless ${lossless.body.length}`);
    const { psnr } = compare(await decoded(lossy.body, 'lossy'), png);
    assert.ok(psnr >= 30, `qlt=80: ${psnr.toFixed(1)} dB`);
    // Lossless stays exact, whatever qlt says.
    const exact = await decoded((await fetch('wid=300&fmt=jpeg2000,,lossless&qlt=10')).body, 'exact');
    assert.equal(compare(exact, png).psnr, Infinity);
  });

  test('a lower qlt makes a smaller file; fmt=jpeg2000,,lossy is the default', async () => {
    const sizes = [];
    for (const q of [95, 80, 50, 20]) sizes.push((await fetch(`wid=300&fmt=jpeg2000&qlt=${q}`)).body.length);
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! < sizes[i - 1]!, `sizes by qlt 95, 80, 50, 20: ${sizes.join(', ')}`);
    const explicit = await fetch('wid=300&fmt=jpeg2000,,lossy&qlt=80');
    assert.deepEqual(explicit.body, (await fetch('wid=300&fmt=jpeg2000&qlt=80')).body);
  });

  test('jpeg2000-alpha: qlt= is lossy, its alpha kept; ,,lossless is exact', async () => {
    const png = await decodePngReference((await fetch('wid=300&fmt=png-alpha')).body);
    const lossy = await fetch('wid=300&fmt=jpeg2000-alpha&qlt=80');
    const lossless = await fetch('wid=300&fmt=jpeg2000-alpha,,lossless');
    assert.ok(lossy.body.length <= 0.7 * lossless.body.length, `qlt=80 ${lossy.body.length} bytes, lossless ${lossless.body.length}`);
    const got = await decoded(lossy.body, 'alpha');
    const { psnr, alpha } = compare(got, png);
    assert.ok(psnr >= 30 && alpha <= 24, `${psnr.toFixed(1)} dB, alpha off by ${alpha}`);
    const exact = compare(await decoded(lossless.body, 'alpha-exact'), png);
    assert.deepEqual([exact.psnr, exact.alpha], [Infinity, 0]);
  });

  test('small views encode too, lossy and lossless (fewer wavelet levels than 32 pixels need)', async () => {
    for (const view of ['wid=1&hei=1&fit=stretch', 'wid=24', 'wid=300&hei=20&fit=stretch']) {
      const png = await decodePngReference((await fetch(`${view}&fmt=png`)).body);
      const exact = await decoded((await fetch(`${view}&fmt=jpeg2000,,lossless`)).body, 'small-exact');
      assert.equal(compare(exact, png).psnr, Infinity, view);
      // Not flat grey: the ratio leaves room for the codestream's headers.
      const lossy = await decoded((await fetch(`${view}&fmt=jpeg2000&qlt=80`)).body, 'small-lossy');
      const { psnr } = compare(lossy, png);
      assert.ok(psnr >= 25, `${view}: ${psnr.toFixed(1)} dB`);
    }
  });
});

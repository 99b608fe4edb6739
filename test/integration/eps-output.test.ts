import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePngReference, encodeImage, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, run, skipUnless } from '../helpers/tools.ts';

/*
 * fmt=eps (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-fmt):
 * "uncompressed binary Encapsulated PostScript", pixel types rgb, gray and cmyk, MIME type
 * image/eps, iccEmbed= allowed. Ghostscript draws the file; Isle's own EPS reader reads it back.
 */

const picture = () =>
  synth(320, 240, (x, y) => [(x * 255) / 319, (y * 255) / 239, ((x ^ y) & 255) >> 1, 255].map(Math.round) as [number, number, number, number]);

/** The samples after the line `beginimage`, as %ImageData promises them. */
function samplesOf(eps: Buffer, count: number): Buffer {
  const start = eps.indexOf('\nbeginimage\n') + '\nbeginimage\n'.length;
  return eps.subarray(start, start + count);
}

describe('fmt=eps', () => {
  let f: Fixture;
  let dir: string;
  before(async () => {
    dir = temporaryFolder('isle-eps-');
    f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/picture.png': await encodeImage(picture(), 'png') } });
  });
  after(() => f.close());

  const fetch = async (query: string, object = 'picture.png') => {
    const r = await f.get(`/is/image/${object}?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return r;
  };
  const ghostscript = (eps: Buffer, device: string, name: string, ...options: string[]) => {
    writeFileSync(join(dir, `${name}.eps`), eps);
    run(dir, 'gs', '-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-dEPSCrop', `-sDEVICE=${device}`, ...options, '-r72', '-dInterpolateControl=0', `-sOutputFile=${name}.out`, `${name}.eps`);
    return readFileSync(join(dir, `${name}.out`));
  };

  test('a binary EPS as Photoshop writes it: DSC header, %ImageData, the samples after "beginimage"', async () => {
    const r = await fetch('wid=300&fmt=eps');
    assert.equal(r.headers['content-type'], 'image/eps');
    const text = r.body.toString('latin1');
    assert.ok(text.startsWith('%!PS-Adobe-3.0 EPSF-3.0\n'), 'no DOS binary header: the PostScript comes first');
    assert.match(text, /\n%%BoundingBox: 0 0 300 225\n/);
    assert.match(text, /\n%ImageData: 300 225 8 3 0 1 1 "beginimage"\n/);
    assert.match(text, /\n%%BeginBinary: 202511\n/, 'the binary count covers the data line and 300x225x3 samples');
    assert.ok(text.endsWith('%%EndBinary\ngrestore\n%%Trailer\n%%EOF\n'));
  });

  test('Ghostscript draws it as the PNG of the same request, 40 dB or more', { skip: skipUnless('gs') }, async () => {
    const png = await decodePngReference((await fetch('wid=300&fmt=png')).body);
    const drawn = await decodePngReference(ghostscript((await fetch('wid=300&fmt=eps')).body, 'png16m', 'rgb'));
    const { psnr } = compare(drawn, png);
    assert.ok(psnr >= 40, `${psnr.toFixed(1)} dB`);
  });

  test('fmt=eps,gray: one sample a pixel, drawn as the luma of the PNG', { skip: skipUnless('gs') }, async () => {
    const eps = (await fetch('wid=300&fmt=eps,gray')).body;
    assert.match(eps.toString('latin1'), /\n%ImageData: 300 225 8 1 0 1 1 "beginimage"\n/);
    const png = await decodePngReference((await fetch('wid=300&fmt=png')).body);
    const luma = { ...png, data: png.data.slice() };
    for (let i = 0; i < luma.data.length; i += 4) {
      const y = Math.round(0.299 * png.data[i]! + 0.587 * png.data[i + 1]! + 0.114 * png.data[i + 2]!);
      luma.data.set([y, y, y], i);
    }
    const { psnr } = compare(await decodePngReference(ghostscript(eps, 'png16m', 'gray')), luma);
    assert.ok(psnr >= 40, `${psnr.toFixed(1)} dB`);
  });

  test('fmt=eps,cmyk: four inks a pixel, the inks Ghostscript puts on a CMYK page', { skip: skipUnless('gs') }, async () => {
    const eps = (await fetch('wid=100&fmt=eps,cmyk')).body;
    assert.match(eps.toString('latin1'), /\n%ImageData: 100 75 8 4 0 1 1 "beginimage"\n/);
    const inks = samplesOf(eps, 100 * 75 * 4);
    // The inks vary (a separation, not a blank page).
    assert.ok(new Set(inks).size > 50);
    const page = ghostscript(eps, 'bitcmyk', 'cmyk', '-dGrayValues=256');
    assert.equal(page.length, inks.length, 'one 8-bit CMYK page of the same size');
    const { psnr } = compare({ data: page, width: 100 * 75, height: 1 }, { data: inks, width: 100 * 75, height: 1 });
    assert.ok(psnr >= 40, `${psnr.toFixed(1)} dB`);
  });

  test('iccEmbed=1 writes the output profile (icc=AdobeRGB) in %%BeginICCProfile; printRes sets the bounding box', async () => {
    const text = (await fetch('wid=300&fmt=eps&icc=AdobeRGB&iccEmbed=1&printRes=144')).body.toString('latin1');
    const hex = /\n%%BeginICCProfile: \([^)]*\) -1 Hex\n((?:% [0-9A-F]+\n)+)%%EndICCProfile\n/.exec(text);
    assert.ok(hex, 'a profile comment');
    const profile = Buffer.from(hex[1]!.replace(/[%\s]/g, ''), 'hex');
    assert.equal(profile.subarray(36, 40).toString('latin1'), 'acsp');
    assert.equal(profile.readUInt32BE(0), profile.length);
    assert.match(text, /\n%%BoundingBox: 0 0 150 113\n%%HiResBoundingBox: 0 0 150 112.5\n/);
    assert.doesNotMatch((await fetch('wid=300&fmt=eps')).body.toString('latin1'), /BeginICCProfile/);
  });

  test("Isle's EPS reader reads its EPS back: the same pixels, RGB and CMYK", async () => {
    writeFileSync(join(f.images, 'back.eps'), (await fetch('wid=300&fmt=eps')).body);
    const png = await decodePngReference((await fetch('wid=300&fmt=png')).body);
    const back = await decodePngReference((await fetch('scl=1&fmt=png', 'back.eps')).body);
    assert.equal(compare(back, png).psnr, Infinity);
    writeFileSync(join(f.images, 'back-cmyk.eps'), (await fetch('wid=300&fmt=eps,cmyk')).body);
    const cmyk = await decodePngReference((await fetch('scl=1&fmt=png', 'back-cmyk.eps')).body);
    // Naive separation there and back: close to the RGB, not the same.
    assert.ok(compare(cmyk, png).psnr >= 30);
  });
});

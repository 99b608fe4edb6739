import assert from 'node:assert/strict';
import UTIF from 'utif2';
import { describe, test } from 'node:test';
import { decodeImage, decodeWebp, encodeImage, near, pixelAt, synth } from '../helpers/pixels.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProfile } from '../../src/image/icc.ts';
import { isSrgb } from '../../src/image/icc-pcs.ts';
import { srgbProfile } from '../../src/image/icc-profiles.ts';
import { unlimited } from '../../src/protocol/account.ts';
import { extractIcc } from '../../src/image/metadata.ts';
import { FIXTURES, startFixture } from '../helpers/server.ts';

/** The reply formats and what they carry: webp, avif, png8 and gif, tif and pdf, jpeg2000, printRes= and iccEmbed=. */

/** Embedded profiles of any size (the server's bounds have tests of their own, icc-bomb.test.ts). */
const ANY_SIZE = { account: unlimited(), maxProfileBytes: Infinity };

describe('fmt=webp', () => {
  test('webp flattens, webp-alpha keeps alpha, lossless is exact, qlt sets the lossy quality', async () => {
    const half = synth(200, 100, (x, y) => (x < 100 ? [(x * 2) % 256, y * 2, 77, 255] : [0, 0, 0, 0]));
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/half.png': await encodeImage(half, 'png') } });
    try {
      const get = async (q: string) => {
        const r = await f.get(`/is/image/half.png?scl=1&${q}`);
        assert.equal(r.status, 200, `${q}: ${r.text.slice(0, 100)}`);
        assert.equal(r.headers['content-type'], 'image/webp');
        assert.equal(r.body.subarray(8, 12).toString(), 'WEBP');
        return r.body;
      };
      const lossless = await decodeWebp(await get('fmt=webp-alpha,,lossless'));
      assert.equal(pixelAt(lossless, 150, 50)[3], 0, 'transparent kept');
      assert.deepEqual(pixelAt(lossless, 40, 30), [80, 60, 77, 255], 'lossless is exact');
      const flat = await decodeWebp(await get('fmt=webp&bgc=ff0000'));
      assert.ok(near(pixelAt(flat, 150, 50), [255, 0, 0, 255], 8), `${pixelAt(flat, 150, 50)}`);
      const low = await get('fmt=webp&qlt=10');
      const high = await get('fmt=webp&qlt=95');
      assert.ok(low.length < high.length, `${low.length} < ${high.length}`);
      assert.equal((await get('fmt=web-alpha')).length > 0, true, 'the reference typo is accepted');
      assert.equal((await f.get('/is/image/half.png?fmt=webp,,zip')).status, 403);
      assert.equal((await f.get('/is/image/half.png?fmt=png,,lossless')).status, 403);
    } finally {
      await f.close();
    }
  });
});

describe('printRes and iccEmbed', () => {
  test('printRes= is written as the JPEG density and the PNG pHYs; iccEmbed=1 carries the output profile', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'catalogs/fixtures.ini': `RootId=fixtures\nRootPath=${FIXTURES}\n` } });
    try {
      const jpeg = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&printRes=300')).body;
      assert.equal(jpeg.subarray(6, 11).toString('latin1'), 'JFIF\0');
      assert.deepEqual([jpeg[13], jpeg.readUInt16BE(14), jpeg.readUInt16BE(16)], [1, 300, 300]);
      const png = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&fmt=png&printRes=254')).body;
      const phys = png.indexOf('pHYs');
      assert.ok(phys > 0);
      assert.deepEqual([png.readUInt32BE(phys + 4), png[phys + 12]], [10000, 1]);
      assert.equal((await decodeImage(png)).width, 100, 'still a valid PNG');

      // 320x240.jpg carries an ICC profile (sRGB's primaries, a 2.2 gamma): its pixels are converted
      // to sRGB, so sRGB's profile is what describes the reply.
      const profile = Buffer.from(srgbProfile());
      assert.ok(extractIcc(readFileSync(join(FIXTURES, '320x240.jpg')), ANY_SIZE)!.length > 100);
      assert.ok(isSrgb(parseProfile(profile)), 'the embedded profile is sRGB');
      const plain = (await f.get('/is/image/fixtures/320x240.jpg?wid=100')).body;
      assert.equal(extractIcc(plain, ANY_SIZE), undefined, 'dropped without iccEmbed=1');
      const jpegIcc = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&iccEmbed=1')).body;
      assert.deepEqual(extractIcc(jpegIcc, ANY_SIZE), profile);
      // Exactly a JPEG: a small reply must not bring the rest of Node's shared buffer pool with it.
      assert.deepEqual([jpegIcc.readUInt16BE(0), jpegIcc.readUInt16BE(jpegIcc.length - 2)], [0xffd8, 0xffd9]);
      assert.equal((await decodeImage(jpegIcc)).width, 100);
      const pngIcc = (await f.get('/is/image/fixtures/320x240.jpg?wid=100&fmt=png&iccEmbed=1')).body;
      assert.deepEqual(extractIcc(pngIcc, ANY_SIZE), profile);
      assert.equal((await decodeImage(pngIcc)).width, 100);
      assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=100&printRes=0')).status, 403);
      assert.equal((await f.get('/is/image/fixtures/320x240.jpg?wid=100&iccEmbed=2')).status, 403);
    } finally {
      await f.close();
    }
  });
});

describe('fmt=avif', () => {
  test('avif and avif-alpha encode (lossy or lossless) with the AVIF brand and type', async () => {
    const half = synth(64, 32, (x) => (x < 32 ? [200, 40, 10, 255] : [0, 0, 0, 0]));
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/half.png': await encodeImage(half, 'png') } });
    try {
      for (const q of ['fmt=avif&qlt=60', 'fmt=avif-alpha', 'fmt=avif,,lossless']) {
        const r = await f.get(`/is/image/half.png?scl=1&${q}`);
        assert.equal(r.status, 200, `${q}: ${r.text.slice(0, 100)}`);
        assert.equal(r.headers['content-type'], 'image/avif');
        assert.equal(r.body.subarray(4, 12).toString('latin1'), 'ftypavif', q);
      }
      assert.equal((await f.get('/is/image/half.png?fmt=avif,gray')).status, 403);
    } finally {
      await f.close();
    }
  });
});

describe('fmt=png8 and gif', () => {
  test('palette output: colours, dithering, the web palette, a colour list and key-colour transparency', async () => {
    const half = synth(120, 60, (x, y) => (x < 60 ? [x * 4, y * 4, 128, 255] : [0, 0, 0, 0]));
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/half.png': await encodeImage(half, 'png') } });
    try {
      const get = async (q: string) => {
        const r = await f.get(`/is/image/half.png?scl=1&${q}`);
        assert.equal(r.status, 200, `${q}: ${r.text.slice(0, 100)}`);
        return r;
      };
      const png8 = await get('fmt=png8&quantize=adaptive,diffuse,16&bgc=ffffff');
      assert.equal(png8.headers['content-type'], 'image/png');
      assert.equal(png8.body[25], 3, 'palette colour type');
      const plte = png8.body.indexOf('PLTE');
      assert.ok(png8.body.readUInt32BE(plte - 4) / 3 <= 16, 'at most 16 colours');
      const decoded = await decodeImage(png8.body);
      assert.deepEqual([decoded.width, decoded.height], [120, 60]);
      assert.ok(near(pixelAt(decoded, 100, 30), [255, 255, 255, 255], 30), `${pixelAt(decoded, 100, 30)}: flattened on bgc`);

      const alpha = await decodeImage((await get('fmt=png8-alpha')).body);
      assert.equal(pixelAt(alpha, 100, 30)[3], 0, 'transparent through palette entry 0');
      assert.equal(pixelAt(alpha, 30, 30)[3], 255);

      const twoColours = await decodeImage((await get('fmt=png8&quantize=adaptive,off,2,000000,ffffff')).body);
      for (const x of [5, 30, 55]) assert.ok([0, 255].includes(pixelAt(twoColours, x, 30)[0]), 'black or white only');
      const web = await decodeImage((await get('fmt=png8&quantize=web,off')).body);
      assert.ok(pixelAt(web, 30, 30).slice(0, 3).every((v) => v % 51 === 0), 'web-safe');

      const gif = await get('fmt=gif-alpha&quantize=adaptive,off,2,000000,ffffff');
      assert.equal(gif.headers['content-type'], 'image/gif');
      assert.equal(gif.body.subarray(0, 6).toString('latin1'), 'GIF89a');
      assert.equal(gif.body.readUInt16LE(6), 120);
      assert.equal((await get('fmt=gif')).body.subarray(0, 3).toString('latin1'), 'GIF');

      for (const q of ['fmt=gif&quantize=mac', 'fmt=gif&quantize=adaptive,diffuse,1', 'fmt=gif&quantize=adaptive,diffuse,257', 'fmt=png8&quantize=adaptive,off,2,00000g']) {
        assert.equal((await f.get(`/is/image/half.png?${q}`)).status, 403, q);
      }
    } finally {
      await f.close();
    }
  });
});

describe('fmt=tif and fmt=pdf', () => {
  test('TIFF (uncompressed) and a one-page PDF holding the image, sized by printRes', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(synth(144, 72, (x) => [x, 100, 200, 255]), 'png') } });
    try {
      const tif = await f.get('/is/image/p.png?scl=1&fmt=tif');
      assert.equal(tif.headers['content-type'], 'image/tiff');
      assert.equal(tif.body.subarray(0, 4).toString('hex'), '49492a00', 'little-endian TIFF');
      assert.ok(tif.body.length > 144 * 72 * 3, 'uncompressed');
      // Read back by utif2: RGB samples, the image's own.
      const [ifd] = UTIF.decode(tif.body);
      UTIF.decodeImage(tif.body, ifd!);
      assert.deepEqual([ifd!.width, ifd!.height, (ifd!.t277 as number[])[0]], [144, 72, 3]);
      assert.deepEqual(Array.from(ifd!.data.subarray((5 * 144 + 10) * 3, (5 * 144 + 10) * 3 + 3)), [10, 100, 200]);
      for (const [compression, filter] of [['jpeg', '/DCTDecode'], ['zip', '/FlateDecode'], ['none', '']] as const) {
        const pdf = await f.get(`/is/image/p.png?scl=1&fmt=pdf,,${compression}&printRes=144`);
        assert.equal(pdf.headers['content-type'], 'application/pdf');
        const text = pdf.body.toString('latin1');
        assert.match(text, /^%PDF-1\.4/);
        assert.match(text, /\/MediaBox \[0 0 72\.00 36\.00\]/, 'half an inch tall at 144 dpi');
        assert.match(text, /\/Width 144 \/Height 72 \/ColorSpace \/DeviceRGB/);
        if (filter) assert.ok(text.includes(`/Filter ${filter}`), compression);
        const xref = Number(/startxref\n(\d+)/.exec(text)![1]);
        assert.equal(text.slice(xref, xref + 4), 'xref', 'the cross-reference offset is right');
      }
      assert.match((await f.get('/is/image/p.png?fmt=pdf,gray')).body.toString('latin1'), /DeviceGray/);
    } finally {
      await f.close();
    }
  });
});

describe('fmt=jpeg2000', () => {
  test('a JP2 file: signature, header with the size, the codestream; alpha and grey variants', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(synth(64, 48, (x, y) => [x * 4, y * 5, 90, 255]), 'png') } });
    try {
      const jp2 = await f.get('/is/image/p.png?scl=1&fmt=jpeg2000');
      assert.equal(jp2.status, 200, jp2.text.slice(0, 100));
      assert.equal(jp2.headers['content-type'], 'image/jp2');
      assert.equal(jp2.body.subarray(0, 12).toString('hex'), '0000000c6a5020200d0a870a');
      const ihdr = jp2.body.indexOf('ihdr');
      assert.deepEqual([jp2.body.readUInt32BE(ihdr + 4), jp2.body.readUInt32BE(ihdr + 8), jp2.body.readUInt16BE(ihdr + 12)], [48, 64, 3]);
      const jp2c = jp2.body.indexOf('jp2c');
      assert.equal(jp2.body.subarray(jp2c + 4, jp2c + 6).toString('hex'), 'ff4f', 'a codestream follows');
      const alpha = (await f.get('/is/image/p.png?scl=1&fmt=jpeg2000-alpha')).body;
      assert.ok(alpha.includes(Buffer.from('cdef')));
      const gray = (await f.get('/is/image/p.png?scl=1&fmt=jpeg2000,gray')).body;
      assert.equal(gray.readUInt16BE(gray.indexOf('ihdr') + 12), 1);
      assert.equal((await f.get('/is/image/p.png?fmt=jpeg2000,,lossy')).status, 200);
    } finally {
      await f.close();
    }
  });
});

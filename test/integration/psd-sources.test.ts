import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeTiff } from '../../src/image/tiff.ts';
import { cmykProfile, displayProfile } from '../../tools/fixtures/icc.ts';
import { decodePngReference } from '../helpers/pixels.ts';
import { errorMessage, properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, firstDifference, run, skipUnless, renderedPng, photoshopResource } from '../helpers/tools.ts';

/**
 * PSD and PSB sources rendered through /is/image by a real server, against ImageMagick's own
 * decodes of the files it wrote (and LittleCMS's tificc for CMYK through a profile): RGB, grey,
 * 16 bits, PSB, raw and RLE, CMYK, a transparent document matted on white; the embedded profile,
 * XMP and resolution in req=imageprops and req=xmp; refusals and damage answered 403.
 */
const SKIP = skipUnless('convert');
const dir = temporaryFolder('isle-psd-sources-');
const W = 53;
const H = 41;
let fixture: Fixture;
const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';
const magick = (...args: string[]) => run(dir, 'convert', ...args);

const render = (file: string, query = `wid=${W}&fmt=png`) => renderedPng(fixture!, file, query);

const reference = async (file: string) => {
  magick(`${file}[0]`, '-depth', '8', `${file}.ref.png`);
  return decodePngReference(readFileSync(join(dir, `${file}.ref.png`)));
};


const props = async (file: string) => properties((await fixture.get(`/is/image/${file}?req=imageprops`)).text);

before(async () => {
  if (SKIP) return;
  magick('-size', `${W}x${H}`, '-seed', '5', 'plasma:fractal', '-depth', '16', 'src16.png');
  magick('src16.png', '-depth', '8', 'src.png');
  magick('src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', 'srca.png');
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('PSD sources through /is/image against ImageMagick', { skip: SKIP }, () => {
  const exact: [string, string[]][] = [
    ['rgb8.psd', ['src.png', '-depth', '8']],
    ['rgb8-raw.psd', ['src.png', '-depth', '8', '-compress', 'None']],
    ['rgb8.psb', ['src.png', '-depth', '8']],
    ['grey8.psd', ['src.png', '-colorspace', 'Gray', '-depth', '8']],
  ];
  for (const [name, args] of exact) {
    test(`${name}: exactly ImageMagick's pixels`, async () => {
      magick(...args, name);
      const diff = firstDifference(await render(name), await reference(name));
      assert.equal(diff, undefined, `${name}: ${diff}`);
    });
  }

  test('16-bit RGB: within 45 dB of ImageMagick', async (t) => {
    magick('src16.png', '-depth', '16', 'rgb16.psd');
    const { psnr } = compare(await render('rgb16.psd'), await reference('rgb16.psd'));
    t.diagnostic(`${psnr.toFixed(1)} dB`);
    assert.ok(psnr >= 45, `${psnr} dB`);
  });

  test('a transparent document matted on white renders un-matted: alpha within 2, colours as they show', async () => {
    magick('srca.png', '-background', 'white', '-flatten', 'srca.png', '-compose', 'CopyOpacity', '-composite', '-depth', '8', 'matted.psd');
    const g = await render('matted.psd', `wid=${W}&fmt=png-alpha`);
    const w = await decodePngReference(readFileSync(join(dir, 'srca.png')));
    for (let i = 0; i < g.data.length; i += 4) {
      const a = w.data[i + 3]!;
      assert.ok(Math.abs(g.data[i + 3]! - a) <= 2, `alpha of pixel ${i >> 2}: ${g.data[i + 3]} against ${a}`);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(g.data[i + c]! - w.data[i + c]!) * a / 255 <= 2, `colour ${c} of pixel ${i >> 2}`);
    }
    assert.equal((await props('matted.psd')).get('image.mask'), '2');
  });

  test('CMYK through its embedded profile: within 45 dB of LittleCMS (tificc) on the same inks', { skip: skipUnless('tificc') }, async (t) => {
    const src = await decodePngReference(readFileSync(join(dir, 'src.png')));
    const inks = new Uint8ClampedArray(src.data.length);
    for (let i = 0; i < inks.length; i += 4) {
      [inks[i], inks[i + 1], inks[i + 2]] = [src.data[i]!, src.data[i + 1]!, src.data[i + 2]!];
      inks[i + 3] = Math.max(0, 128 - Math.min(src.data[i]!, src.data[i + 1]!, src.data[i + 2]!));
    }
    writeFileSync(join(dir, 'cmyk.tif'), new Uint8Array(encodeTiff({ data: inks, width: W, height: H }, { samples: 'cmyk', compression: 'none', dpi: 72, icc: cmykProfile() })));
    magick('cmyk.tif', 'cmyk.psd');
    run(dir, 'tificc', '-t', '1', '-o', '*sRGB', 'cmyk.tif', 'cmyk.lcms.tif');
    const { psnr } = compare(await render('cmyk.psd'), await reference('cmyk.lcms.tif'));
    t.diagnostic(`${psnr.toFixed(1)} dB`);
    assert.ok(psnr >= 45, `${psnr} dB`);
    const p = await props('cmyk.psd');
    assert.equal(p.get('image.pixTyp'), 'CMYK');
    assert.equal(p.get('image.embeddedIccProfile'), '1');
  });

  test('CMYK with transparency and no profile: the alpha kept apart from the inks, within 2; opaque colours within 30 dB of ImageMagick', async (t) => {
    magick('srca.png', '-colorspace', 'CMYK', '-depth', '8', 'cmyka.psd');
    const got = await render('cmyka.psd', `wid=${W}&fmt=png-alpha`);
    magick('cmyka.psd[0]', '-colorspace', 'sRGB', '-depth', '8', 'PNG32:cmyka.ref.png');
    const want = await decodePngReference(readFileSync(join(dir, 'cmyka.ref.png')));
    const { alpha } = compare(got, want);
    // Colours where the document is opaque: elsewhere Photoshop's matte (which Isle undoes) and ImageMagick's writer differ.
    const opaque = (image: typeof got) => ({ ...image, data: image.data.map((v, i) => (want.data[(i & ~3) + 3] === 255 ? v : 0)) });
    const { psnr } = compare(opaque(got), opaque(want));
    t.diagnostic(`${psnr.toFixed(1)} dB, alpha within ${alpha}`);
    assert.ok(alpha <= 2, `alpha ${alpha}`);
    assert.ok(psnr >= 30, `${psnr} dB`);
    const p = await props('cmyka.psd');
    assert.deepEqual([p.get('image.pixTyp'), p.get('image.mask')], ['CMYK', '2']);
  });

  test('req=imageprops and req=xmp: the profile by its description, XMP, the resolution, the pixel type', async () => {
    writeFileSync(join(dir, 'test.icc'), displayProfile('PSD source test'));
    magick('src.png', '-profile', 'test.icc', '-density', '300', '-units', 'PixelsPerInch', '-depth', '8', 'res.psd');
    magick('src.png', '-colorspace', 'Gray', '-depth', '8', 'grey-props.psd');
    const p = await props('res.psd');
    assert.equal(p.get('image.embeddedIccProfile'), '1');
    assert.equal(p.get('image.iccProfile'), 'PSD source test');
    assert.equal(p.get('image.printRes'), '300');
    assert.equal(p.get('image.pixTyp'), 'RGB');
    assert.equal(p.get('image.mask'), '0');
    assert.deepEqual([p.get('image.width'), p.get('image.height')], [String(W), String(H)]);
    assert.equal((await props('grey-props.psd')).get('image.pixTyp'), 'BW');
    // The profile is applied: its gamma 2.2 is not sRGB's curve, so the pixels move a little from the file's.
    const { psnr } = compare(await render('res.psd'), await reference('res.psd'));
    assert.ok(psnr >= 30 && psnr < Infinity, `${psnr} dB`);
    writeFileSync(join(dir, 'xmp.8bim'), photoshopResource(1060, '', Buffer.from(XMP)));
    magick('src.png', '-profile', '8BIM:xmp.8bim', '-depth', '8', 'xmp.psd');
    assert.equal((await props('xmp.psd')).get('image.embeddedXmpData'), '1');
    assert.equal((await fixture.get('/is/image/xmp.psd?req=xmp')).text, XMP);
  });

  test('req=imageprops lists the embedded Photoshop paths by name', async () => {
    // A path resource of one record (a fill rule, 26 bytes): a path with no subpaths, named all the same.
    const fillRule = Buffer.alloc(26);
    fillRule.writeUInt16BE(6);
    writeFileSync(join(dir, 'paths.8bim'), Buffer.concat([photoshopResource(2000, 'Outline', fillRule), photoshopResource(2001, 'Shadow', fillRule)]));
    magick('src.png', '-profile', '8BIM:paths.8bim', '-depth', '8', 'paths.psd');
    magick('src.png', '-depth', '8', 'no-paths.psd');
    const p = await props('paths.psd');
    assert.deepEqual([p.get('image.embeddedPhotoshopPaths'), p.get('image.photoshopPathNames')], ['1', 'Outline,Shadow']);
    const none = await props('no-paths.psd');
    assert.deepEqual([none.get('image.embeddedPhotoshopPaths'), none.get('image.photoshopPathNames')], ['0', '']);
  });

  test('refused and damaged files: a 403 naming why, and the server serves on', async () => {
    magick('src.png', '-depth', '8', 'good.psd');
    const good = readFileSync(join(dir, 'good.psd'));
    const write = (name: string, change: (b: Buffer) => Buffer) => writeFileSync(join(dir, name), change(Buffer.from(good)));
    write('deep32.psd', (b) => (b.writeUInt16BE(32, 22), b));
    write('lab.psd', (b) => (b.writeUInt16BE(9, 24), b));
    write('truncated.psd', (b) => b.subarray(0, b.length - 200));
    write('resources-past-end.psd', (b) => (b.writeUInt32BE(0x7ffffff0, 26 + 4 + b.readUInt32BE(26)), b));
    for (const [file, message] of [
      ['deep32.psd', /PSD sources with 32 bits per channel are not supported/],
      ['lab.psd', /PSD sources with Lab colour are not supported/],
      ['truncated.psd', /corrupt: PSD merged image is truncated/],
      ['resources-past-end.psd', /corrupt: PSD image resources runs past the end/],
    ] as const) {
      const reply = await fixture.get(`/is/image/${file}?wid=20&fmt=png`);
      assert.equal(reply.status, 403, `${file}: ${reply.status}`);
      assert.match(errorMessage(reply.text), message);
    }
    assert.equal((await fixture.get('/is/image/good.psd?wid=20&fmt=png')).status, 200);
  });
});

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { displayProfile } from '../../tools/fixtures/icc.ts';
import { codecs } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, firstDifference, magickReference, run, skipUnless, renderedPng, refused } from '../helpers/tools.ts';

/**
 * WebP and AVIF sources rendered through /is/image by a real server, against the formats' own
 * tools (cwebp, img2webp and webpmux, dwebp; avifenc, avifdec): lossless exactly, lossy within
 * 30 dB, alpha within 2 (lossless) or 16 (lossy); an animated WebP's first frame; 10-bit AVIF;
 * AVIF rotation; embedded profiles and XMP in req=imageprops and req=xmp; a size claimed beyond
 * the limits and damaged files answered 403, the server serving on.
 */
const WEBP = skipUnless('convert', 'cwebp', 'dwebp', 'img2webp', 'webpmux') && `${skipUnless('convert', 'cwebp', 'dwebp', 'img2webp', 'webpmux')} (Debian's webp)`;
const AVIF = skipUnless('convert', 'avifenc', 'avifdec') && `${skipUnless('convert', 'avifenc', 'avifdec')} (Debian's libavif-bin)`;
const dir = temporaryFolder('isle-webp-avif-');
const W = 61;
const H = 45;
let fixture: Fixture | undefined;
const tool = (name: string, ...args: string[]) => run(dir, name, ...args);

const render = (file: string, query = `wid=${W}&fmt=png-alpha`) => renderedPng(fixture!, file, query);

/** dwebp's or avifdec's own decode, through the PNG it writes. */
function reference(file: string) {
  const png = `${file}.ref.png`;
  if (file.endsWith('.webp')) tool('dwebp', '-quiet', file, '-o', png);
  else tool('avifdec', '-d', '8', file, png);
  return magickReference(dir, png);
}

const props = async (file: string) => properties((await fixture!.get(`/is/image/${file}?req=imageprops`)).text);

const expect403 = (file: string, message: RegExp) => refused(fixture!, file, message);

const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';

before(async () => {
  await codecs(); // the kernels the project's PNG reader runs on, for the references
  if (WEBP && AVIF) return;
  tool('convert', '-size', `${W}x${H}`, '-seed', '13', 'plasma:fractal', '-depth', '16', 'src16.png');
  tool('convert', 'src16.png', '-depth', '8', 'src.png');
  tool('convert', 'src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', 'srca.png');
  writeFileSync(join(dir, 'test.icc'), displayProfile('WebP AVIF test'));
  writeFileSync(join(dir, 'test.xmp'), XMP);
  // A low max-header-chunks, for the walks' own test (the files here have tens of chunks and boxes at most).
  fixture = await startFixture({ config: { root: dir, 'max-header-chunks': '100' } });
});
after(() => fixture?.close());

describe('WebP sources through /is/image against libwebp\'s own tools', { skip: WEBP }, () => {
  test('lossless: exactly dwebp\'s pixels, alpha too', async () => {
    tool('cwebp', '-quiet', '-lossless', 'src.png', '-o', 'lossless.webp');
    tool('cwebp', '-quiet', '-lossless', '-exact', 'srca.png', '-o', 'lossless-alpha.webp');
    for (const file of ['lossless.webp', 'lossless-alpha.webp']) {
      const diff = firstDifference(await render(file), reference(file));
      assert.equal(diff, undefined, `${file}: ${diff}`);
    }
    assert.equal((await props('lossless-alpha.webp')).get('image.mask'), '2');
    assert.equal((await props('lossless.webp')).get('image.mask'), '0');
  });

  test('lossy, with alpha: within 30 dB of dwebp, alpha within 16', async (t) => {
    tool('cwebp', '-quiet', '-q', '75', 'srca.png', '-o', 'lossy.webp');
    const { psnr, alpha } = compare(await render('lossy.webp'), reference('lossy.webp'));
    t.diagnostic(`${psnr.toFixed(1)} dB, alpha within ${alpha}`);
    assert.ok(psnr >= 30, `${psnr} dB`);
    assert.ok(alpha <= 16, `alpha ${alpha}`);
    const p = await props('lossy.webp');
    assert.deepEqual([p.get('image.width'), p.get('image.height'), p.get('image.pixTyp')], [String(W), String(H), 'RGB']);
  });

  test("an animation renders its first frame: exactly dwebp's decode of that frame (webpmux's cut), lossless and lossy with alpha", async () => {
    tool('convert', 'src.png', '-negate', 'neg.png');
    tool('img2webp', '-lossless', 'src.png', '-d', '100', 'neg.png', '-o', 'anim.webp');
    tool('img2webp', '-lossy', '-q', '75', 'srca.png', '-d', '100', 'neg.png', '-o', 'anim-alpha.webp');
    for (const file of ['anim.webp', 'anim-alpha.webp']) {
      // The frame may be smaller than the canvas (img2webp trims transparent edges): placed at its offset on a transparent canvas.
      const info = tool('webpmux', '-info', file).toString().match(/^ *1: +(\d+) +(\d+) +\w+ +(\d+) +(\d+)/m);
      assert.ok(info, 'webpmux lists the first frame');
      tool('webpmux', '-get', 'frame', '1', file, '-o', `${file}.frame1.webp`);
      tool('dwebp', '-quiet', `${file}.frame1.webp`, '-o', `${file}.frame1.png`);
      tool('convert', '-size', `${W}x${H}`, 'xc:none', `${file}.frame1.png`, '-geometry', `+${info[3]}+${info[4]}`, '-composite', `PNG32:${file}.canvas.png`);
      const diff = firstDifference(await render(file), magickReference(dir, `${file}.canvas.png`));
      assert.equal(diff, undefined, `${file}: ${diff}`);
    }
    assert.equal(firstDifference(await render('anim.webp'), magickReference(dir, 'src.png')), undefined, 'the lossless frame is the source');
  });

  test('an ICCP chunk (by its description in imageprops, applied) and an XMP chunk (req=xmp)', async () => {
    tool('cwebp', '-quiet', '-lossless', 'src.png', '-o', 'plain.webp');
    tool('webpmux', '-set', 'icc', 'test.icc', 'plain.webp', '-o', 'icc.webp');
    tool('webpmux', '-set', 'xmp', 'test.xmp', 'plain.webp', '-o', 'xmp.webp');
    const p = await props('icc.webp');
    assert.deepEqual([p.get('image.embeddedIccProfile'), p.get('image.iccProfile')], ['1', 'WebP AVIF test']);
    const { psnr } = compare(await render('icc.webp'), reference('plain.webp'));
    assert.ok(psnr >= 30 && psnr < Infinity, `the profile's gamma 2.2 moves the colours a little: ${psnr} dB`);
    assert.equal((await props('xmp.webp')).get('image.embeddedXmpData'), '1');
    assert.equal((await fixture!.get('/is/image/xmp.webp?req=xmp')).text, XMP);
  });

  test('a size past the limits claimed in a few bytes, and damaged files: a 403, the server serving on', async () => {
    tool('cwebp', '-quiet', '-lossless', 'src.png', '-o', 'good.webp');
    const good = readFileSync(join(dir, 'good.webp'));
    // VP8L's 14-bit sides: 16384x16384, 268 megapixels.
    const huge = Buffer.from(good);
    huge.writeUInt32LE((huge.readUInt32LE(21) & 0xf0000000) | (16383 << 14) | 16383, 21);
    writeFileSync(join(dir, 'huge.webp'), huge);
    await expect403('huge.webp', /too large \(16384x16384\)/);
    writeFileSync(join(dir, 'cut.webp'), good.subarray(0, good.length - 40));
    await expect403('cut.webp', /corrupt: WebP file is truncated/);
    const noise = Buffer.from(good);
    noise.fill(0x5a, 30, noise.length);
    writeFileSync(join(dir, 'noise.webp'), noise);
    await expect403('noise.webp', /corrupt: .*WebP/);
    assert.equal((await fixture!.get('/is/image/good.webp?wid=20&fmt=png')).status, 200);
  });
});

describe('AVIF sources through /is/image against libavif\'s own tools', { skip: AVIF }, () => {
  test('lossless 8-bit: exactly avifdec\'s pixels; lossy with alpha: within 30 dB, alpha within 16', async (t) => {
    tool('avifenc', '-l', '-s', '10', 'src.png', 'lossless.avif');
    const diff = firstDifference(await render('lossless.avif'), reference('lossless.avif'));
    assert.equal(diff, undefined, diff);
    tool('avifenc', '-s', '10', '--min', '20', '--max', '30', 'srca.png', 'lossy.avif');
    const { psnr, alpha } = compare(await render('lossy.avif'), reference('lossy.avif'));
    t.diagnostic(`${psnr.toFixed(1)} dB, alpha within ${alpha}`);
    assert.ok(psnr >= 30, `${psnr} dB`);
    assert.ok(alpha <= 16, `alpha ${alpha}`);
    assert.equal((await props('lossy.avif')).get('image.mask'), '2');
    assert.equal((await props('lossless.avif')).get('image.mask'), '0');
  });

  test('10-bit: decoded, within 30 dB of avifdec at 8 bits', async (t) => {
    tool('avifenc', '-d', '10', '-s', '10', '--min', '10', '--max', '20', 'src16.png', 'ten.avif');
    const { psnr } = compare(await render('ten.avif'), reference('ten.avif'));
    t.diagnostic(`${psnr.toFixed(1)} dB`);
    assert.ok(psnr >= 30, `${psnr} dB`);
  });

  test('monochrome (4:0:0): decoded as grey, within 30 dB of avifdec; imageprops says BW', async () => {
    tool('avifenc', '-s', '10', '--yuv', '400', '--min', '10', '--max', '20', 'src.png', 'mono.avif');
    const { psnr } = compare(await render('mono.avif'), reference('mono.avif'));
    assert.ok(psnr >= 30, `${psnr} dB`);
    assert.equal((await props('mono.avif')).get('image.pixTyp'), 'BW');
    assert.equal((await props('lossless.avif')).get('image.pixTyp'), 'RGB');
  });

  test('irot and imir: the image turned and mirrored as they say, imageprops giving the turned size', async () => {
    tool('avifenc', '-l', '-s', '10', 'src.png', 'upright.avif');
    tool('avifenc', '-l', '-s', '10', '--irot', '1', 'src.png', 'turned.avif');
    tool('avifenc', '-l', '-s', '10', '--imir', '1', 'src.png', 'mirrored.avif');
    tool('convert', 'src.png', '-rotate', '-90', 'turned.png');
    tool('convert', 'src.png', '-flop', 'mirrored.png');
    assert.equal(firstDifference(await render('turned.avif', `wid=${H}&fmt=png`), magickReference(dir, 'turned.png')), undefined);
    assert.equal(firstDifference(await render('mirrored.avif', `wid=${W}&fmt=png`), magickReference(dir, 'mirrored.png')), undefined);
    const p = await props('turned.avif');
    assert.deepEqual([p.get('image.width'), p.get('image.height')], [String(H), String(W)]);
  });

  test('an embedded profile (colr prof): by its description in imageprops, applied', async () => {
    tool('convert', 'src.png', '-profile', 'test.icc', 'icc.png');
    tool('avifenc', '-l', '-s', '10', 'icc.png', 'icc.avif');
    const p = await props('icc.avif');
    assert.deepEqual([p.get('image.embeddedIccProfile'), p.get('image.iccProfile')], ['1', 'WebP AVIF test']);
    tool('avifenc', '-l', '-s', '10', '--ignore-icc', 'icc.png', 'no-icc.avif');
    assert.equal((await props('no-icc.avif')).get('image.embeddedIccProfile'), '0');
    const { psnr } = compare(await render('icc.avif'), reference('no-icc.avif'));
    assert.ok(psnr >= 30 && psnr < Infinity, `the profile's gamma 2.2 moves the colours a little: ${psnr} dB`);
  });

  test('a size past the limits in the ispe box, and damaged files: a 403, the server serving on', async () => {
    tool('avifenc', '-s', '10', 'src.png', 'good.avif');
    const good = readFileSync(join(dir, 'good.avif'));
    const huge = Buffer.from(good);
    const ispe = huge.indexOf('ispe');
    huge.writeUInt32BE(20000, ispe + 8);
    huge.writeUInt32BE(20000, ispe + 12);
    writeFileSync(join(dir, 'huge.avif'), huge);
    await expect403('huge.avif', /too large \(20000x20000\)/);
    const noIspe = Buffer.from(good);
    noIspe.write('xxxx', ispe, 'latin1');
    writeFileSync(join(dir, 'no-ispe.avif'), noIspe);
    await expect403('no-ispe.avif', /corrupt: AVIF primary item without its size/);
    writeFileSync(join(dir, 'cut.avif'), good.subarray(0, good.length - 60));
    await expect403('cut.avif', /corrupt: AVIF/);
    assert.equal((await fixture!.get('/is/image/good.avif?wid=20&fmt=png')).status, 200);
  });
});

describe('The header walks of WebP and AVIF are charged to the request\'s account', { skip: WEBP || AVIF }, () => {
  test('200 empty chunks after a WebP\'s image, or 200 free boxes after an AVIF\'s: a 403 naming max-header-chunks', async () => {
    tool('cwebp', '-quiet', '-lossless', 'src.png', '-o', 'walk.webp');
    const webp = readFileSync(join(dir, 'walk.webp'));
    const junk = Buffer.alloc(8 * 200);
    for (let i = 0; i < 200; i++) junk.write('JUNK', i * 8, 'latin1');
    const many = Buffer.concat([webp, junk]);
    many.writeUInt32LE(many.length - 8, 4);
    writeFileSync(join(dir, 'many-chunks.webp'), many);
    await expect403('many-chunks.webp', /max-header-chunks/);
    tool('avifenc', '-s', '10', 'src.png', 'walk.avif');
    const free = Buffer.alloc(8 * 200);
    for (let i = 0; i < 200; i++) {
      free.writeUInt32BE(8, i * 8);
      free.write('free', i * 8 + 4, 'latin1');
    }
    writeFileSync(join(dir, 'many-boxes.avif'), Buffer.concat([readFileSync(join(dir, 'walk.avif')), free]));
    await expect403('many-boxes.avif', /max-header-chunks/);
    assert.equal((await fixture!.get('/is/image/walk.webp?wid=20&fmt=png')).status, 200);
    assert.equal((await fixture!.get('/is/image/walk.avif?wid=20&fmt=png')).status, 200);
  });
});

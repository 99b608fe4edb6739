import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { decodePng } from '../../src/image/png-decode.ts';
import { levelSizes } from '../../src/pipeline/pyramid-write.ts';
import { CLI } from '../../tools/launch.ts';
import { compare } from '../../tools/reference.ts';
import { REPO, startFixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { codecs } from '../helpers/pixels.ts';
import { run, skipUnless } from '../helpers/tools.ts';

/*
 * isle convert, ic -convert's counterpart (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/is-utils/utilities/r-ic):
 * a 5-megapixel photograph made at test time converted with ic's options, every level read by
 * libtiff and libvips, the exit codes, and the result served from a catalog next to its source.
 */

const WIDTH = 2760;
const HEIGHT = 1840;

describe('isle convert', { skip: skipUnless('vips', 'tiffcp') }, () => {
  let dir: string;
  const convert = (...args: string[]) => spawnSync(process.execPath, [CLI, 'convert', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const converted = (...args: string[]) => {
    const r = convert(...args);
    assert.equal(r.status, 0, r.stderr);
    return r;
  };
  const info = (file: string) => run(dir, 'tiffinfo', file).toString();
  // -autocrop needs the whole image, so it decodes the source whole: the reference of a banded read, and over its limit.
  const whole = (source: string, dest: string, ...limit: string[]) => convert(...limit, '-autocrop', 'ul', '0', '0.02', `${dest}.xml`, source, dest);
  /** Pages 0, 1 and 3 of two conversions: the same pixels. */
  const samePages = (a: string, b: string) => {
    for (const page of [0, 1, 3]) {
      run(dir, 'vips', 'copy', `${a}.tif[page=${page}]`, `${a}-${page}.png`);
      run(dir, 'vips', 'copy', `${b}.tif[page=${page}]`, `${b}-${page}.png`);
      const { maxDiff } = compare(decodePng(readFileSync(join(dir, `${a}-${page}.png`))), decodePng(readFileSync(join(dir, `${b}-${page}.png`))));
      assert.equal(maxDiff, 0, `${a}, page ${page}`);
    }
  };

  before(async () => {
    await codecs();
    dir = temporaryFolder('isle-convert-');
    // The bundled landscape enlarged 2.3x: a smooth 5-megapixel photograph, as JPEG at quality 95.
    run(dir, 'vips', 'resize', join(REPO, 'samples/images/landscape.jpg'), 'photo.jpg[Q=95]', '2.3');
    run(dir, 'vips', 'copy', 'photo.jpg', 'photo.png');
    // A small one where only the command's behaviour matters.
    run(dir, 'vips', 'resize', join(REPO, 'samples/images/landscape.jpg'), 'small.jpg', '0.5');
  });

  test('the default: Deflate levels halving to 512 pixels, 256x256 tiles, every level read by tiffinfo and vips', () => {
    const r = converted('photo.jpg', 'photo.tif');
    assert.match(r.stdout, /converted photo\.jpg -> photo\.tif \(2760x1840, 4 levels\)/);
    const text = info('photo.tif');
    const sizes = levelSizes(WIDTH, HEIGHT);
    assert.deepEqual(sizes.map((s) => `${s.width}x${s.height}`), ['2760x1840', '1380x920', '690x460', '345x230']);
    assert.deepEqual([...text.matchAll(/Image Width: (\d+) Image Length: (\d+)/g)].map((m) => `${m[1]}x${m[2]}`), sizes.map((s) => `${s.width}x${s.height}`));
    assert.equal(text.match(/Tile Width: 256 Tile Length: 256/g)?.length, 4);
    assert.equal(text.match(/Compression Scheme: AdobeDeflate/g)?.length, 4);
    assert.equal(text.match(/reduced-resolution image/g)?.length, 3);
    sizes.forEach((size, page) => {
      assert.equal(run(dir, 'vipsheader', '-f', 'width', `photo.tif[page=${page}]`).toString().trim(), String(size.width));
      // Every tile decodes: libtiff copies the page uncompressed.
      run(dir, 'tiffcp', '-c', 'none', `photo.tif,${page}`, `plain-${page}.tif`);
    });
    // Lossless: the full level is the decoded JPEG exactly (libvips' decode of it, at most a level off from ours).
    run(dir, 'vips', 'copy', 'photo.tif[page=0]', 'level0.png');
    assert.ok(compare(decodePng(readFileSync(join(dir, 'level0.png'))), decodePng(readFileSync(join(dir, 'photo.png')))).maxDiff <= 2);
  });

  test('-jpegcompress, -jpegquality, -lzwcompress, -uncompressed and -tilesize change what is written', () => {
    converted('-jpegcompress', 'photo.jpg', 'q95.tif');
    converted('-jpegcompress', '-jpegquality', '50', 'photo.jpg', 'q50.tif');
    converted('-lzwcompress', '-tilesize', '512', 'photo.jpg', 'lzw.tif');
    converted('-uncompressed', 'photo.jpg', 'none.tif');
    assert.match(info('q95.tif'), /Compression Scheme: JPEG[\s\S]*Photometric Interpretation: YCbCr/);
    assert.match(info('lzw.tif'), /Compression Scheme: LZW[\s\S]*Tile Width: 512/);
    assert.match(info('none.tif'), /Compression Scheme: None/);
    const size = (f: string) => statSync(join(dir, f)).size;
    assert.ok(size('q50.tif') < size('q95.tif') * 0.7, `${size('q50.tif')} at 50, ${size('q95.tif')} at 95`);
    assert.ok(size('q95.tif') < size('lzw.tif') && size('lzw.tif') < size('none.tif'));
    assert.ok(size('none.tif') > WIDTH * HEIGHT * 3);
  });

  test('exit codes: 2 for the command line, 1 for a file that fails, -continueonerror, -logfile and -overwrite', () => {
    const bogus = convert('-bogus', 'photo.jpg', 'x.tif');
    assert.equal(bogus.status, 2);
    assert.match(bogus.stderr, /unknown option -bogus/);
    assert.equal(convert('-maxmem', '5', 'photo.jpg', 'x.tif').status, 2);
    assert.equal(convert('photo.jpg').status, 2);
    assert.equal(convert('-version').status, 0);
    // A file whose decode would pass -maxmem fails, and nothing is left behind.
    const tight = convert('-maxmem', '20m', 'photo.jpg', 'tight.tif');
    assert.equal(tight.status, 1);
    assert.match(tight.stderr, /needs about \d+ MB, more than the memory limit of 20 MB/);
    assert.equal(existsSync(join(dir, 'tight.tif')), false);
    // A folder with a damaged JPEG first: without -continueonerror the run stops there.
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in/a-broken.jpg'), readFileSync(join(dir, 'photo.jpg')).subarray(0, 4000));
    copyFileSync(join(dir, 'small.jpg'), join(dir, 'in/b-good.jpg'));
    writeFileSync(join(dir, 'in/notes.txt'), 'not an image');
    const stopped = convert('in', 'out1');
    assert.equal(stopped.status, 1);
    assert.match(stopped.stderr, /a-broken\.jpg/);
    assert.equal(existsSync(join(dir, 'out1/b-good.tif')), false);
    const carried = convert('-continueOnError', '-loglevel', '1', 'in', 'out2');
    assert.equal(carried.status, 1);
    assert.deepEqual(readdirSync(join(dir, 'out2')), ['b-good.tif']);
    assert.match(carried.stdout, /skipped in\/notes\.txt: not an image/);
    // Without -overwrite a numeric suffix; with it, the file is replaced.
    converted('-uncompressed', 'small.jpg', 'again.tif');
    const logged = converted('-logfile', 'convert.log', '-nologappend', 'small.jpg', 'again.tif');
    assert.equal(logged.stdout, '', 'the log goes to -logfile, not standard output');
    assert.match(readFileSync(join(dir, 'convert.log'), 'utf8'), /^\S+Z converted small\.jpg -> again-1\.tif \(600x400, 2 levels\)/);
    assert.ok(existsSync(join(dir, 'again-1.tif')));
    assert.match(info('again.tif'), /Compression Scheme: None/);
    converted('-overwrite', '-dpi', '300', 'small.jpg', 'again.tif');
    assert.match(info('again.tif'), /Compression Scheme: AdobeDeflate/, 'replaced by the Deflate file');
    assert.match(info('again.tif'), /Resolution: 300, 300 pixels\/inch/);
    assert.ok(!existsSync(join(dir, 'again-2.tif')));
  });

  test('a TIFF source is read band by band: it converts under a -maxmem its whole decode would pass, to the same pixels', () => {
    run(dir, 'vips', 'tiffsave', 'photo.png', 'source.tif', '--tile', '--compression', 'lzw');
    // The whole decode's estimate is about 194 MB, the banded one about 170 MB.
    assert.equal(whole('photo.png', 'refused.tif', '-maxmem', '185m').status, 1, 'the whole decode must pass 185 MB');
    converted('-maxmem', '185m', 'source.tif', 'banded.tif');
    assert.equal(whole('photo.png', 'whole.tif').status, 0);
    samePages('banded', 'whole');
  });

  test('a JPEG source is read band by band: it converts under a -maxmem its whole decode would pass, to the pixels of the whole decode', () => {
    assert.equal(whole('photo.jpg', 'refused.tif', '-maxmem', '185m').status, 1, 'the whole decode must pass 185 MB');
    // The whole decode's estimate is about 193 MB, the banded one about 173 MB.
    converted('-maxmem', '185m', 'photo.jpg', 'banded-jpeg.tif');
    assert.equal(whole('photo.jpg', 'whole-jpeg.tif').status, 0);
    // A progressive file: its coefficients are held whole, its pixels band by band.
    run(dir, 'vips', 'jpegsave', 'photo.jpg', 'progressive.jpg', '--interlace', '--subsample-mode', 'on');
    converted('progressive.jpg', 'banded-progressive.tif');
    assert.equal(whole('progressive.jpg', 'whole-progressive.tif').status, 0);
    samePages('banded-jpeg', 'whole-jpeg');
    samePages('banded-progressive', 'whole-progressive');
  });

  test('a PNG source is read band by band: it converts under a -maxmem its whole decode would pass, to the pixels of the whole decode', () => {
    // The whole decode's estimate is about 194 MB, the banded one about 177 MB (the file, the kept band and a few raw rows besides).
    assert.equal(whole('photo.png', 'refused.tif', '-maxmem', '185m').status, 1, 'the whole decode must pass 185 MB');
    converted('-maxmem', '185m', 'photo.png', 'banded-png.tif');
    assert.equal(whole('photo.png', 'whole-png.tif').status, 0);
    samePages('banded-png', 'whole-png');
    // With alpha (written whenever the file has it, as a TIFF's is) and at 16 bits (the whole decode's high bytes).
    run(dir, 'vips', 'bandjoin_const', 'photo.png', 'alpha.png', '200');
    run(dir, 'vips', 'colourspace', 'photo.png', 'deep.png', 'rgb16');
    for (const name of ['alpha', 'deep']) {
      converted(`${name}.png`, `banded-${name}.tif`);
      assert.equal(whole(`${name}.png`, `whole-${name}.tif`).status, 0);
      samePages(`banded-${name}`, `whole-${name}`);
    }
    assert.match(info('banded-alpha.tif'), /Samples\/Pixel: 4/);
    assert.match(info('banded-deep.tif'), /Samples\/Pixel: 3/);
    // A palette has one sample a pixel, as the sniffer counts them, and is colour all the same.
    run(dir, 'vips', 'pngsave', 'small.jpg', 'palette.png', '--palette');
    converted('palette.png', 'palette.tif');
    assert.match(info('palette.tif'), /Photometric Interpretation: RGB color[\s\S]*Samples\/Pixel: 3/);
  });

  test('-autocrop alone writes its info file', () => {
    run(dir, 'vips', 'embed', 'photo.jpg', 'framed.png', '40', '30', String(WIDTH + 100), String(HEIGHT + 70), '--extend', 'white');
    converted('-autocrop', 'ul', '0', '0.02', 'crop.xml', 'framed.png');
    const xml = readFileSync(join(dir, 'crop.xml'), 'utf8');
    assert.match(xml, /<image source="framed\.png" width="2860" height="1910">\s*<crop x="40" y="30" width="2760" height="1840"\/>/);
  });

  test('served from a catalog (MaxPix lifted for the whole image): wid=, rgn=, rect= and req=tile of the JPEG pyramid match the source, at least 40 dB at -jpegquality 95', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/photo.tif': readFileSync(join(dir, 'q95.tif')), 'images/photo.png': readFileSync(join(dir, 'photo.png')) } });
    try {
      // Zoom tiles at a level's own scale (1380 and 690 wide), one across tile edges, and the partial last tile of the full level.
      const tiles = ['wid=1380&rect=256,256,256,256', 'req=tile&wid=690&rect=0,0,256,256', 'req=tile&wid=1380&rect=200,100,256,256', 'req=tile&wid=2760&rect=2560,1792,256,256'];
      for (const query of ['scl=1', 'wid=800', 'rgn=1000,700,256,256&scl=1', 'rgn=2600,1700,400,300&scl=1', ...tiles]) {
        const [tif, src] = await Promise.all([f.get(`/is/image/photo.tif?${query}&fmt=png`), f.get(`/is/image/photo.png?${query}&fmt=png`)]);
        assert.equal(tif.status, 200, tif.text.slice(0, 200));
        const { psnr } = compare(decodePng(tif.body), decodePng(src.body));
        assert.ok(psnr >= 40, `${query}: ${psnr.toFixed(1)} dB`);
      }
    } finally {
      await f.close();
    }
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeTiff } from '../../src/image/tiff.ts';
import { cmykProfile, displayProfile } from '../../tools/fixtures/icc.ts';
import { decodePngReference } from '../helpers/pixels.ts';
import { errorMessage, properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, skipUnless } from '../helpers/tools.ts';

/**
 * TIFF sources rendered through /is/image by a real server, against files made at test time by
 * tools no one here wrote (libtiff's tiffcp, libvips, ImageMagick, LittleCMS's tificc) and by
 * Isle's own TIFF writer, each compared with the tool's own decode. Every value of each cell of the
 * format table at least once: compressions, strips and tiles, byte orders, BigTIFF, bit depths,
 * pixel types, alpha kinds, planes, predictor, orientation, pages.
 */
const BASE = skipUnless('convert', 'vips');

const dir = temporaryFolder('isle-tiff-');
let fixture: Fixture;
const WIDTH = 97;
const HEIGHT = 61;

function run(tool: string, ...args: string[]): void {
  const r = spawnSync(tool, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${tool} ${args.join(' ')}: ${r.stderr}`);
}

/** A tool's own decode of a file, through a PNG it writes, read by the tests' PNG reader. */
async function reference(file: string, tool: 'vips' | 'convert' = 'vips') {
  const png = `${file}.ref.png`;
  if (tool === 'vips') run('vips', 'copy', file, png);
  else run('convert', file, png);
  return decodePngReference(readFileSync(join(dir, png)));
}

async function render(file: string, query = `wid=${WIDTH}&fmt=png`) {
  const reply = await fixture.get(`/is/image/${file}?${query}`);
  assert.equal(reply.status, 200, `${file}: ${reply.status} ${errorMessage(reply.text)}`);
  return decodePngReference(reply.body);
}


before(async () => {
  if (BASE) return;
  run('convert', '-size', `${WIDTH}x${HEIGHT}`, '-seed', '3', 'plasma:fractal', '-depth', '8', 'src.png');
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

/** Files made from src.png: the name, the commands, the bound (Infinity: exact). */
const LOSSLESS: [string, string[][], string][] = [
  ['rgb-none', [['convert', 'src.png', '-compress', 'none', 'rgb-none.tif']], 'ImageMagick, uncompressed strips'],
  ['rgb-lzw-pred', [['tiffcp', '-c', 'lzw:2', 'rgb-none.tif', 'rgb-lzw-pred.tif']], 'tiffcp, LZW with predictor 2'],
  ['rgb-zip-tiles', [['tiffcp', '-c', 'zip', '-t', '-w', '32', '-l', '32', 'rgb-none.tif', 'rgb-zip-tiles.tif']], 'tiffcp, Deflate tiles (partial last row and column)'],
  ['rgb-packbits-be', [['tiffcp', '-c', 'packbits', '-B', 'rgb-none.tif', 'rgb-packbits-be.tif']], 'tiffcp, PackBits, big-endian'],
  ['rgb-bigtiff', [['tiffcp', '-8', '-c', 'lzw', 'rgb-none.tif', 'rgb-bigtiff.tif']], 'tiffcp, BigTIFF'],
  ['rgb-planar', [['tiffcp', '-p', 'separate', '-c', 'zip:2', 'rgb-none.tif', 'rgb-planar.tif']], 'tiffcp, separate planes, predictor 2'],
  ['rgb-vips-tiles', [['vips', 'tiffsave', 'src.png', 'rgb-vips-tiles.tif', '--tile', '--tile-width', '16', '--tile-height', '16', '--compression', 'deflate']], 'libvips, Deflate tiles'],
  ['gray8', [['convert', 'src.png', '-colorspace', 'gray', '-depth', '8', '-compress', 'none', 'gray8.tif']], 'ImageMagick, 8-bit grey'],
  ['gray4', [['convert', 'src.png', '-colorspace', 'gray', '-depth', '4', '-compress', 'lzw', 'gray4.tif']], 'ImageMagick, 4-bit grey, LZW'],
  ['gray2', [['convert', 'src.png', '-colorspace', 'gray', '-depth', '2', 'gray2.tif']], 'ImageMagick, 2-bit grey'],
  ['gray1', [['convert', 'src.png', '-monochrome', '-depth', '1', '-compress', 'none', 'gray1.tif']], 'ImageMagick, 1-bit'],
  ['gray4-white', [['vips', 'colourspace', 'src.png', 'gray.v', 'b-w'], ['vips', 'tiffsave', 'gray.v', 'gray4-white.tif', '--bitdepth', '4', '--miniswhite']], 'libvips, 4-bit min-is-white'],
  ['min-is-white', [['convert', 'src.png', '-colorspace', 'gray', '-depth', '8', '-define', 'quantum:polarity=min-is-white', 'min-is-white.tif']], 'ImageMagick, min-is-white'],
  ['palette4', [['convert', 'src.png', '-colors', '16', '-type', 'palette', 'palette4.tif']], 'ImageMagick, 4-bit palette'],
  ['palette1', [['convert', 'src.png', '-colors', '2', '-type', 'palette', 'palette1.tif']], 'ImageMagick, 1-bit palette'],
  ['palette2', [['convert', 'src.png', '-colors', '4', '-type', 'palette', 'palette2.tif']], 'ImageMagick, 2-bit palette'],
  ['palette8', [['convert', 'src.png', '-colors', '200', '-type', 'palette', 'palette8.tif']], 'ImageMagick, 8-bit palette'],
  ['old-deflate', [['tiffcp', '-c', 'zip', 'rgb-none.tif', 'old-deflate.tif']], 'Deflate under the old code 32946'],
  ['multi-page', [['tiffcp', 'rgb-none.tif', 'gray8.tif', 'multi-page.tif']], 'two pages: the first renders'],
];

describe('TIFF sources against the tools that wrote them', { skip: BASE || skipUnless('tiffcp') }, () => {
  test('8-bit lossless RGB, grey and palette, in every layout and compression: exact', async (t) => {
    for (const [name, commands, what] of LOSSLESS) {
      for (const [tool, ...args] of commands) run(tool!, ...args);
      // 32946 is Deflate's old code: libtiff writes 8, so the file's tag is changed to the old one.
      if (name === 'old-deflate') setCompression(join(dir, 'old-deflate.tif'), 32946);
      const { psnr } = compare(await render(`${name}.tif`), await reference(`${name}.tif`));
      t.diagnostic(`${what}: ${psnr === Infinity ? 'exact' : `${psnr.toFixed(1)} dB`}`);
      assert.equal(psnr, Infinity, `${name} (${what}) differs: ${psnr.toFixed(1)} dB`);
    }
  });

  test('16-bit RGB and grey, both byte orders, Deflate and LZW with predictor 2: at least 45 dB', async (t) => {
    run('convert', 'src.png', '-depth', '16', '-define', 'tiff:predictor=2', '-compress', 'zip', 'rgb16.tif');
    run('convert', 'src.png', '-colorspace', 'gray', '-depth', '16', 'gray16.tif');
    run('tiffcp', '-B', '-c', 'lzw:2', 'rgb16.tif', 'rgb16-be.tif');
    for (const name of ['rgb16', 'gray16', 'rgb16-be']) {
      const { psnr } = compare(await render(`${name}.tif`), await reference(`${name}.tif`));
      t.diagnostic(`${name}: ${psnr.toFixed(1)} dB`);
      assert.ok(psnr >= 45, `${name}: ${psnr} dB`);
    }
  });

  test('JPEG compression: YCbCr with shared JPEGTables in strips (tiffcp) and tiles (libvips), RGB and grey (libvips): at least 30 dB', async (t) => {
    run('tiffcp', '-c', 'jpeg:90', '-r', '16', 'rgb-none.tif', 'jpeg-strips.tif');
    run('vips', 'tiffsave', 'src.png', 'jpeg-tiles.tif', '--compression', 'jpeg', '--tile', '--tile-width', '32', '--tile-height', '32');
    // Photometric RGB: JPEG data without a colour transform, and no marker in it to say so.
    run('vips', 'tiffsave', 'src.png', 'jpeg-rgb.tif', '--compression', 'jpeg', '--rgbjpeg', '--tile');
    run('vips', 'colourspace', 'src.png', 'gray-j.v', 'b-w');
    run('vips', 'tiffsave', 'gray-j.v', 'jpeg-gray.tif', '--compression', 'jpeg');
    for (const name of ['jpeg-strips', 'jpeg-tiles', 'jpeg-rgb', 'jpeg-gray']) {
      const { psnr } = compare(await render(`${name}.tif`), await reference(`${name}.tif`));
      t.diagnostic(`${name}: ${psnr.toFixed(1)} dB`);
      assert.ok(psnr >= 30, `${name}: ${psnr} dB`);
    }
  });

  test('alpha: unassociated kept, associated made straight; within 2 levels', async (t) => {
    const ramp = ['-alpha', 'set', '-channel', 'A', '-fx', '0.2+0.8*i/w', '+channel'];
    run('convert', 'src.png', ...ramp, 'unassociated.tif');
    run('convert', 'src.png', ...ramp, '-define', 'tiff:alpha=associated', 'associated.tif');
    for (const name of ['unassociated', 'associated']) {
      const got = await render(`${name}.tif`, `wid=${WIDTH}&fmt=png-alpha`);
      const { alpha } = compare(got, await reference(`${name}.tif`));
      // The colours of the reference: the straight ones ImageMagick wrote.
      const colour = compare({ ...got, data: got.data.map((v, i) => (i % 4 === 3 ? 255 : v)) }, { ...(await reference('src.png')) });
      t.diagnostic(`${name}: alpha within ${alpha}, colour ${colour.psnr.toFixed(1)} dB`);
      assert.ok(alpha <= 2, `${name}: alpha off by ${alpha}`);
      assert.ok(colour.psnr >= 40, `${name}: colour ${colour.psnr} dB`);
      const props = properties((await fixture.get(`/is/image/${name}.tif?req=imageprops`)).text);
      // The reference's image.mask: 1 associated (premultiplied), 2 unassociated.
      assert.equal(props.get('image.mask'), name === 'associated' ? '1' : '2');
    }
  });

  test('alpha of grey, of 16-bit RGB, and of tiled separate planes: exact', async (t) => {
    const ramp = ['-alpha', 'set', '-channel', 'A', '-fx', '0.2+0.8*i/w', '+channel'];
    run('convert', 'src.png', '-colorspace', 'gray', ...ramp, 'gray-alpha.tif');
    run('convert', 'src.png', '-depth', '16', ...ramp, 'rgba16.tif');
    run('convert', 'src.png', ...ramp, '-compress', 'none', 'rgba8.tif');
    run('tiffcp', '-t', '-w', '16', '-l', '16', '-p', 'separate', '-c', 'packbits', 'rgba8.tif', 'rgba-tiled-planes.tif');
    // libvips reads no tiled separate planes: ImageMagick is that file's reference.
    for (const [name, tool] of [['gray-alpha', 'vips'], ['rgba16', 'vips'], ['rgba-tiled-planes', 'convert']] as const) {
      const { psnr, alpha } = compare(await render(`${name}.tif`, `wid=${WIDTH}&fmt=png-alpha`), await reference(`${name}.tif`, tool));
      t.diagnostic(`${name}: colour ${psnr} dB, alpha within ${alpha}`);
      assert.ok(psnr === Infinity && alpha === 0, `${name}: ${psnr} dB, alpha within ${alpha}`);
    }
  });

  test('req=imageprops of a grey TIFF: its size, pixel type BW, no XMP', async () => {
    run('convert', 'src.png', '-colorspace', 'gray', '-depth', '8', 'props-gray.tif');
    const props = properties((await fixture.get('/is/image/props-gray.tif?req=imageprops')).text);
    assert.deepEqual([props.get('image.width'), props.get('image.height'), props.get('image.pixTyp')], [String(WIDTH), String(HEIGHT), 'BW']);
    assert.equal(props.get('image.embeddedXmpData'), '0');
  });

  test('XMP in tag 700: req=xmp gives the packet, imageprops says it is there', async () => {
    const packet = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/tiff"/></rdf:RDF></x:xmpmeta>';
    writeFileSync(join(dir, 'packet.xmp'), packet);
    run('convert', 'src.png', '-profile', 'packet.xmp', 'xmp.tif');
    assert.equal((await fixture.get('/is/image/xmp.tif?req=xmp')).text, packet);
    assert.equal(properties((await fixture.get('/is/image/xmp.tif?req=imageprops')).text).get('image.embeddedXmpData'), '1');
  });

  test('the Orientation tag turns the image, as libvips autorot does', async () => {
    run('convert', 'src.png', '-compress', 'none', '-orient', 'RightTop', 'oriented.tif');
    run('vips', 'autorot', 'oriented.tif', 'oriented.ref.png');
    const got = await render('oriented.tif', `wid=${HEIGHT}&fmt=png`);
    const { psnr } = compare(got, await decodePngReference(readFileSync(join(dir, 'oriented.ref.png'))));
    assert.equal(psnr, Infinity);
  });

  test('CMYK without a profile: the naive formula, as ImageMagick reads it; CMYK with alpha keeps it', async (t) => {
    run('convert', 'src.png', '-colorspace', 'cmyk', '-compress', 'lzw', 'cmyk.tif');
    const { psnr } = compare(await render('cmyk.tif'), await reference('cmyk.tif', 'convert'));
    assert.ok(psnr >= 45, `${psnr} dB`);
    run('convert', 'src.png', '-colorspace', 'cmyk', '-alpha', 'set', '-channel', 'A', '-fx', '0.2+0.8*i/w', '+channel', 'cmyka.tif');
    const withAlpha = compare(await render('cmyka.tif', `wid=${WIDTH}&fmt=png-alpha`), await reference('cmyka.tif', 'convert'));
    t.diagnostic(`CMYK: ${psnr.toFixed(1)} dB; CMYK with alpha: ${withAlpha.psnr.toFixed(1)} dB, alpha within ${withAlpha.alpha}`);
    assert.ok(withAlpha.psnr >= 45 && withAlpha.alpha === 0, `${withAlpha.psnr} dB, alpha within ${withAlpha.alpha}`);
  });
});

describe('embedded profiles (tag 34675) through the colour engine, against LittleCMS', { skip: BASE || skipUnless('tificc') }, () => {
  test('16-bit RGB with a gamma 1.8 profile: converted from its 16-bit samples, at least 45 dB', async (t) => {
    writeFileSync(join(dir, 'gamma18.icc'), displayProfile('gamma 1.8', 1.8));
    run('convert', 'src.png', '-depth', '16', '-profile', 'gamma18.icc', 'rgb16-icc.tif');
    run('tificc', '-t', '1', '-w8', '-o', '*sRGB', 'rgb16-icc.tif', 'rgb16-icc.lcms.tif');
    const { psnr } = compare(await render('rgb16-icc.tif'), await reference('rgb16-icc.lcms.tif'));
    t.diagnostic(`${psnr.toFixed(1)} dB`);
    assert.ok(psnr >= 45, `${psnr} dB`);
  });

  test("Isle's TIFF writer's CMYK file with a LUT profile: within 45 dB of LittleCMS's tificc", async (t) => {
    // Inks from the source's colours, one ink a channel, a little K where they are dark.
    const src = await decodePngReference(readFileSync(join(dir, 'src.png')));
    const inks = new Uint8ClampedArray(src.data.length);
    for (let i = 0; i < inks.length; i += 4) {
      inks[i] = src.data[i]!;
      inks[i + 1] = src.data[i + 1]!;
      inks[i + 2] = src.data[i + 2]!;
      inks[i + 3] = Math.max(0, 128 - Math.min(src.data[i]!, src.data[i + 1]!, src.data[i + 2]!));
    }
    const file = encodeTiff({ data: inks, width: src.width, height: src.height }, { samples: 'cmyk', compression: 'deflate', dpi: 72, icc: cmykProfile() });
    writeFileSync(join(dir, 'cmyk-icc.tif'), new Uint8Array(file));
    run('tificc', '-t', '1', '-o', '*sRGB', 'cmyk-icc.tif', 'cmyk-icc.lcms.tif');
    const { psnr } = compare(await render('cmyk-icc.tif'), await reference('cmyk-icc.lcms.tif'));
    t.diagnostic(`${psnr.toFixed(1)} dB`);
    assert.ok(psnr >= 45, `${psnr} dB`);
    const props = properties((await fixture.get('/is/image/cmyk-icc.tif?req=imageprops')).text);
    assert.equal(props.get('image.pixTyp'), 'CMYK');
    assert.equal(props.get('image.embeddedIccProfile'), '1');
  });
});

/** Sets a file's Compression tag (the first directory, a little-endian classic TIFF). */
function setCompression(path: string, value: number) {
  const b = readFileSync(path);
  const at = entryAt(b, 259);
  b.writeUInt16LE(value, at + 8);
  writeFileSync(path, b);
}

function entryAt(b: Buffer, tag: number): number {
  assert.equal(b.toString('latin1', 0, 2), 'II');
  const ifd = b.readUInt32LE(4);
  for (let i = 0; i < b.readUInt16LE(ifd); i++) if (b.readUInt16LE(ifd + 2 + i * 12) === tag) return ifd + 2 + i * 12;
  throw new Error(`no tag ${tag}`);
}

describe('TIFF sources Isle refuses, each a 403 naming why, the server serving on', { skip: BASE || skipUnless('tiffcp') }, () => {
  const expect403 = async (file: string, message: RegExp) => {
    const reply = await fixture.get(`/is/image/${file}?wid=50&fmt=png`);
    assert.equal(reply.status, 403, `${file}: ${reply.status}`);
    assert.match(errorMessage(reply.text), message);
  };

  test('valid files outside the table: float, Lab, old-style JPEG, JPEG 2000', async () => {
    run('vips', 'cast', 'src.png', 'float.tif', 'float');
    await expect403('float.tif', /TIFF sources with floating-point samples/);
    run('convert', 'src.png', '-colorspace', 'Lab', 'lab.tif');
    await expect403('lab.tif', /TIFF sources with CIE Lab colour/);
    run('convert', 'src.png', '-compress', 'none', 'old-jpeg.tif');
    setCompression(join(dir, 'old-jpeg.tif'), 6);
    await expect403('old-jpeg.tif', /old-style JPEG compression \(6\)/);
    run('convert', 'src.png', '-compress', 'none', 'j2k.tif');
    setCompression(join(dir, 'j2k.tif'), 34712);
    await expect403('j2k.tif', /JPEG 2000 compression/);
  });

  test('damaged files: truncated, offsets past the end, counts that overflow, a directory loop, bad LZW data', async () => {
    run('convert', 'src.png', '-compress', 'none', 'plain.tif');
    run('tiffcp', '-c', 'lzw', 'plain.tif', 'good.tif');
    const good = readFileSync(join(dir, 'good.tif'));
    const damaged = (name: string, change: (b: Buffer) => Buffer) => writeFileSync(join(dir, name), change(Buffer.from(good)));
    damaged('truncated.tif', (b) => b.subarray(0, Math.floor(b.length / 2)));
    damaged('ifd-past-end.tif', (b) => (b.writeUInt32LE(0x7ffffff0, 4), b));
    damaged('count-overflow.tif', (b) => (b.writeUInt32LE(0x40000001, entryAt(b, 273) + 4), b));
    damaged('strip-past-end.tif', (b) => {
      const e = entryAt(b, 279);
      b.writeUInt32LE(0xfffffff0, b.readUInt32LE(e + 4) > 1 ? b.readUInt32LE(e + 8) : e + 8);
      return b;
    });
    damaged('loop.tif', (b) => {
      const ifd = b.readUInt32LE(4);
      b.writeUInt32LE(ifd, ifd + 2 + b.readUInt16LE(ifd) * 12);
      return b;
    });
    damaged('bad-lzw.tif', (b) => {
      // The first strip's offset: in the entry for one strip, else the first of its array (LONG).
      const e = entryAt(b, 273);
      const strip = b.readUInt32LE(e + 4) === 1 ? b.readUInt32LE(e + 8) : b.readUInt32LE(b.readUInt32LE(e + 8));
      b.fill(0xff, strip, strip + 8);
      return b;
    });
    run('tiffcp', '-c', 'jpeg', '-r', '16', 'plain.tif', 'jpeg-good.tif');
    const jpeg = readFileSync(join(dir, 'jpeg-good.tif'));
    // The first frame header in the file (tiffcp writes the strips first; the shared tables hold none)
    // claims 20 rows in a strip of 16: refused before the decoder sees it.
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(20, sof + 5);
    writeFileSync(join(dir, 'jpeg-frame.tif'), jpeg);
    await expect403('jpeg-frame.tif', /corrupt: a JPEG frame of 97x20 in a TIFF tile of 97x16/);
    // 2048x2048 tiles for a 97x61 image: each would cost 16 MB to decode for a few KB of image.
    run('tiffcp', '-t', '-w', '2048', '-l', '2048', '-c', 'zip', 'plain.tif', 'huge-tiles.tif');
    await expect403('huge-tiles.tif', /corrupt: TIFF tiles or strips of 2048x2048/);
    await expect403('truncated.tif', /corrupt: .*(past the end|ends early)/);
    await expect403('ifd-past-end.tif', /corrupt: an image directory past the end/);
    await expect403('count-overflow.tif', /corrupt: the values of TIFF tag 273 lie past the end/);
    await expect403('strip-past-end.tif', /corrupt: a TIFF strip or tile lies past the end/);
    await expect403('loop.tif', /corrupt: the TIFF directories form a loop/);
    await expect403('bad-lzw.tif', /corrupt: a bad LZW code/);
    const ok = await fixture.get('/is/image/good.tif?wid=50&fmt=png');
    assert.equal(ok.status, 200);
  });
});

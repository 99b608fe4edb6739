import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { codecs } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { writeEps, type EpsOptions } from '../helpers/eps.ts';
import { compare, firstDifference, run, skipUnless, renderedPng, refused } from '../helpers/tools.ts';
import { decodePng } from '../../src/image/png-decode.ts';

/**
 * EPS as Photoshop writes it (test/helpers/eps.ts) through /is/image by a real server: RGB, grey
 * and CMYK samples in binary, ASCII hex and ASCII85, by pixel and by line with a pad channel, in a
 * DOS EPS binary header, exactly; JPEG-encoded (binary and ASCII85) within 30 dB of djpeg; one file
 * against Ghostscript's rendering of it; an EPS without %ImageData, Lab and damaged files a 403.
 */
const dir = temporaryFolder('isle-eps-sources-');
const W = 29;
const H = 17;
let fixture: Fixture;

const sample = (i: number, c: number) => (i * 37 + c * 91 + ((i * c) % 13) * 17) & 255;
const samples = (channels: number) => Uint8Array.from({ length: W * H * channels }, (_, k) => sample(Math.floor(k / channels), k % channels));

/** What a render of grey or RGB samples should be. */
function rgba(s: Uint8Array, channels: 1 | 3) {
  const data = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = s[i * channels + (channels === 1 ? 0 : c)]!;
    data[i * 4 + 3] = 255;
  }
  return { data, width: W, height: H };
}

const render = (file: string) => renderedPng(fixture!, file, `wid=${W}&fmt=png`);

const expect403 = (file: string, message: RegExp) => refused(fixture!, file, message);

const write = (name: string, o: Omit<EpsOptions, 'width' | 'height'>) => writeFileSync(join(dir, name), writeEps({ width: W, height: H, ...o }));

before(async () => {
  await codecs();
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('Photoshop EPS sources through /is/image', () => {
  const lossless: [string, Omit<EpsOptions, 'width' | 'height' | 'samples'>, 1 | 3][] = [
    ['rgb-binary.eps', { mode: 3, encoding: 'binary' }, 3],
    ['rgb-hex-lines.eps', { mode: 3, encoding: 'hex', lineInterleaved: true, pad: 1 }, 3],
    ['grey-ascii85.eps', { mode: 1, encoding: 'ascii85' }, 1],
    ['rgb-ascii85-pad.eps', { mode: 3, encoding: 'ascii85', pad: 1 }, 3],
    ['rgb-dos.eps', { mode: 3, encoding: 'binary', dos: true }, 3],
  ];
  for (const [name, options, channels] of lossless) {
    test(`${name}: exactly the samples written`, async () => {
      const s = samples(channels);
      write(name, { ...options, samples: s });
      const diff = firstDifference(await render(name), rgba(s, channels));
      assert.equal(diff, undefined, diff);
    });
  }

  test('req=imageprops: the size and pixel type %ImageData gives', async () => {
    write('cmyk-props.eps', { mode: 4, encoding: 'hex', samples: samples(4) });
    const props = properties((await fixture.get('/is/image/cmyk-props.eps?req=imageprops')).text);
    assert.equal(props.get('image.width'), String(W));
    assert.equal(props.get('image.height'), String(H));
    assert.equal(props.get('image.pixTyp'), 'CMYK');
  });

  test('CMYK samples: the same render as a CMYK TIFF of the same inks (ImageMagick)', { skip: skipUnless('convert') }, async () => {
    const s = samples(4);
    write('cmyk.eps', { mode: 4, encoding: 'ascii85', lineInterleaved: true, samples: s });
    writeFileSync(join(dir, 'cmyk.raw'), s);
    run(dir, 'convert', '-size', `${W}x${H}`, '-depth', '8', 'cmyk:cmyk.raw', 'cmyk.tif');
    const diff = firstDifference(await render('cmyk.eps'), await render('cmyk.tif'));
    assert.equal(diff, undefined, diff);
  });

  test('Ghostscript\'s rendering of the same file: exactly', { skip: skipUnless('gs') }, async () => {
    const s = samples(3);
    write('gs.eps', { mode: 3, encoding: 'hex', samples: s });
    run(dir, 'gs', '-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-dEPSCrop', '-sDEVICE=png16m', '-r72', '-dInterpolateControl=0', '-sOutputFile=gs.png', 'gs.eps');
    const diff = firstDifference(await render('gs.eps'), decodePng(readFileSync(join(dir, 'gs.png'))));
    assert.equal(diff, undefined, diff);
  });

  for (const encoding of ['jpeg', 'ascii85-jpeg'] as const) {
    test(`${encoding}: within 30 dB of djpeg's decode of the JPEG it carries`, { skip: skipUnless('cjpeg', 'djpeg') }, async () => {
      const s = samples(3);
      writeFileSync(join(dir, 'src.ppm'), Buffer.concat([Buffer.from(`P6 ${W} ${H} 255\n`), Buffer.from(s)]));
      run(dir, 'cjpeg', '-quality', '95', '-outfile', 'in.jpg', 'src.ppm');
      const name = `${encoding}.eps`;
      write(name, { mode: 3, encoding, samples: s, jpeg: readFileSync(join(dir, 'in.jpg')) });
      const ppm = run(dir, 'djpeg', '-ppm', 'in.jpg');
      const want = rgba(ppm.subarray(ppm.length - W * H * 3), 3);
      assert.ok(compare(await render(name), want).psnr >= 30);
    });
  }

  test('an EPS without %ImageData, Lab, data shorter than the header says (cut, or a larger %ImageData) answer 403; the server serves on', async () => {
    writeFileSync(join(dir, 'drawing.eps'), '%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\nnewpath 0 0 moveto 10 10 lineto stroke\n%%EOF\n');
    await expect403('drawing.eps', /EPS sources without Photoshop's %ImageData \(PostScript drawings\) are not supported/);
    write('lab.eps', { mode: 3, encoding: 'hex', samples: samples(3) });
    writeFileSync(join(dir, 'lab.eps'), readFileSync(join(dir, 'lab.eps'), 'latin1').replace(/(%ImageData: \d+ \d+ 8) 3/, '$1 2'), 'latin1');
    await expect403('lab.eps', /EPS sources with Lab colour are not supported/);
    write('short.eps', { mode: 3, encoding: 'binary', samples: samples(3) });
    const full = readFileSync(join(dir, 'short.eps'));
    writeFileSync(join(dir, 'short.eps'), full.subarray(0, full.length - W * H));
    await expect403('short.eps', /corrupt: EPS/);
    write('other.eps', { mode: 3, encoding: 'hex', samples: samples(3) });
    writeFileSync(join(dir, 'other.eps'), readFileSync(join(dir, 'other.eps'), 'latin1').replace(`%ImageData: ${W} ${H}`, `%ImageData: ${W} ${H + 50}`), 'latin1');
    await expect403('other.eps', /corrupt: EPS/);
    assert.equal((await fixture.get(`/is/image/rgb-binary.eps?wid=${W}&fmt=png`)).status, 200);
  });
});

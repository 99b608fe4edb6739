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
 * BMP sources rendered through /is/image by a real server, against ImageMagick's own decodes of the
 * files it wrote: 1, 4 and 8-bit palettes, RLE8, 5-5-5 and 5-6-5 fields, 24 bits, 32 bits with
 * alpha; a V5 header's embedded profile and the resolution in req=imageprops; an RLE file claiming
 * a huge size, refused features and damaged files answered 403, the server serving on.
 */
const SKIP = skipUnless('convert');
const dir = temporaryFolder('isle-bmp-sources-');
const W = 57;
const H = 39;
let fixture: Fixture;
const magick = (...args: string[]) => run(dir, 'convert', ...args);

const render = (file: string, query = `wid=${W}&fmt=png-alpha`) => renderedPng(fixture!, file, query);

const reference = (file: string) => magickReference(dir, file);

const props = async (file: string) => properties((await fixture.get(`/is/image/${file}?req=imageprops`)).text);

const expect403 = (file: string, message: RegExp) => refused(fixture!, file, message);

before(async () => {
  await codecs(); // the kernels the project's PNG reader runs on, for the references
  if (SKIP) return;
  magick('-size', `${W}x${H}`, '-seed', '11', 'plasma:fractal', '-depth', '8', 'src.png');
  magick('src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', 'srca.png');
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('BMP sources through /is/image against ImageMagick', { skip: SKIP }, () => {
  const cases: [string, string[]][] = [
    ['1.bmp', ['src.png', '-colors', '2', '-compress', 'None', 'BMP3:1.bmp']],
    ['4.bmp', ['src.png', '-colors', '16', '-compress', 'None', 'BMP3:4.bmp']],
    ['8.bmp', ['src.png', '-colors', '200', '-compress', 'None', 'BMP3:8.bmp']],
    ['rle8.bmp', ['src.png', '-colors', '200', '-compress', 'RLE', 'BMP3:rle8.bmp']],
    ['24.bmp', ['src.png', 'BMP3:24.bmp']],
    ['555.bmp', ['src.png', '-define', 'bmp:subtype=RGB555', '555.bmp']],
    ['565.bmp', ['src.png', '-define', 'bmp:subtype=RGB565', '565.bmp']],
    ['32a.bmp', ['srca.png', '32a.bmp']],
  ];
  for (const [name, args] of cases) {
    test(`${name}: exactly ImageMagick's pixels`, async () => {
      magick(...args);
      const diff = firstDifference(await render(name), reference(name));
      assert.equal(diff, undefined, `${name}: ${diff}`);
    });
  }

  test('req=imageprops: pixel type, mask, resolution; a V5 header\'s embedded profile by its description, applied', async () => {
    writeFileSync(join(dir, 'test.icc'), displayProfile('BMP source test'));
    magick('src.png', '-profile', 'test.icc', '-density', '300', '-units', 'PixelsPerInch', 'icc.bmp');
    const p = await props('icc.bmp');
    assert.equal(p.get('image.embeddedIccProfile'), '1');
    assert.equal(p.get('image.iccProfile'), 'BMP source test');
    assert.equal(p.get('image.printRes'), '300');
    assert.deepEqual([p.get('image.pixTyp'), p.get('image.mask')], ['RGB', '0']);
    // Its gamma 2.2 is not sRGB's curve: the colours move a little from the file's values.
    const { psnr } = compare(await render('icc.bmp'), reference('icc.bmp'));
    assert.ok(psnr >= 30 && psnr < Infinity, `${psnr} dB`);
    assert.equal((await props('32a.bmp')).get('image.mask'), '2');
  });

  test('an RLE8 file claiming 65535x65535 in a few bytes: a 403 from its header, before any decode', async () => {
    magick('-size', '4x4', 'xc:red', '-colors', '2', '-compress', 'RLE', 'BMP3:tiny.bmp');
    const b = readFileSync(join(dir, 'tiny.bmp'));
    b.writeInt32LE(65535, 18);
    b.writeInt32LE(65535, 22);
    writeFileSync(join(dir, 'huge-rle.bmp'), b);
    await expect403('huge-rle.bmp', /too large \(65535x65535\)/);
  });

  test('refused and damaged files: a 403 naming why, and the server serves on', async () => {
    magick('src.png', 'BMP3:good.bmp');
    const good = readFileSync(join(dir, 'good.bmp'));
    const write = (name: string, change: (b: Buffer) => Buffer) => writeFileSync(join(dir, name), change(Buffer.from(good)));
    write('truncated.bmp', (b) => b.subarray(0, b.length - 500));
    write('jpeg-inside.bmp', (b) => (b.writeUInt32LE(4, 30), b));
    write('two-bit.bmp', (b) => (b.writeUInt16LE(2, 28), b));
    write('os2v2.bmp', (b) => (b.writeUInt32LE(64, 14), b));
    await expect403('truncated.bmp', /corrupt: BMP pixel data is truncated/);
    await expect403('jpeg-inside.bmp', /BMP sources with JPEG compression are not supported/);
    await expect403('two-bit.bmp', /BMP sources with 2 bits a pixel are not supported/);
    await expect403('os2v2.bmp', /BMP sources with an OS\/2 2.x header are not supported/);
    assert.equal((await fixture.get('/is/image/good.bmp?wid=20&fmt=png')).status, 200);
  });
});

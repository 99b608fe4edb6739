import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rgbProfile } from '../../tools/fixtures/icc.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, renderedPng, run, skipUnless } from '../helpers/tools.ts';

/*
 * A JPEG XL's embedded ICC profile is applied by its decoder: libjxl (@jsquash/jxl) delivers sRGB,
 * converting from the codestream's colour encoding or profile, so the pipeline takes its pixels as
 * sRGB and converts nothing again. The same image, tagged with the same Display P3 profile, renders
 * alike from a JPEG XL (lossless or lossy) and from a PNG.
 */
const hasJxl = () => spawnSync('vips', ['-l', 'foreign'], { encoding: 'utf8', timeout: 10_000 }).stdout?.includes('jxlsave');
const SKIP = skipUnless('convert', 'vips') || (hasJxl() ? false : "libvips without JPEG XL (Debian's libvips-tools links libjxl from bookworm on)");
/** Display P3's primaries adapted to D50 (Bradford), as colorants r, g, b. */
const P3: [number, number, number][] = [[0.5151, 0.2412, -0.0011], [0.2919, 0.6922, 0.0419], [0.1571, 0.0666, 0.7841]];
const dir = temporaryFolder('isle-jxl-profile-');
const tool = (name: string, ...args: string[]) => run(dir, name, ...args);
let fixture: Fixture | undefined;

describe('JPEG XL sources with an embedded profile', { skip: SKIP }, () => {
  before(async () => {
    tool('convert', '-size', '64x48', '-seed', '7', 'plasma:fractal', '-blur', '0x2', '-depth', '8', 'src.png');
    writeFileSync(join(dir, 'p3.icc'), rgbProfile('Isle test P3', P3, 2.2));
    tool('convert', 'src.png', '-profile', 'p3.icc', 'p3.png');
    tool('vips', 'jxlsave', 'p3.png', 'lossless.jxl', '--lossless');
    tool('vips', 'jxlsave', 'p3.png', 'lossy.jxl', '--Q', '95');
    fixture = await startFixture({ config: { root: dir } });
  });
  after(() => fixture?.close());

  test('applied once: the JPEG XL renders as the PNG with the same profile does, not as the untagged image', async () => {
    const query = 'wid=64&fmt=png';
    const png = await renderedPng(fixture!, 'p3.png', query);
    const untagged = await renderedPng(fixture!, 'src.png', query);
    for (const [file, floor] of [['lossless.jxl', 50], ['lossy.jxl', 35]] as const) {
      const jxl = await renderedPng(fixture!, file, query);
      const same = compare(jxl, png).psnr;
      const ignored = compare(jxl, untagged).psnr;
      assert.ok(same >= floor, `${file} against the tagged PNG: ${same} dB`);
      assert.ok(ignored < same - 6, `${file}: the profile moves the colours: ${ignored} dB from the untagged image, ${same} dB from the tagged PNG`);
    }
  });
});

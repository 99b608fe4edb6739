import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rgbProfile } from '../../tools/fixtures/icc.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, hasTool, renderedPng, run, skipUnless } from '../helpers/tools.ts';

/*
 * A HEIF's embedded ICC profile (its colr box of type prof) takes the colour path a PNG's iCCP
 * does: the same image, tagged with the same Display P3 profile, renders alike from either.
 */
const canWrite = () => hasTool('heif-enc') || (hasTool('vips') && (spawnSync('vips', ['-l', 'foreign'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '').includes('heifsave'));
const SKIP = skipUnless('convert', 'vips') || (canWrite() ? false : "no HEVC HEIF writer (Debian's libheif-examples, heif-enc; .ci/run installs it)");
/** Display P3's primaries adapted to D50 (Bradford), as colorants r, g, b. */
const P3: [number, number, number][] = [[0.5151, 0.2412, -0.0011], [0.2919, 0.6922, 0.0419], [0.1571, 0.0666, 0.7841]];
const dir = temporaryFolder('isle-heif-profile-');
const tool = (name: string, ...args: string[]) => run(dir, name, ...args);
let fixture: Fixture | undefined;

function encode(png: string, heic: string) {
  if (hasTool('heif-enc')) tool('heif-enc', '-q', '95', png, '-o', heic);
  else tool('vips', 'heifsave', png, heic, '--compression', 'hevc', '--Q', '95');
  assert.equal(readFileSync(join(dir, heic)).toString('latin1', 4, 12), 'ftypheic');
}

describe('HEIF sources with an embedded profile', { skip: SKIP }, () => {
  before(async () => {
    tool('convert', '-size', '64x48', '-seed', '7', 'plasma:fractal', '-blur', '0x2', '-depth', '8', 'src.png');
    writeFileSync(join(dir, 'p3.icc'), rgbProfile('Isle test P3', P3, 2.2));
    tool('convert', 'src.png', '-profile', 'p3.icc', 'p3.png');
    encode('p3.png', 'p3.heic');
    encode('src.png', 'plain.heic');
    fixture = await startFixture({ config: { root: dir } });
  });
  after(() => fixture?.close());

  test('named by req=imageprops', async () => {
    const p = properties((await fixture!.get('/is/image/p3.heic?req=imageprops')).text);
    assert.deepEqual([p.get('image.embeddedIccProfile'), p.get('image.iccProfile')], ['1', 'Isle test P3']);
    assert.equal(properties((await fixture!.get('/is/image/plain.heic?req=imageprops')).text).get('image.embeddedIccProfile'), '0');
  });

  test('applied: the HEIF renders as the PNG with the same profile does, not as the untagged image', async () => {
    const query = 'wid=64&fmt=png';
    const heif = await renderedPng(fixture!, 'p3.heic', query);
    const png = await renderedPng(fixture!, 'p3.png', query);
    const untagged = await renderedPng(fixture!, 'plain.heic', query);
    const same = compare(heif, png).psnr;
    const ignored = compare(heif, untagged).psnr;
    assert.ok(same >= 35, `against the tagged PNG: ${same} dB`);
    assert.ok(ignored < same - 6, `the profile moves the colours: ${ignored} dB from the untagged HEIF, ${same} dB from the tagged PNG`);
  });
});

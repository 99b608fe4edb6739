import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { codecs } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, hasTool, magickReference, refused, renderedPng, run, skipUnless } from '../helpers/tools.ts';

/**
 * HEIF (HEIC) sources rendered through /is/image by a real server, against files written at test
 * time with HEVC by libheif (heif-enc, or libvips' heifsave over libheif and x265) and libheif's own
 * decode of them through libvips: within 30 dB, alpha within 16; a size claimed past the limits and
 * damaged files a 403, the server serving on.
 */
const canWrite = () => hasTool('heif-enc') || (hasTool('vips') && (spawnSync('vips', ['-l', 'foreign'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '').includes('heifsave'));
const SKIP = skipUnless('convert', 'vips') || (canWrite() ? false : "no HEVC HEIF writer (Debian's libheif-examples, heif-enc; .ci/run installs it)");
const dir = temporaryFolder('isle-heif-');
const W = 64;
const H = 48;
let fixture: Fixture | undefined;
const tool = (name: string, ...args: string[]) => run(dir, name, ...args);
const render = (file: string) => renderedPng(fixture!, file, `wid=${W}&fmt=png-alpha`);

/** An HEVC-coded HEIF of a PNG, by libheif's own encoder. */
function encode(png: string, heic: string) {
  if (hasTool('heif-enc')) tool('heif-enc', '-q', '90', png, '-o', heic);
  else tool('vips', 'heifsave', png, heic, '--compression', 'hevc', '--Q', '90');
  assert.equal(readFileSync(join(dir, heic)).toString('latin1', 4, 12), 'ftypheic');
}

/** libheif's decode, through a PNG libvips writes. */
function reference(file: string) {
  tool('vips', 'copy', file, `${file}.ref.png`);
  return magickReference(dir, `${file}.ref.png`);
}

before(async () => {
  await codecs();
  if (SKIP) return;
  tool('convert', '-size', `${W}x${H}`, '-seed', '13', 'plasma:fractal', '-blur', '0x1', '-depth', '8', 'src.png');
  tool('convert', 'src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', 'srca.png');
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('HEIF sources through /is/image against libheif', { skip: SKIP }, () => {
  test('HEVC, with and without alpha: within 30 dB of libheif\'s decode and of the source, alpha within 16', async (t) => {
    encode('src.png', 'photo.heic');
    encode('srca.png', 'alpha.heic');
    for (const file of ['photo.heic', 'alpha.heic']) {
      const got = await render(file);
      const ofDecode = compare(got, reference(file));
      const ofSource = compare(got, magickReference(dir, file === 'photo.heic' ? 'src.png' : 'srca.png'));
      t.diagnostic(`${file}: ${ofDecode.psnr.toFixed(1)} dB from libheif's decode (alpha within ${ofDecode.alpha}), ${ofSource.psnr.toFixed(1)} dB from the source`);
      assert.ok(ofDecode.psnr >= 30 && ofDecode.alpha <= 16, `${file}: ${ofDecode.psnr} dB, alpha ${ofDecode.alpha}`);
      assert.ok(ofSource.psnr >= 30, `${file}: ${ofSource.psnr} dB from the source`);
    }
    const props = async (file: string) => properties((await fixture!.get(`/is/image/${file}?req=imageprops`)).text);
    const photo = await props('photo.heic');
    assert.deepEqual([photo.get('image.width'), photo.get('image.height'), photo.get('image.pixTyp'), photo.get('image.mask')], [String(W), String(H), 'RGB', '0']);
    assert.equal((await props('alpha.heic')).get('image.mask'), '2');
  });

  test('a size past the limits in the ispe box, and damaged files: a 403, the server serving on', async () => {
    encode('src.png', 'good.heic');
    const good = readFileSync(join(dir, 'good.heic'));
    // Every ispe box (the primary item's, and any other item's) claims 60000x60000.
    const huge = Buffer.from(good);
    for (let at = huge.indexOf('ispe', 0, 'latin1'); at >= 0; at = huge.indexOf('ispe', at + 4, 'latin1')) {
      huge.writeUInt32BE(60000, at + 8);
      huge.writeUInt32BE(60000, at + 12);
    }
    writeFileSync(join(dir, 'huge.heic'), huge);
    await refused(fixture!, 'huge.heic', /too large \(60000x60000\)/);
    writeFileSync(join(dir, 'cut.heic'), good.subarray(0, good.length - 200));
    await refused(fixture!, 'cut.heic', /corrupt: .*HEIF/);
    const noise = Buffer.from(good);
    // The coded image (the mdat box, last in libheif's files) overwritten.
    noise.fill(0x5a, noise.indexOf(Buffer.from('mdat', 'latin1')) + 4);
    writeFileSync(join(dir, 'noise.heic'), noise);
    await refused(fixture!, 'noise.heic', /corrupt: .*HEIF/);
    assert.equal((await fixture!.get('/is/image/good.heic?wid=20&fmt=png')).status, 200);
  });
});

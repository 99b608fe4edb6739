import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePngReference } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { firstDifference, run, skipUnless, renderedPng, refused } from '../helpers/tools.ts';

/**
 * GIF sources rendered through /is/image by a real server, against ImageMagick's own decodes of the
 * files it wrote: a palette, an interlaced file, the transparent entry as alpha, an animation's
 * first frame, a frame smaller than its screen; req=imageprops; a screen or frame larger than the
 * limits allow and damaged files answered 403 before any decode, the server serving on.
 */
const SKIP = skipUnless('convert');
const dir = temporaryFolder('isle-gif-sources-');
const W = 59;
const H = 43;
let fixture: Fixture;
const magick = (...args: string[]) => run(dir, 'convert', ...args);

const render = (file: string, query = `wid=${W}&fmt=png-alpha`) => renderedPng(fixture!, file, query);

/** ImageMagick's first frame on its screen, RGBA. */
async function reference(file: string) {
  magick(`${file}[0]`, '-background', 'none', '-flatten', '-depth', '8', `PNG32:${file}.ref.png`);
  return decodePngReference(readFileSync(join(dir, `${file}.ref.png`)));
}

const same = async (file: string) => {
  const diff = firstDifference(await render(file), await reference(file));
  assert.equal(diff, undefined, `${file}: ${diff}`);
};

const props = async (file: string) => properties((await fixture.get(`/is/image/${file}?req=imageprops`)).text);

const expect403 = (file: string, message: RegExp) => refused(fixture!, file, message);

before(async () => {
  if (SKIP) return;
  magick('-size', `${W}x${H}`, '-seed', '9', 'plasma:fractal', '-depth', '8', 'src.png');
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('GIF sources through /is/image against ImageMagick', { skip: SKIP }, () => {
  test('a palette of 64 colours, and interlaced: exactly ImageMagick\'s pixels', async () => {
    magick('src.png', '-colors', '64', 'plain.gif');
    magick('src.png', '-colors', '64', '-interlace', 'Line', 'interlaced.gif');
    await same('plain.gif');
    await same('interlaced.gif');
    const p = await props('plain.gif');
    assert.deepEqual([p.get('image.pixTyp'), p.get('image.mask'), p.get('image.embeddedIccProfile'), p.get('image.width')], ['RGB', '0', '0', String(W)]);
  });

  test('the transparent entry is alpha 0, exactly as ImageMagick reads it; imageprops says mask 2', async () => {
    magick('src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', '-channel', 'A', '-threshold', '50%', '+channel', 'transparent.gif');
    const got = await render('transparent.gif');
    assert.equal(got.data[(H - 1) * W * 4 + 3], 0, 'the bottom row is transparent');
    await same('transparent.gif');
    assert.equal((await props('transparent.gif')).get('image.mask'), '2');
  });

  test("an animation renders its first frame; a frame smaller than its screen is placed at its offset, the rest transparent", async () => {
    magick('-delay', '10', 'src.png', '(', 'src.png', '-negate', ')', 'anim.gif');
    await same('anim.gif');
    magick('src.png', '-crop', '30x20+5+4', 'small.gif');
    const got = await render('small.gif');
    assert.equal(got.data[3], 0, 'the corner outside the frame is transparent');
    assert.equal(got.data[(6 * W + 10) * 4 + 3], 255, 'inside the frame is opaque');
    await same('small.gif');
  });

  test('XMP in its application extension: req=xmp gives the packet, imageprops says it is there', async () => {
    magick('src.png', 'plain-xmp.gif');
    const plain = readFileSync(join(dir, 'plain-xmp.gif'));
    const packet = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';
    // The packet's bytes as they are, then the 258-byte trailer that makes them read as sub-blocks (Adobe's XMP specification, part 3).
    const trailer = Buffer.from([1, ...Array.from({ length: 256 }, (_, i) => 255 - i), 0]);
    const extension = Buffer.concat([Buffer.from([0x21, 0xff, 11]), Buffer.from('XMP DataXMP'), Buffer.from(packet), trailer]);
    const at = 13 + (plain[10]! & 0x80 ? 3 << ((plain[10]! & 7) + 1) : 0);
    writeFileSync(join(dir, 'xmp.gif'), Buffer.concat([plain.subarray(0, at), extension, plain.subarray(at)]));
    assert.equal((await props('xmp.gif')).get('image.embeddedXmpData'), '1');
    assert.equal((await props('plain-xmp.gif')).get('image.embeddedXmpData'), '0');
    assert.equal((await fixture.get('/is/image/xmp.gif?req=xmp')).text, packet);
    await same('xmp.gif');
  });

  test('a screen of 65535x65535 in a few bytes, or a first frame larger than its screen: a 403 before any decode', async () => {
    magick('-size', '1x1', 'xc:red', 'tiny.gif');
    const tiny = readFileSync(join(dir, 'tiny.gif'));
    const huge = Buffer.from(tiny);
    huge.writeUInt16LE(65535, 6);
    huge.writeUInt16LE(65535, 8);
    writeFileSync(join(dir, 'huge-screen.gif'), huge);
    await expect403('huge-screen.gif', /too large \(65535x65535\)/);
    // The first frame's descriptor (after the screen and its table) claims 4000x4000 on a 1x1 screen.
    const frame = Buffer.from(tiny);
    const descriptor = frame.indexOf(0x2c, 13 + (3 << ((frame[10]! & 7) + 1)));
    frame.writeUInt16LE(4000, descriptor + 5);
    frame.writeUInt16LE(4000, descriptor + 7);
    writeFileSync(join(dir, 'huge-frame.gif'), frame);
    await expect403('huge-frame.gif', /corrupt: GIF first frame of 4000x4000 on a 1x1 screen/);
  });

  test('damaged files: a 403 naming the damage, and the server serves on', async () => {
    magick('src.png', 'good.gif');
    const good = readFileSync(join(dir, 'good.gif'));
    writeFileSync(join(dir, 'cut.gif'), good.subarray(0, Math.floor(good.length / 2)));
    writeFileSync(join(dir, 'head.gif'), good.subarray(0, 10));
    await expect403('cut.gif', /corrupt: GIF/);
    await expect403('head.gif', /corrupt: GIF header is truncated/);
    assert.equal((await fixture.get('/is/image/good.gif?wid=20&fmt=png')).status, 200);
  });
});

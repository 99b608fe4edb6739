import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { IsError } from '../../src/protocol/errors.ts';
import { sniff } from '../../src/planning/source-formats.ts';
import { codecs } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, firstDifference, magickReference, refused, renderedPng, run, skipUnless } from '../helpers/tools.ts';

/**
 * JPEG XL sources rendered through /is/image by a real server, against files libvips writes with
 * libjxl at test time and libjxl's own decode of them (through libvips): lossless exactly, lossy
 * within 30 dB, alpha, grey, the ISOBMFF container; a size claimed past the limits in a few bytes
 * and damaged files a 403, the server serving on.
 */
const hasJxl = () => spawnSync('vips', ['-l', 'foreign'], { encoding: 'utf8', timeout: 10_000 }).stdout?.includes('jxlsave');
const SKIP = skipUnless('convert', 'vips') || (hasJxl() ? false : "libvips without JPEG XL (Debian's libvips-tools links libjxl from bookworm on)");
const dir = temporaryFolder('isle-jxl-');
const W = 61;
const H = 45;
let fixture: Fixture | undefined;
const tool = (name: string, ...args: string[]) => run(dir, name, ...args);
const render = (file: string) => renderedPng(fixture!, file, `wid=${W}&fmt=png-alpha`);

/** libjxl's decode, through a PNG libvips writes. */
function reference(file: string) {
  tool('vips', 'copy', file, `${file}.ref.png`);
  return magickReference(dir, `${file}.ref.png`);
}

/** A bare codestream in the container: the signature box, ftyp, then the codestream whole in jxlc. */
function contained(codestream: Buffer): Buffer {
  const box = (type: string, payload: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + payload.length);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, payload]);
  };
  return Buffer.concat([box('JXL ', Buffer.from([0x0d, 0x0a, 0x87, 0x0a])), box('ftyp', Buffer.from('jxl \0\0\0\0jxl ', 'latin1')), box('jxlc', codestream)]);
}

before(async () => {
  await codecs();
  if (SKIP) return;
  tool('convert', '-size', `${W}x${H}`, '-seed', '13', 'plasma:fractal', '-depth', '8', 'src.png');
  tool('convert', 'src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', 'srca.png');
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('JPEG XL sources through /is/image against libjxl', { skip: SKIP }, () => {
  test('lossless RGB, RGBA and grey, bare and in the container: exactly libjxl\'s pixels', async () => {
    tool('vips', 'jxlsave', 'src.png', 'lossless.jxl', '--lossless');
    tool('vips', 'jxlsave', 'srca.png', 'alpha.jxl', '--lossless');
    tool('vips', 'colourspace', 'src.png', 'grey.v', 'b-w');
    tool('vips', 'jxlsave', 'grey.v', 'grey.jxl', '--lossless');
    writeFileSync(join(dir, 'boxed.jxl'), contained(readFileSync(join(dir, 'lossless.jxl'))));
    for (const file of ['lossless.jxl', 'alpha.jxl', 'grey.jxl', 'boxed.jxl']) {
      const diff = firstDifference(await render(file), reference(file));
      assert.equal(diff, undefined, `${file}: ${diff}`);
    }
    // The source's own pixels too: libjxl's lossless is lossless.
    assert.equal(firstDifference(await render('lossless.jxl'), magickReference(dir, 'src.png')), undefined);
    const props = async (file: string) => properties((await fixture!.get(`/is/image/${file}?req=imageprops`)).text);
    const grey = await props('grey.jxl');
    assert.deepEqual([grey.get('image.width'), grey.get('image.height'), grey.get('image.pixTyp'), grey.get('image.mask')], [String(W), String(H), 'BW', '0']);
    assert.equal((await props('alpha.jxl')).get('image.mask'), '2');
    assert.equal((await props('boxed.jxl')).get('image.pixTyp'), 'RGB');
  });

  test('lossy: within 30 dB of libjxl\'s decode (with alpha, within 16) and of the source', async (t) => {
    tool('vips', 'jxlsave', 'srca.png', 'lossy.jxl', '--Q', '85');
    const got = await render('lossy.jxl');
    const ofDecode = compare(got, reference('lossy.jxl'));
    // The source's own colours, from an opaque and smoother picture (the plasma's pixel noise costs
    // any lossy coder its decibels at this size; an encoder may change colours under transparency).
    tool('convert', 'src.png', '-blur', '0x1.5', 'smooth.png');
    tool('vips', 'jxlsave', 'smooth.png', 'smooth.jxl', '--Q', '90');
    const ofSource = compare(await render('smooth.jxl'), magickReference(dir, 'smooth.png'));
    t.diagnostic(`${ofDecode.psnr.toFixed(1)} dB from libjxl's decode, ${ofSource.psnr.toFixed(1)} dB from the source, alpha within ${ofDecode.alpha}`);
    assert.ok(ofDecode.psnr >= 30 && ofSource.psnr >= 30, `${ofDecode.psnr} / ${ofSource.psnr} dB`);
    assert.ok(ofDecode.alpha <= 16, `alpha ${ofDecode.alpha}`);
  });

  test('a size past the limits claimed in a few bytes, and damaged files: a 403, the server serving on', async () => {
    // A SizeHeader of 1073741824 rows at 1:1, then all-default metadata: 6 bytes claiming an exapixel.
    let bits = 0n;
    let at = 0n;
    const put = (value: number, n: number) => ((bits |= BigInt(value) << at), (at += BigInt(n)));
    put(0, 1); // not div8
    put(3, 2); // height in 30 bits
    put(2 ** 30 - 1, 30);
    put(1, 3); // width: the 1:1 ratio
    put(1, 1); // all_default metadata
    const size = Buffer.alloc(6);
    for (let i = 0; i < 6; i++) size[i] = Number((bits >> BigInt(8 * i)) & 0xffn);
    writeFileSync(join(dir, 'huge.jxl'), Buffer.concat([Buffer.from([0xff, 0x0a]), size]));
    await refused(fixture!, 'huge.jxl', /too large \(1073741824x1073741824\)/);
    tool('vips', 'jxlsave', 'src.png', 'good.jxl', '--Q', '85');
    const good = readFileSync(join(dir, 'good.jxl'));
    writeFileSync(join(dir, 'cut.jxl'), good.subarray(0, good.length >> 1));
    await refused(fixture!, 'cut.jxl', /corrupt: its JPEG XL data cannot be decoded/);
    writeFileSync(join(dir, 'header-cut.jxl'), good.subarray(0, 3));
    await refused(fixture!, 'header-cut.jxl', /corrupt: JPEG XL codestream ends inside its header/);
    writeFileSync(join(dir, 'no-codestream.jxl'), contained(good).subarray(0, 32));
    await refused(fixture!, 'no-codestream.jxl', /corrupt: JPEG XL (container without its codestream|box runs past the end)/);
    const noise = Buffer.from(good);
    noise.fill(0x5a, 12, noise.length);
    writeFileSync(join(dir, 'noise.jxl'), noise);
    await refused(fixture!, 'noise.jxl', /corrupt: .*JPEG XL/);
    assert.equal((await fixture!.get('/is/image/good.jxl?wid=20&fmt=png')).status, 200);
  });

  test('fuzzed headers: 500 mutated or cut codestream and container headers are read or refused with a 403, nothing else', () => {
    const good = readFileSync(join(dir, 'good.jxl'));
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n;
    let refusedCount = 0;
    for (let i = 0; i < 500; i++) {
      const file = i % 2 ? contained(Buffer.from(good)) : Buffer.from(good);
      const head = i % 2 ? 60 : 24;
      for (let k = 0; k < 1 + random(3); k++) file[2 + Math.floor(random(head))] = Math.floor(random(256));
      try {
        const info = sniff(random(1) < 0.2 ? file.subarray(0, 2 + Math.floor(random(head))) : file);
        assert.ok(info.width >= 1 && info.height >= 1 && info.width <= 2 ** 30 && info.height <= 2 ** 30);
      } catch (err) {
        assert.ok(err instanceof IsError && err.status === 403, `mutation ${i}: ${err}`);
        refusedCount++;
      }
    }
    assert.ok(refusedCount > 0 && refusedCount < 500, `${refusedCount} refused`);
  });
});

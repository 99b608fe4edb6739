import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeTiff } from '../../src/pipeline/tiff-decode.ts';
import { sniff } from '../../src/planning/source-formats.ts';
import { shrinkOnLoad } from '../../src/planning/shrink.ts';
import { codecs } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, renderedPng, run, skipUnless } from '../helpers/tools.ts';

/**
 * Shrink-on-load of JPEG-compressed TIFFs: a page of JPEG tiles (libvips) or strips (libtiff's
 * tiffcp) wanted much smaller is decoded at 1/2, 1/4 or 1/8, chunk by chunk, as a JPEG source is.
 * The reference is the same request on an uncompressed copy of the page (libtiff's full decode,
 * then Isle's resize): within 30 dB; and the decoder delivers a fraction of the pixels.
 */
const SKIP = skipUnless('convert', 'vips', 'tiffcp');
const dir = temporaryFolder('isle-tiff-shrink-');
const W = 1000;
const H = 750;
let fixture: Fixture | undefined;
const tool = (name: string, ...args: string[]) => run(dir, name, ...args);

before(async () => {
  await codecs();
  if (SKIP) return;
  tool('convert', '-size', `${W}x${H}`, '-seed', '21', 'plasma:fractal', '-blur', '0x2', '-depth', '8', '-compress', 'none', 'src.tif');
  tool('vips', 'tiffsave', 'src.tif', 'tiles.tif', '--compression', 'jpeg', '--Q', '90', '--tile', '--tile-width', '256', '--tile-height', '256');
  tool('tiffcp', '-c', 'jpeg:90', '-r', '64', 'src.tif', 'strips.tif');
  for (const name of ['tiles', 'strips']) tool('vips', 'copy', `${name}.tif`, `${name}-plain.tif`);
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('JPEG-compressed TIFFs shrink on load', { skip: SKIP }, () => {
  test('tiles and strips wanted at 1/8, 1/4 and 1/2: within 30 dB of a full decode then resize', async (t) => {
    for (const name of ['tiles', 'strips']) {
      for (const wid of [120, 240, 480]) {
        const query = `wid=${wid}&fmt=png`;
        const { psnr } = compare(await renderedPng(fixture!, `${name}.tif`, query), await renderedPng(fixture!, `${name}-plain.tif`, query));
        t.diagnostic(`${name} to ${wid} wide: ${psnr.toFixed(1)} dB`);
        assert.ok(psnr >= 30, `${name} to ${wid}: ${psnr} dB`);
      }
    }
  });

  test('the plan asks a stripped JPEG TIFF for 1/8 (a tiled one has its tiles shrunk as read by region), an uncompressed one for 1/1, and the decoder delivers 1/64 of the pixels', async () => {
    for (const name of ['tiles', 'strips']) {
      const bytes = readFileSync(join(dir, `${name}.tif`));
      const info = sniff(bytes);
      const steps = [{ op: 'resize' as const, width: 120, height: 90, premultiply: false, filter: 'lanczos3' as const }];
      const planned = shrinkOnLoad({ source: { format: 'tiff', size: info, ...(info.shrinkable ? { shrinkable: true } : {}) }, steps });
      if (name === 'strips') assert.equal(planned, 8, name);
      else assert.ok(planned === 1 && info.tiff!.levels[0]!.shrink >= 8, `tiles: planned ${planned}, each tile shrinkable by ${info.tiff!.levels[0]!.shrink}`);
      const plain = sniff(readFileSync(join(dir, `${name}-plain.tif`)));
      assert.equal(shrinkOnLoad({ source: { format: 'tiff', size: plain, ...(plain.shrinkable ? { shrinkable: true } : {}) }, steps }), 1, `${name}-plain`);
      const whole = await decodeTiff(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      const small = await decodeTiff(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), false, undefined, 8);
      assert.deepEqual([whole.width, whole.height, small.width, small.height], [W, H, Math.ceil(W / 8), Math.ceil(H / 8)], name);
      assert.ok(small.data.length * 60 < whole.data.length, `${name}: ${small.data.length} bytes decoded against ${whole.data.length}`);
    }
  });
});

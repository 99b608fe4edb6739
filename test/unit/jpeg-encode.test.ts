import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { compare } from '../../tools/reference.ts';
import { encodeJpeg } from '../../src/image/wasm-codecs.ts';
import { decodeJpegScaled, encodeBaselineJpeg } from '../../src/image/jpeg.ts';
import type { Pixels } from '../../src/image/pixels.ts';
import { codecs, decodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURES } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { ppmOf, run, skipUnless } from '../helpers/tools.ts';

/*
 * Our JPEG encoder (wasm/jpegenc.ts) against libjpeg's own, cjpeg: the same quantisation tables at
 * every quality, and its sizes and fidelity; its files read back by MozJPEG.
 */

before(() => codecs());

/** The quantisation tables a file defines, by table id, in the order written. */
function quantisationTables(bytes: Uint8Array): Map<number, number[]> {
  const tables = new Map<number, number[]>();
  for (let i = 2; i + 4 <= bytes.length && bytes[i + 1] !== 0xda; i += 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!)) {
    if (bytes[i + 1] !== 0xdb) continue;
    const end = i + 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
    for (let at = i + 4; at < end; at += 65) tables.set(bytes[at]! & 15, [...bytes.subarray(at + 1, at + 65)]);
  }
  return tables;
}

/** libjpeg's encode of `image` at `quality` (4:2:0, tables clamped to 8 bits, optimised Huffman tables, its integer DCT). */
function cjpeg(dir: string, image: Pixels, quality: number): Uint8Array {
  writeFileSync(join(dir, 'source.ppm'), ppmOf(image));
  run(dir, 'cjpeg', '-quality', String(quality), '-baseline', '-optimize', '-outfile', 'libjpeg.jpg', 'source.ppm');
  return readFileSync(join(dir, 'libjpeg.jpg'));
}

test("the encoder quantises as libjpeg does: cjpeg's tables at every quality, its sizes and fidelity", { skip: skipUnless('cjpeg') }, async (t) => {
  const dir = temporaryFolder('isle-jpeg-encode-');
  const source = await decodeImage(readFileSync(join(FIXTURES, 'orientation-2.jpg')));
  for (const quality of [1, 20, 50, 80, 95, 100]) {
    const ours = quantisationTables(new Uint8Array(encodeBaselineJpeg(source, { quality, fullChroma: false, gray: false })));
    assert.deepEqual(ours, quantisationTables(cjpeg(dir, source, quality)), `q${quality}: luma and chroma tables`);
  }
  for (const quality of [50, 80, 90]) {
    const ours = new Uint8Array(encodeBaselineJpeg(source, { quality, fullChroma: false, gray: false }));
    const theirs = cjpeg(dir, source, quality);
    const a = compare(await decodeImage(ours), source);
    const b = compare(await decodeImage(theirs), source);
    t.diagnostic(`q${quality} 4:2:0: ours ${ours.length} B, PSNR ${a.psnr.toFixed(2)}; cjpeg ${theirs.length} B, PSNR ${b.psnr.toFixed(2)}`);
    assert.ok(ours.length < theirs.length * 1.05, `q${quality}: within 5% of libjpeg's size`);
    assert.ok(a.psnr > b.psnr - 0.3, `q${quality}: within 0.3 dB of libjpeg's PSNR`);
  }
});

test('the encoder writes files MozJPEG decodes: partial MCUs, one pixel, full chroma, grey, the ends of the quality range', async () => {
  const source = await decodeImage(readFileSync(join(FIXTURES, 'orientation-2.jpg')));
  for (const [w, h] of [[1, 1], [17, 9], [33, 65], [600, 450]] as const) {
    const image = w === 600 ? source : synth(w, h, (x, y) => [(x * 29) % 256, (y * 41) % 256, ((x + y) * 13) % 256, 255]);
    for (const options of [
      { quality: 80, fullChroma: false, gray: false },
      { quality: 100, fullChroma: true, gray: false },
      { quality: 1, fullChroma: false, gray: false },
      { quality: 90, fullChroma: false, gray: true },
    ]) {
      const bytes = new Uint8Array(await encodeJpeg(image, options));
      const decoded = await decodeImage(bytes);
      assert.deepEqual([decoded.width, decoded.height], [w, h]);
      // Our decoder declines a 0xFF without its stuffed zero as damage, where libjpeg only warns.
      const declined = { corrupt: false };
      const own = decodeJpegScaled(bytes.slice().buffer, 1, declined);
      assert.ok(own && !declined.corrupt, `${w}x${h} q${options.quality}: our decoder takes the file`);
      assert.ok(compare(own, decoded).maxDiff <= 6, `${w}x${h} q${options.quality}: our decoder and MozJPEG agree`);
      // SOF0: one component for grey, else three with luma sampled 2x2 unless full chroma, chroma on table 1.
      const sof = bytes.findIndex((v, i) => v === 0xff && bytes[i + 1] === 0xc0);
      assert.equal(bytes[sof + 9], options.gray ? 1 : 3);
      if (!options.gray) assert.deepEqual([bytes[sof + 11], bytes[sof + 12], bytes[sof + 15], bytes[sof + 18]], [options.fullChroma ? 0x11 : 0x22, 0, 1, 1]);
      if (options.quality === 100 && w > 1) assert.ok(compare(decoded, image).psnr > 40, `${w}x${h} q100 PSNR`);
    }
  }
});

test('quality orders file sizes', () => {
  const image = synth(256, 256, (x, y) => [(x * y) % 256, (x * 3) % 256, (y * 5) % 256, 255]);
  const sizes = [20, 50, 80, 95].map((quality) => encodeBaselineJpeg(image, { quality, fullChroma: false, gray: false }).byteLength);
  assert.deepEqual([...sizes].sort((a, b) => a - b), sizes);
});

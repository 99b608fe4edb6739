import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { lumaAt, type Pixels } from '../../src/image/pixels.ts';
import { lzwDecode, lzwEncode, packBitsDecode, packBitsEncode } from '../../src/image/tiff-codecs.ts';
import { encodeTiff, MemorySink, TiffWriter, type TiffCompression, type TiffPageOptions, type TiffSamples } from '../../src/image/tiff.ts';
import { decodePng } from '../../src/image/png-decode.ts';
import { decodeTiff } from '../../src/pipeline/tiff-decode.ts';
import { compare } from '../../tools/reference.ts';
import { codecs, synth } from '../helpers/pixels.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { run, skipUnless } from '../helpers/tools.ts';

/*
 * The TIFF writer (src/image/tiff.ts) and its table of compressions, read back by our own reader
 * and by libtiff (tiffinfo, tiffcp) and libvips as independent readers: lossless compressions give
 * the exact pixels, JPEG at quality 95 at least 40 dB.
 */

before(() => codecs());

/** A smooth photograph-like image with an alpha ramp: JPEG's usual material, and every sample value in play. */
const image = synth(301, 203, (x, y) => [(x * 255) / 300, (y * 255) / 202, 128 + 100 * Math.sin(x / 17) * Math.cos(y / 13), 255 - ((x + y) % 256)]);

const ALL: TiffCompression[] = ['none', 'deflate', 'lzw', 'packbits', 'jpeg'];
const SAMPLES: TiffSamples[] = ['rgb', 'rgba', 'gray', 'cmyk'];

/** What a reader should give back for these samples: alpha opaque unless kept, grey as luma in all three. */
function expected(samples: TiffSamples): Pixels {
  if (samples === 'rgba' || samples === 'cmyk') return image;
  const data = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < data.length; i += 4) {
    if (samples === 'gray') data.fill(lumaAt(image.data, i), i, i + 3);
    else data.set(image.data.subarray(i, i + 3), i);
    data[i + 3] = 255;
  }
  return { ...image, data };
}

/** A file's bytes as an ArrayBuffer of their own. */
const bytesOf = (path: string) => new Uint8Array(readFileSync(path)).buffer;

const file = (options: TiffPageOptions, pages = 1, big = false) => {
  const sink = new MemorySink();
  const writer = new TiffWriter(sink, big);
  writer.addPage(image, options);
  for (let p = 1; p < pages; p++) writer.addPage(synth(Math.ceil(image.width / 2 ** p), Math.ceil(image.height / 2 ** p), () => [p * 40, 0, 0, 255]), { ...options, reduced: true });
  return new Uint8Array(sink.file(writer.finish()));
};

for (const compression of ALL) {
  for (const samples of SAMPLES) {
    if (compression === 'jpeg' && (samples === 'rgba' || samples === 'cmyk')) continue;
    for (const tile of [undefined, 64]) {
      test(`${compression}, ${samples}, ${tile ? 'tiles' : 'strips'}: our reader reads back ${compression === 'jpeg' ? 'at least 40 dB' : 'the exact pixels'}`, async () => {
        const bytes = file({ samples, compression, dpi: 150, ...(tile ? { tile } : {}) });
        // CMYK pixels hold their inks, and are read back as the four inks.
        const decoded = await decodeTiff(bytes.slice().buffer, false);
        assert.equal(decoded.width, image.width);
        assert.equal(decoded.height, image.height);
        const { maxDiff, psnr } = compare(decoded, expected(samples));
        if (compression === 'jpeg') assert.ok(psnr >= 40, `${psnr.toFixed(1)} dB`);
        else assert.equal(maxDiff, 0);
      });
    }
  }
}

test('every compression, strips and tiles, three pages: tiffinfo reads every directory, tiffcp -c none and vips give the pixels', { skip: skipUnless('tiffcp', 'vips') }, async () => {
  const dir = temporaryFolder('isle-tiff-writer-');
  for (const compression of ALL) {
    for (const tile of [undefined, 64]) {
      const name = `${compression}-${tile ?? 'strips'}`;
      writeFileSync(join(dir, `${name}.tif`), file({ samples: 'rgb', compression, dpi: 150, ...(tile ? { tile } : {}) }, 3));
      const info = spawnSync('tiffinfo', [`${name}.tif`], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      assert.equal(info.status, 0, info.stderr);
      assert.doesNotMatch(info.stderr, /error|warning/i, `${name}: ${info.stderr}`);
      assert.equal(info.stdout.match(/TIFF Directory/g)?.length, 3, name);
      assert.match(info.stdout, /Resolution: 150, 150 pixels\/inch/);
      // libtiff's own decompression, into a file our reader takes as plain samples.
      run(dir, 'tiffcp', '-c', 'none', `${name}.tif`, `${name}-plain.tif`);
      const plain = await decodeTiff(bytesOf(join(dir, `${name}-plain.tif`)), false);
      run(dir, 'vips', 'copy', `${name}.tif`, `${name}.png`);
      const viaVips = decodePng(readFileSync(join(dir, `${name}.png`)));
      for (const [reader, pixels] of [['tiffcp', plain], ['vips', viaVips]] as const) {
        const { maxDiff, psnr } = compare(pixels, expected('rgb'));
        if (compression === 'jpeg') assert.ok(psnr >= 40, `${name} through ${reader}: ${psnr.toFixed(1)} dB`);
        else assert.equal(maxDiff, 0, `${name} through ${reader}`);
      }
      // The reduced pages, as libvips sees them.
      const width = run(dir, 'vipsheader', '-f', 'width', `${name}.tif[page=2]`).toString().trim();
      assert.equal(width, String(Math.ceil(image.width / 4)));
    }
  }
});

test('grey JPEG and full-chroma JPEG are read by libtiff; alpha and CMYK are refused for JPEG', { skip: skipUnless('tiffcp') }, () => {
  const dir = temporaryFolder('isle-tiff-writer-');
  writeFileSync(join(dir, 'gray.tif'), file({ samples: 'gray', compression: 'jpeg', dpi: 72, tile: 64 }));
  writeFileSync(join(dir, 'full.tif'), file({ samples: 'rgb', compression: 'jpeg', fullChroma: true, dpi: 72 }));
  run(dir, 'tiffcp', '-c', 'none', 'gray.tif', 'gray-plain.tif');
  run(dir, 'tiffcp', '-c', 'none', 'full.tif', 'full-plain.tif');
  assert.match(run(dir, 'tiffinfo', 'full.tif').toString(), /YCbCr Subsampling: 1, 1/);
  assert.throws(() => file({ samples: 'rgba', compression: 'jpeg', dpi: 72 }), /JPEG compression of rgba/);
  assert.throws(() => file({ samples: 'cmyk', compression: 'jpeg', dpi: 72 }), /JPEG compression of cmyk/);
});

test('a BigTIFF when asked: version 43, every page read by libtiff and by our reader', { skip: skipUnless('tiffcp') }, async () => {
  const dir = temporaryFolder('isle-tiff-writer-');
  const bytes = file({ samples: 'rgb', compression: 'lzw', dpi: 72, tile: 64 }, 2, true);
  assert.equal(new DataView(bytes.buffer).getUint16(2, true), 43);
  writeFileSync(join(dir, 'big.tif'), bytes);
  assert.equal(run(dir, 'tiffinfo', 'big.tif').toString().match(/TIFF Directory/g)?.length, 2);
  assert.equal(compare(await decodeTiff(bytes.slice().buffer, false), expected('rgb')).maxDiff, 0);
  // A small file without the flag stays classic.
  assert.equal(new DataView(file({ samples: 'rgb', compression: 'lzw', dpi: 72 }).buffer).getUint16(2, true), 42);
});

test('fmt=tif in one call: an ICC profile and XMP are carried in their tags', { skip: skipUnless('tiffcp') }, () => {
  const dir = temporaryFolder('isle-tiff-writer-');
  const icc = Uint8Array.from({ length: 301 }, (_, i) => i & 255);
  const xmp = new TextEncoder().encode('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
  writeFileSync(join(dir, 'meta.tif'), new Uint8Array(encodeTiff(image, { samples: 'rgb', compression: 'deflate', dpi: 72, icc, xmp })));
  const info = run(dir, 'tiffinfo', 'meta.tif').toString();
  assert.match(info, /ICC Profile: <present>, 301 bytes/);
  assert.match(info, /XMLPacket \(XMP Metadata\):/);
});

test('LZW and PackBits encoders: any bytes round-trip through the decoders', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.integer({ min: 1, max: 700 }), (bytes, rowBytes) => {
      assert.deepEqual(lzwDecode(lzwEncode(bytes), bytes.length), bytes);
      assert.deepEqual(packBitsDecode(packBitsEncode(bytes, rowBytes), bytes.length), bytes);
    }),
    { numRuns: 200 },
  );
  // Long runs take the table through its Clear codes (4094 entries) more than once.
  const runs = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 9)) & 0xff);
  assert.deepEqual(lzwDecode(lzwEncode(runs), runs.length), runs);
});

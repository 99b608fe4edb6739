import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePngReference } from '../helpers/pixels.ts';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { faxDecode, type FaxCoding } from '../../src/image/ccitt.ts';
import { DamagedTiff } from '../../src/image/tiff-codecs.ts';
import { readTiffPage } from '../../src/planning/tiff-header.ts';
import { compare, firstDifference, hasTool, skipUnless } from '../helpers/tools.ts';

/**
 * CCITT-compressed TIFF sources (modified Huffman RLE, Group 3 one- and two-dimensional, Group 4)
 * written at test time by libtiff (tiffcp, and its own RLE encoder through python3's ctypes), libvips
 * and ImageMagick, each compared exactly with libvips' decode (libtiff's decoder); damaged streams
 * are a 403 and the server serves on.
 */
const SKIP = skipUnless('convert', 'vips', 'tiffcp');

const dir = temporaryFolder('isle-ccitt-');
let fixture: Fixture;
// Wider than 1792 pixels, so runs need the make-up codes T.4 shares between colours.
const WIDTH = 2000;
const HEIGHT = 48;

function run(tool: string, ...args: string[]): string {
  const r = spawnSync(tool, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${tool} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function reference(file: string) {
  run('vips', 'copy', file, `${file}.ref.png`);
  return decodePngReference(readFileSync(join(dir, `${file}.ref.png`)));
}

async function render(file: string) {
  const reply = await fixture.get(`/is/image/${file}?wid=${WIDTH}&fmt=png`);
  assert.equal(reply.status, 200, `${file}: ${reply.status} ${errorMessage(reply.text)}`);
  return decodePngReference(reply.body);
}

/** libtiff's own CCITT RLE encoder (compression 2), which none of its tools offers, called from python3. */
const RLE_WRITER = `
import ctypes, sys
t = ctypes.CDLL('libtiff.so.6')
t.TIFFOpen.restype = ctypes.c_void_p
head, size, pixels = open(sys.argv[1], 'rb').read().split(b'\\n', 2)
w, h = map(int, size.split())
rb = (w + 7) // 8
f = ctypes.c_void_p(t.TIFFOpen(sys.argv[2].encode(), b'w'))
for tag, v in [(256, w), (257, h), (258, 1), (277, 1), (259, 2), (262, 0), (278, 16)]:
    t.TIFFSetField(f, ctypes.c_uint32(tag), ctypes.c_int(v))
for y in range(h):
    assert t.TIFFWriteScanline(f, ctypes.create_string_buffer(pixels[y * rb:(y + 1) * rb], rb), ctypes.c_uint32(y), ctypes.c_uint16(0)) >= 0
t.TIFFClose(f)
`;

before(async () => {
  if (SKIP) return;
  // Dithered noise (short runs of both colours), a white band and a black bar across (long runs).
  run('convert', '-size', `${WIDTH}x${HEIGHT}`, '-seed', '5', 'plasma:fractal', '-monochrome', '-fill', 'white', '-draw', `rectangle 0,0 ${WIDTH - 1},8`,
    '-fill', 'black', '-draw', `rectangle 10,30 ${WIDTH - 5},36`, '-type', 'bilevel', '-depth', '1', '-compress', 'none', 'bw.tif');
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

const FILES: [string, string[], string][] = [
  ['g3-1d', ['tiffcp', '-c', 'g3', '-r', '16', 'bw.tif', 'g3-1d.tif'], 'libtiff, Group 3 one-dimensional, strips of 16 rows'],
  ['g3-2d', ['tiffcp', '-c', 'g3:2d', 'bw.tif', 'g3-2d.tif'], 'libtiff, Group 3 two-dimensional'],
  ['g3-2d-fill', ['tiffcp', '-c', 'g3:2d:fill', 'bw.tif', 'g3-2d-fill.tif'], 'libtiff, Group 3 two-dimensional, byte-aligned EOLs'],
  ['g4', ['tiffcp', '-c', 'g4', '-r', '16', 'bw.tif', 'g4.tif'], 'libtiff, Group 4, strips of 16 rows'],
  ['g4-tiles', ['tiffcp', '-c', 'g4', '-t', '-w', '256', '-l', '16', 'bw.tif', 'g4-tiles.tif'], 'libtiff, Group 4 tiles'],
  ['g4-lsb', ['tiffcp', '-c', 'g4', '-f', 'lsb2msb', 'bw.tif', 'g4-lsb.tif'], 'libtiff, Group 4, FillOrder 2'],
  ['g3-lsb', ['tiffcp', '-c', 'g3:2d', '-f', 'lsb2msb', 'bw.tif', 'g3-lsb.tif'], 'libtiff, Group 3 two-dimensional, FillOrder 2'],
  ['magick-fax', ['convert', 'bw.tif', '-compress', 'fax', 'magick-fax.tif'], 'ImageMagick, Group 3'],
  ['magick-g4', ['convert', 'bw.tif', '-compress', 'group4', 'magick-g4.tif'], 'ImageMagick, Group 4'],
  ['vips-g4', ['vips', 'tiffsave', 'bw.tif', 'vips-g4.tif', '--compression', 'ccittfax4', '--bitdepth', '1'], 'libvips, Group 4, min-is-black'],
];

describe('CCITT TIFF sources against libtiff', { skip: SKIP }, () => {
  test('Group 3 (1-D, 2-D, fill bits), Group 4 (strips, tiles), both fill orders, both photometrics: exact', async (t) => {
    for (const [name, [tool, ...args], what] of FILES) {
      run(tool!, ...args);
      const got = await render(`${name}.tif`);
      const want = await reference(`${name}.tif`);
      t.diagnostic(`${what}: ${compare(got, want).psnr === Infinity ? 'exact' : 'differs'}`);
      assert.equal(firstDifference(got, want), undefined, `${name} (${what})`);
    }
    // The photometric interpretations the files were written with: both are read.
    assert.match(run('tiffinfo', 'vips-g4.tif'), /min-is-black/);
    assert.match(run('tiffinfo', 'magick-g4.tif'), /min-is-white/);
  });

  test('modified Huffman RLE (compression 2) from libtiff\'s own encoder: exact', { skip: hasTool('python3') ? false : 'python3 not installed (it drives libtiff\'s RLE encoder)' }, async () => {
    run('convert', 'bw.tif', 'bw.pbm');
    writeFileSync(join(dir, 'rle.py'), RLE_WRITER);
    run('python3', 'rle.py', 'bw.pbm', 'rle.tif');
    assert.match(run('tiffinfo', 'rle.tif'), /CCITT RLE/);
    const got = await render('rle.tif');
    assert.equal(firstDifference(got, await reference('rle.tif')), undefined);
  });

  test('damaged CCITT streams and uncompressed mode: a 403 each, the server serving on', async () => {
    run('tiffcp', '-c', 'g4', '-r', '16', 'bw.tif', 'good-g4.tif');
    run('tiffcp', '-c', 'g3:2d', '-r', '16', 'bw.tif', 'good-g3.tif');
    const change = (from: string, name: string, edit: (b: Buffer) => void) => {
      const b = readFileSync(join(dir, from));
      edit(b);
      writeFileSync(join(dir, name), b);
    };
    const strips = (b: Buffer) => ({ offset: b.readUInt32LE(b.readUInt32LE(entryAt(b, 273) + 8)), count: entryAt(b, 279) });
    // The first strip's bytes zeroed: no code of either group is all zeros.
    change('good-g4.tif', 'zeros-g4.tif', (b) => b.fill(0, strips(b).offset, strips(b).offset + 40));
    change('good-g3.tif', 'ones-g3.tif', (b) => b.fill(0xff, strips(b).offset + 2, strips(b).offset + 40));
    // The first strip's byte count cut to 4: its 16 rows end early.
    change('good-g4.tif', 'short-g4.tif', (b) => b.writeUInt32LE(4, b.readUInt32LE(strips(b).count + 8)));
    // T4Options bit 1: uncompressed mode allowed in the stream.
    change('good-g3.tif', 'uncompressed-g3.tif', (b) => b.writeUInt32LE(b.readUInt32LE(entryAt(b, 292) + 8) | 2, entryAt(b, 292) + 8));
    for (const [file, message] of [
      ['zeros-g4.tif', /corrupt: a CCITT strip/],
      ['ones-g3.tif', /corrupt: .*CCITT/],
      ['short-g4.tif', /corrupt: a CCITT strip/],
      ['uncompressed-g3.tif', /TIFF sources with CCITT uncompressed mode are not supported/],
    ] as const) {
      const reply = await fixture.get(`/is/image/${file}?wid=100&fmt=png`);
      assert.equal(reply.status, 403, `${file}: ${reply.status}`);
      assert.match(errorMessage(reply.text), message, file);
    }
    assert.equal((await fixture.get('/is/image/good-g4.tif?wid=100&fmt=png')).status, 200);
  });

  test('fuzzed: 300 mutated or cut strips of each coding decode to exactly their rows or end as damaged, nothing else', async (t) => {
    run('tiffcp', '-c', 'g4', '-r', '16', 'bw.tif', 'fuzz-g4.tif');
    run('tiffcp', '-c', 'g3:2d', '-r', '16', 'bw.tif', 'fuzz-g3.tif');
    run('tiffcp', '-c', 'g3', '-r', '16', 'bw.tif', 'fuzz-g3-1d.tif');
    let seed = 31;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n;
    for (const [file, coding, twoD] of [['fuzz-g4.tif', 'g4', false], ['fuzz-g3.tif', 'g3', true], ['fuzz-g3-1d.tif', 'g3', false]] as [string, FaxCoding, boolean][]) {
      const bytes = new Uint8Array(readFileSync(join(dir, file)));
      const page = readTiffPage(bytes);
      const strip = bytes.subarray(page.offsets[1]!, page.offsets[1]! + page.counts[1]!);
      assert.equal(faxDecode(strip, coding, twoD, WIDTH, 16).length, (WIDTH / 8) * 16, `${file}: the strip as written`);
      let damaged = 0;
      for (let i = 0; i < 300; i++) {
        const mutated = Uint8Array.from(strip);
        for (let k = 0; k < 1 + random(4); k++) mutated[Math.floor(random(mutated.length))] = Math.floor(random(256));
        const input = random(1) < 0.25 ? mutated.subarray(0, Math.floor(random(mutated.length))) : mutated;
        try {
          assert.equal(faxDecode(input, coding, twoD, WIDTH, 16).length, (WIDTH / 8) * 16);
        } catch (err) {
          assert.ok(err instanceof DamagedTiff, `${file}, mutation ${i}: ${err}`);
          damaged++;
        }
      }
      t.diagnostic(`${file}: ${damaged} of 300 mutations refused as damaged, ${300 - damaged} decoded to their 16 rows`);
    }
  });
});

/** The directory entry of a tag in the first directory of a little-endian file. */
function entryAt(b: Buffer, tag: number): number {
  assert.equal(b.toString('latin1', 0, 2), 'II');
  const ifd = b.readUInt32LE(4);
  for (let i = 0; i < b.readUInt16LE(ifd); i++) if (b.readUInt16LE(ifd + 2 + i * 12) === tag) return ifd + 2 + i * 12;
  throw new Error(`no tag ${tag}`);
}

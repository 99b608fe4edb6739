import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { IsError } from '../../src/protocol/errors.ts';
import { bmpHeader } from '../../src/planning/bmp-header.ts';
import { decodeBmp } from '../../src/pipeline/bmp-decode.ts';
import { displayProfile } from '../../tools/fixtures/icc.ts';
import { codecs } from '../helpers/pixels.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { firstDifference, magickReference, run, skipUnless } from '../helpers/tools.ts';

/**
 * BMP against ImageMagick's own decodes: files it wrote (1, 4, 8, 24 bits, RLE8, 5-5-5 and 5-6-5
 * bit fields, 32-bit with alpha, OS/2 and V5 headers, an embedded profile), and its files changed
 * here byte by byte where it writes no such variant (top-down rows, a V4 header, 16-bit BI_RGB,
 * RLE4), still decoded by ImageMagick for the reference; then damaged files.
 */
const SKIP = skipUnless('convert');
const dir = temporaryFolder('isle-bmp-');
const W = 61;
const H = 37;
const magick = (...args: string[]) => run(dir, 'convert', ...args);
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const refusal = (message: RegExp) => (err: unknown) => err instanceof IsError && err.status === 403 && message.test(err.message);
const damaged = refusal(/^The source image is corrupt: BMP /);

/** Ours against ImageMagick's: alpha exactly, colours exactly wherever a pixel shows. */
function same(name: string) {
  const got = decodeBmp(file(name));
  const want = magickReference(dir, name);
  // A transparent pixel's colour is nobody's: its alpha is compared, not its colour.
  for (let i = 0; i < got.data.length; i += 4) if (want.data[i + 3] === 0) got.data.fill(0, i, i + 3), want.data.fill(0, i, i + 3);
  const diff = firstDifference(got, want);
  assert.equal(diff, undefined, `${name}: ${diff}`);
  return got;
}

/** A file of ImageMagick's, edited, saved for ImageMagick to read back. */
function edited(from: string, name: string, f: (v: DataView, b: Uint8Array) => Uint8Array | void): string {
  const b = file(from);
  const out = f(new DataView(b.buffer, b.byteOffset, b.byteLength), b) ?? b;
  new DataView(out.buffer, out.byteOffset).setUint32(2, out.length, true); // the file's size, which ImageMagick checks
  writeFileSync(join(dir, name), out);
  return name;
}

const ICC = displayProfile('BMP test');

before(async () => {
  await codecs(); // the kernels the project's PNG reader runs on, for the references
  if (SKIP) return;
  writeFileSync(join(dir, 'test.icc'), ICC);
  magick('-size', `${W}x${H}`, '-seed', '7', 'plasma:fractal', '-depth', '8', 'src.png');
  magick('src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', 'srca.png');
});

describe('BMP against ImageMagick', { skip: SKIP }, () => {
  const cases: [string, string[], Partial<ReturnType<typeof bmpHeader>>][] = [
    ['1.bmp', ['src.png', '-colors', '2', '-compress', 'None', 'BMP3:1.bmp'], { bitCount: 1, pixelType: 'indexed', compression: 'none' }],
    ['4.bmp', ['src.png', '-colors', '16', '-compress', 'None', 'BMP3:4.bmp'], { bitCount: 4, compression: 'none' }],
    ['8.bmp', ['src.png', '-colors', '200', '-compress', 'None', 'BMP3:8.bmp'], { bitCount: 8, compression: 'none' }],
    ['rle8.bmp', ['src.png', '-colors', '200', '-compress', 'RLE', 'BMP3:rle8.bmp'], { bitCount: 8, compression: 'rle8' }],
    ['24.bmp', ['src.png', 'BMP3:24.bmp'], { bitCount: 24, pixelType: 'rgb', bits: 8 }],
    ['os2.bmp', ['src.png', 'BMP2:os2.bmp'], { bitCount: 24 }],
    ['555.bmp', ['src.png', '-define', 'bmp:subtype=RGB555', '555.bmp'], { bitCount: 16, compression: 'bitfields', bits: 5 }],
    ['565.bmp', ['src.png', '-define', 'bmp:subtype=RGB565', '565.bmp'], { bitCount: 16, compression: 'bitfields', bits: 6 }],
    ['32a.bmp', ['srca.png', '32a.bmp'], { bitCount: 32, compression: 'bitfields', alpha: 'unassociated' }],
  ];
  for (const [name, args, expected] of cases) {
    test(`${name}: exactly ImageMagick's pixels`, () => {
      magick(...args);
      const h = bmpHeader(file(name));
      assert.deepEqual([h.width, h.height, h.topDown], [W, H, false]);
      for (const [key, value] of Object.entries(expected)) assert.equal(h[key as keyof typeof h], value, key);
      same(name);
    });
  }

  test('a V5 header with an embedded profile: its bytes where they lie', () => {
    magick('src.png', '-profile', 'test.icc', 'icc.bmp');
    const bytes = file('icc.bmp');
    const h = bmpHeader(bytes);
    assert.ok(h.icc && Buffer.from(bytes.subarray(h.icc.offset, h.icc.offset + h.icc.length)).equals(ICC));
    same('icc.bmp');
  });

  test('top-down rows (a negative height)', () => {
    magick('src.png', 'BMP3:up.bmp');
    const name = edited('up.bmp', 'down.bmp', (v) => v.setInt32(22, -H, true));
    assert.equal(bmpHeader(file(name)).topDown, true);
    same(name);
  });

  test('a V4 header (108 bytes), and 16-bit BI_RGB: 5-5-5 whatever masks the header holds', () => {
    magick('src.png', '-define', 'bmp:subtype=RGB555', 'v5.bmp');
    const v4 = edited('v5.bmp', 'v4.bmp', (v, b) => {
      v.setUint32(14, 108, true);
      v.setUint32(10, v.getUint32(10, true) - 16, true);
      return Uint8Array.from([...b.subarray(0, 14 + 108), ...b.subarray(14 + 124)]);
    });
    same(v4);
    const plain = edited('v5.bmp', 'rgb16.bmp', (v) => {
      v.setUint32(30, 0, true);
      v.setUint32(54, 0x1f, true); // a mask BI_RGB must not follow
    });
    assert.deepEqual(bmpHeader(file(plain)).masks, [0x7c00, 0x3e0, 0x1f, 0]);
    same(plain);
  });

  test('RLE4, which ImageMagick reads but does not write: runs, absolute runs, ends of line', () => {
    magick('src.png', '-colors', '16', '-compress', 'None', 'BMP3:4src.bmp');
    const name = edited('4src.bmp', 'rle4.bmp', (v, b) => {
      const h = bmpHeader(b);
      const index = (r: number, x: number) => (b[h.dataOffset + r * h.stride + (x >> 1)]! >> (x & 1 ? 0 : 4)) & 15;
      const codes: number[] = [];
      for (let r = 0; r < H; r++) {
        const row = Array.from({ length: W }, (_, x) => index(r, x));
        if (r % 2 === 0) {
          // Absolute: the whole row, its nibbles packed, padded to a word.
          const packed = Array.from({ length: Math.ceil(W / 2) }, (_, k) => (row[2 * k]! << 4) | (row[2 * k + 1] ?? 0));
          codes.push(0, W, ...packed, ...(packed.length & 1 ? [0] : []));
        } else {
          for (let x = 0; x < W; x += 2) codes.push(Math.min(2, W - x), (row[x]! << 4) | (row[x + 1] ?? 0));
        }
        codes.push(0, 0);
      }
      codes.push(0, 1);
      v.setUint32(30, 2, true);
      return Uint8Array.from([...b.subarray(0, h.dataOffset), ...codes]);
    });
    assert.equal(bmpHeader(file(name)).compression, 'rle4');
    same(name);
    assert.deepEqual(decodeBmp(file(name)).data, decodeBmp(file('4src.bmp')).data);
  });

  test('the header walk reports its one header, and stops when told to', () => {
    magick('src.png', 'BMP3:step.bmp');
    let steps = 0;
    bmpHeader(file('step.bmp'), () => steps++);
    assert.equal(steps, 1);
    const stop = new IsError(403, 'the account is spent');
    assert.throws(() => bmpHeader(file('step.bmp'), () => { throw stop; }), (err) => err === stop);
  });

  test('refused with a 403 naming the feature: JPEG and PNG inside, 2 and 64 bits a pixel, OS/2 2.x', () => {
    magick('src.png', 'BMP3:plain.bmp');
    const patched = (f: (v: DataView) => void) => {
      const b = file('plain.bmp');
      f(new DataView(b.buffer, b.byteOffset));
      return b;
    };
    assert.throws(() => bmpHeader(patched((v) => v.setUint32(30, 4, true))), refusal(/^BMP sources with JPEG compression are not supported$/));
    assert.throws(() => bmpHeader(patched((v) => v.setUint32(30, 5, true))), refusal(/PNG compression/));
    assert.throws(() => bmpHeader(patched((v) => v.setUint16(28, 2, true))), refusal(/2 bits a pixel/));
    assert.throws(() => bmpHeader(patched((v) => v.setUint16(28, 64, true))), refusal(/64 bits a pixel/));
    assert.throws(() => bmpHeader(patched((v) => v.setUint32(14, 64, true))), refusal(/OS\/2 2\.x/));
  });
});

describe('BMP: damaged files', { skip: SKIP }, () => {
  test('truncated anywhere, offsets past the end, sizes a small file cannot hold: each a 403', () => {
    magick('src.png', 'BMP3:d24.bmp');
    magick('src.png', '-colors', '200', '-compress', 'RLE', 'BMP3:drle.bmp');
    magick('src.png', '-profile', 'test.icc', 'dicc.bmp');
    for (const name of ['d24.bmp', 'drle.bmp']) {
      const bytes = file(name);
      // Without its end-of-image code, RLE data still has every row; the last row may go without its padding.
      const ends = name === 'drle.bmp' ? bytes.length - 2 : bytes.length - 1;
      for (let cut = 0; cut < ends; cut += Math.max(1, Math.floor(bytes.length / 97))) {
        assert.throws(() => decodeBmp(bytes.subarray(0, cut)), damaged, `${name} cut at ${cut}`);
      }
    }
    const edit = (name: string, f: (v: DataView) => void) => {
      const b = file(name);
      f(new DataView(b.buffer, b.byteOffset));
      return b;
    };
    assert.throws(() => bmpHeader(edit('d24.bmp', (v) => v.setUint32(10, 0xfffffff0, true))), damaged, 'pixel data offset');
    assert.throws(() => bmpHeader(edit('d24.bmp', (v) => (v.setInt32(18, 0x7fffffff, true), v.setInt32(22, 0x7fffffff, true)))), damaged, 'a huge size');
    assert.throws(() => bmpHeader(edit('d24.bmp', (v) => v.setInt32(22, -0x80000000, true))), damaged, 'the most negative height');
    assert.throws(() => bmpHeader(edit('dicc.bmp', (v) => v.setUint32(130, 0xffffffff, true))), damaged, 'a profile past the end');
    assert.throws(() => bmpHeader(edit('drle.bmp', (v) => v.setInt32(22, -H, true))), damaged, 'top-down RLE');
    assert.throws(() => bmpHeader(edit('d24.bmp', (v) => v.setUint32(30, 1, true))), damaged, 'RLE8 at 24 bits');
  });

  test('random damage: a decode or a 403, never another error', () => {
    magick('src.png', '-colors', '200', '-compress', 'RLE', 'BMP3:frle.bmp');
    magick('srca.png', 'f32.bmp');
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (const name of ['frle.bmp', 'f32.bmp']) {
      const good = file(name);
      for (let n = 0; n < 200; n++) {
        const bytes = good.slice();
        for (let k = 0; k < 3; k++) bytes[Math.floor(random() * (n % 2 ? 160 : bytes.length))] = Math.floor(random() * 256);
        try {
          decodeBmp(bytes);
        } catch (err) {
          assert.ok(err instanceof IsError && err.status === 403, `${name} case ${n}: ${String(err)}`);
        }
      }
    }
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { IsError } from '../../src/protocol/errors.ts';
import { gifHeader } from '../../src/planning/gif-header.ts';
import { decodeGif } from '../../src/pipeline/gif-decode.ts';
import { codecs } from '../helpers/pixels.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { firstDifference, magickReference, run, skipUnless } from '../helpers/tools.ts';

/**
 * GIF's first frame against ImageMagick's own decode of files it (and libvips) wrote: palettes of
 * 2 to 256 colours, interlaced, transparent, animated, a frame smaller than the screen; damaged
 * files, and LZW data that says more than its frame.
 */
const SKIP = skipUnless('convert', 'vips');
const dir = temporaryFolder('isle-gif-');
const W = 61;
const H = 37;
const magick = (...args: string[]) => run(dir, 'convert', ...args);
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const damaged = (err: unknown) => err instanceof IsError && err.status === 403 && /^The source image is corrupt: GIF /.test(err.message);

/** Ours against ImageMagick's: alpha exactly, colours exactly wherever a pixel shows. */
function same(name: string, flatten = false) {
  const got = decodeGif(file(name));
  if (flatten) magick(`${name}[0]`, '-background', 'none', '-flatten', `${name}.flat.png`);
  const want = flatten ? magickReference(dir, `${name}.flat.png`) : magickReference(dir, name);
  // A transparent pixel's colour is nobody's: its alpha is compared, not its colour.
  for (let i = 0; i < got.data.length; i += 4) if (want.data[i + 3] === 0) got.data.fill(0, i, i + 3), want.data.fill(0, i, i + 3);
  const diff = firstDifference(got, want);
  assert.equal(diff, undefined, `${name}: ${diff}`);
  return got;
}

before(async () => {
  await codecs(); // the kernels the project's PNG reader runs on, for the references
  if (SKIP) return;
  magick('-size', `${W}x${H}`, '-seed', '7', 'plasma:fractal', '-depth', '8', 'src.png');
});

describe('GIF against ImageMagick', { skip: SKIP }, () => {
  for (const [name, args] of [
    ['256.gif', ['src.png']],
    ['16.gif', ['src.png', '-colors', '16']],
    ['2.gif', ['src.png', '-colors', '2']],
    ['interlaced.gif', ['src.png', '-interlace', 'Line']],
  ] as const) {
    test(`${name}: exactly ImageMagick's first frame`, () => {
      magick(...args, name);
      const h = gifHeader(file(name));
      assert.deepEqual([h.width, h.height, h.pixelType, h.bits, h.alpha, h.pages, h.frame.interlaced], [W, H, 'indexed', 8, 'none', 1, name.startsWith('interlaced')]);
      same(name);
    });
  }

  test("libvips's GIF (another LZW encoder): exactly ImageMagick's decode", () => {
    run(dir, 'vips', 'copy', 'src.png', 'vips.gif');
    same('vips.gif');
  });

  test("the palette's transparent entry is alpha 0; the rest opaque", () => {
    magick('src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', '-channel', 'A', '-threshold', '50%', '+channel', 'transparent.gif');
    const h = gifHeader(file('transparent.gif'));
    assert.equal(h.alpha, 'unassociated');
    assert.ok(h.transparentIndex !== undefined);
    const got = same('transparent.gif');
    const alphas = new Set(Array.from({ length: W * H }, (_, p) => got.data[p * 4 + 3]));
    assert.deepEqual([...alphas].sort(), [0, 255]);
  });

  test('an animation: its frames counted, the first one decoded', () => {
    magick('-delay', '10', 'src.png', '(', 'src.png', '-negate', ')', '(', 'src.png', '-flip', ')', 'anim.gif');
    assert.equal(gifHeader(file('anim.gif')).pages, 3);
    same('anim.gif');
  });

  test('the header walk reports each block it reads, and stops when told to', () => {
    magick('-delay', '10', 'src.png', '(', 'src.png', '-negate', ')', '(', 'src.png', '-flip', ')', 'steps.gif');
    let steps = 0;
    gifHeader(file('steps.gif'), () => steps++);
    assert.ok(steps >= 3, `${steps} blocks: a frame each at least`);
    const stop = new IsError(403, 'the account is spent');
    assert.throws(() => gifHeader(file('steps.gif'), () => { throw stop; }), (err) => err === stop);
  });

  test("XMP in its application extension: the packet's bytes where they lie", () => {
    magick('src.png', 'plain.gif');
    const plain = file('plain.gif');
    const packet = Buffer.from('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>');
    // The packet's bytes as they are, then the 258-byte trailer that makes them read as sub-blocks.
    const trailer = Buffer.from([1, ...Array.from({ length: 256 }, (_, i) => 255 - i), 0]);
    const extension = Buffer.concat([Buffer.from([0x21, 0xff, 11]), Buffer.from('XMP DataXMP'), packet, trailer]);
    const at = 13 + (plain[10]! & 0x80 ? 3 << ((plain[10]! & 7) + 1) : 0);
    const bytes = new Uint8Array(Buffer.concat([plain.subarray(0, at), extension, plain.subarray(at)]));
    const h = gifHeader(bytes);
    assert.ok(h.xmp && Buffer.from(bytes.subarray(h.xmp.offset, h.xmp.offset + h.xmp.length)).equals(packet));
    assert.deepEqual(decodeGif(bytes).data, decodeGif(plain).data);
  });

  test('a frame smaller than the screen: placed at its offset, the screen around it transparent', () => {
    magick('src.png', '-crop', '30x20+5+4', 'small.gif');
    const h = gifHeader(file('small.gif'));
    assert.deepEqual([h.width, h.height, h.frame.left, h.frame.top, h.frame.width, h.frame.height, h.alpha], [W, H, 5, 4, 30, 20, 'unassociated']);
    const got = same('small.gif', true);
    assert.equal(got.data[3], 0);
  });
});

describe('GIF: damaged files', { skip: SKIP }, () => {
  test('cut anywhere in the first frame: a 403; cut after it, the frame still decodes', () => {
    magick('src.png', 'cut.gif');
    const bytes = file('cut.gif');
    const h = gifHeader(bytes);
    const end = h.data.offset + h.data.length;
    for (let cut = 0; cut < end; cut += Math.max(1, Math.floor(end / 150))) {
      assert.throws(() => decodeGif(bytes.subarray(0, cut)), damaged, `cut at ${cut}`);
    }
    assert.deepEqual(decodeGif(bytes.subarray(0, end)).data, decodeGif(bytes).data);
  });

  test('LZW data for more than its frame: only the frame, never past it', () => {
    magick('src.png', 'more.gif');
    const bytes = file('more.gif');
    const at = gifHeader(bytes).data.offset - 1 - 10; // the image descriptor
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint16(at + 5, 4, true);
    view.setUint16(at + 7, 3, true);
    const got = decodeGif(bytes);
    assert.deepEqual([got.width, got.height], [W, H]);
    const full = decodeGif(file('more.gif'));
    assert.deepEqual(got.data.subarray(0, 16), full.data.subarray(0, 16), 'the first row is the first four indices');
  });

  test('a code the table does not hold, a code size past 8, no colour table: each a 403', () => {
    magick('src.png', 'bad.gif');
    const good = file('bad.gif');
    const h = gifHeader(good);
    const edit = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return b;
    };
    // After a clear code (256 with 8-bit codes) the next is read as 9 bits: 0x1ff is past the table.
    assert.throws(() => decodeGif(edit((b) => b.set([0xff, 0xff, 0xff, 0xff], h.data.offset + 1))), damaged);
    assert.throws(() => gifHeader(edit((b) => (b[h.data.offset - 1] = 12))), damaged);
    assert.throws(() => gifHeader(edit((b) => (b[10] = b[10]! & 0x7f))), damaged);
  });

  test('random damage: a decode or a 403, never another error', () => {
    magick('src.png', '-interlace', 'Line', 'fuzz.gif');
    const good = file('fuzz.gif');
    let seed = 3;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 300; n++) {
      const bytes = good.slice();
      for (let k = 0; k < 3; k++) bytes[Math.floor(random() * (n % 2 ? 800 : bytes.length))] = Math.floor(random() * 256);
      try {
        decodeGif(bytes);
      } catch (err) {
        assert.ok(err instanceof IsError && err.status === 403, `case ${n}: ${String(err)}`);
      }
    }
  });
});

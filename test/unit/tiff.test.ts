import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IsError } from '../../src/protocol/errors.ts';
import { encodeTiff } from '../../src/image/tiff.ts';
import { DamagedTiff, lzwDecode, packBitsDecode } from '../../src/image/tiff-codecs.ts';
import { chunkCount, decodeChunk, decodeTiff, placeChunk } from '../../src/pipeline/tiff-decode.ts';
import { readTiffPage } from '../../src/planning/tiff-header.ts';
import { MAX_CHUNKS, MAX_DIRECTORIES, readContainer } from '../../src/planning/tiff-ifd.ts';
import { sniff } from '../../src/planning/source-formats.ts';

/** A deterministic RGBA picture (opaque unless `alpha`). */
function picture(width: number, height: number, alpha = false) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    const p = i / 4;
    data[i] = (p * 7) & 255;
    data[i + 1] = (p * 13 + 40) & 255;
    data[i + 2] = ((p % width) * 3) & 255;
    data[i + 3] = alpha ? (p * 5) & 255 : 255;
  }
  return { data, width, height };
}

const refusal = (message: RegExp) => (err: unknown) => err instanceof IsError && err.status === 403 && message.test(err.message);

test("Isle's own TIFF writer's files read back exactly: RGB, RGBA, grey, CMYK, stored and Deflate", async () => {
  const image = picture(67, 45, true);
  for (const compression of ['none', 'deflate'] as const) {
    const rgba = await decodeTiff(encodeTiff(image, { samples: 'rgba', compression, dpi: 72 }));
    assert.deepEqual(rgba.data, image.data);
    const cmyk = await decodeTiff(encodeTiff(image, { samples: 'cmyk', compression, dpi: 72 }));
    assert.deepEqual(cmyk.data, image.data, 'CMYK pixels come back as the four inks');
    const rgb = await decodeTiff(encodeTiff(image, { samples: 'rgb', compression, dpi: 72 }));
    for (let i = 0; i < rgb.data.length; i += 4) assert.deepEqual([...rgb.data.subarray(i, i + 4)], [...image.data.subarray(i, i + 3), 255]);
    const gray = await decodeTiff(encodeTiff(image, { samples: 'gray', compression, dpi: 72 }));
    assert.equal(gray.data[4], gray.data[5]);
  }
  const info = sniff(new Uint8Array(encodeTiff(image, { samples: 'cmyk', compression: 'deflate', dpi: 72, icc: new Uint8Array(200) })));
  assert.deepEqual([info.format, info.width, info.height, info.components, info.hasIcc, info.hasAlpha], ['tiff', 67, 45, 4, true, false]);
});

test('one strip decodes on its own, equal to its rows of the whole page', async () => {
  // 300 RGB pixels a row: the writer's 64 KB strips hold 72 rows, so 200 rows are three strips.
  const image = picture(300, 200);
  const file = new Uint8Array(encodeTiff(image, { samples: 'rgb', compression: 'deflate', dpi: 72 }));
  const page = readTiffPage(file);
  assert.equal(chunkCount(page), 3);
  const whole = await decodeTiff(file.buffer);
  const only = new Uint8ClampedArray(whole.data.length);
  const chunk = await decodeChunk(file, page, 2);
  placeChunk(page, chunk, only);
  const from = chunk.y * 300 * 4;
  assert.ok(chunk.y > 0 && chunk.rows > 0);
  assert.deepEqual(only.subarray(from), whole.data.subarray(from));
  assert.ok(only.subarray(0, from).every((v) => v === 0), 'nothing outside the strip is written');
});

/** The writer's file with its first directory chained `copies` more times (each a copy, the last ending the chain). */
function chained(copies: number, loop = false): Uint8Array {
  const base = new Uint8Array(encodeTiff(picture(4, 4), { samples: 'rgb', compression: 'none', dpi: 72 }));
  const view = new DataView(base.buffer);
  const ifd = view.getUint32(4, true);
  const size = 2 + view.getUint16(ifd, true) * 12 + 4;
  const out = new Uint8Array(base.length + copies * size);
  out.set(base);
  const v = new DataView(out.buffer);
  let previous = ifd;
  for (let i = 0; i < copies; i++) {
    const at = base.length + i * size;
    out.set(base.subarray(ifd, ifd + size), at);
    v.setUint32(previous + size - 4, at, true);
    previous = at;
  }
  v.setUint32(previous + size - 4, loop ? ifd : 0, true);
  return out;
}

test(`directory chains: ${MAX_DIRECTORIES} read, one more refused, a loop refused`, () => {
  assert.equal(readContainer(chained(MAX_DIRECTORIES - 1)).directories.length, MAX_DIRECTORIES);
  assert.throws(() => sniff(chained(MAX_DIRECTORIES)), refusal(new RegExp(`more than ${MAX_DIRECTORIES} image directories`)));
  assert.throws(() => sniff(chained(3, true)), refusal(/directories form a loop/));
});

test(`more than ${MAX_CHUNKS} strips in a file are refused before any is read`, () => {
  // One directory whose StripOffsets lists MAX_CHUNKS + 1 LONG values.
  const count = MAX_CHUNKS + 1;
  const file = new Uint8Array(8 + 2 + 12 + 4 + count * 4);
  const v = new DataView(file.buffer);
  file.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 8, true);
  v.setUint16(8, 1, true);
  v.setUint16(10, 273, true);
  v.setUint16(12, 4, true);
  v.setUint32(14, count, true);
  v.setUint32(18, 26, true);
  assert.throws(() => readContainer(file), refusal(new RegExp(`more than ${MAX_CHUNKS} strips or tiles`)));
});

test('PackBits: the TIFF 6.0 specification example, and output bounded by the strip', () => {
  const packed = Uint8Array.from([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
  const want = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...new Array(10).fill(0xaa)];
  assert.deepEqual([...packBitsDecode(packed, 24)], want);
  assert.deepEqual([...packBitsDecode(packed, 5)], want.slice(0, 5));
});

/** Codes as MSB-first bits of the given widths. */
function pack(codes: [number, number][]): Uint8Array {
  const bits = codes.flatMap(([code, width]) => Array.from({ length: width }, (_, i) => (code >> (width - 1 - i)) & 1));
  return Uint8Array.from({ length: Math.ceil(bits.length / 8) }, (_, i) => bits.slice(i * 8, i * 8 + 8).reduce((a, b, j) => a | (b << (7 - j)), 0));
}

test('LZW: a code defined by its own first byte (KwKwK), the end code, and output bounded by the strip', () => {
  // Clear, 7, then 258 (not yet defined: 7 + 7), then 258 again (7 7), then End.
  const stream = pack([[256, 9], [7, 9], [258, 9], [258, 9], [257, 9]]);
  assert.deepEqual([...lzwDecode(stream, 100)], [7, 7, 7, 7, 7]);
  assert.deepEqual([...lzwDecode(stream, 3)], [7, 7, 7]);
  assert.throws(() => lzwDecode(pack([[256, 9], [300, 9]]), 10), /bad LZW code/);
});

test('a strip shorter than its pixels could be made from is refused from the header', () => {
  const file = new Uint8Array(encodeTiff(picture(40, 30), { samples: 'rgb', compression: 'none', dpi: 72 }));
  const view = new DataView(file.buffer);
  const ifd = view.getUint32(4, true);
  for (let i = 0, e = ifd + 2; i < view.getUint16(ifd, true); i++, e += 12) if (view.getUint16(e, true) === 279) view.setUint32(e + 8, 100, true);
  assert.throws(() => sniff(file), refusal(/a TIFF strip or tile of 100 bytes is far too short for its 40x30 pixels/));
});

test('damaged files, fuzzed: each is refused with a 403 or decoded at the size its header gives', async () => {
  const sources = [
    new Uint8Array(encodeTiff(picture(40, 30, true), { samples: 'rgba', compression: 'deflate', dpi: 72 })),
    new Uint8Array(encodeTiff(picture(300, 200), { samples: 'gray', compression: 'none', dpi: 72 })),
  ];
  for (const source of sources) {
    // Two edits in three land in the header or the directory, which the writer puts last.
    const directory = new DataView(source.buffer).getUint32(4, true);
    const position = fc.oneof(fc.nat(15), fc.integer({ min: directory, max: source.length - 1 }), fc.nat(source.length - 1));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(position, fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.nat(source.length), async (edits, cut) => {
        const damaged = source.slice(0, Math.max(cut, 16));
        for (const [at, value] of edits) if (at < damaged.length) damaged[at] = value;
        let info;
        try {
          info = sniff(damaged);
        } catch (err) {
          assert.ok(err instanceof IsError && err.status === 403, String(err));
          return;
        }
        try {
          const image = await decodeTiff(damaged.buffer);
          assert.deepEqual([image.width, image.height, image.data.length], [info.width, info.height, info.width * info.height * 4]);
        } catch (err) {
          assert.ok((err instanceof IsError && err.status === 403) || err instanceof DamagedTiff, String(err));
        }
      }),
      { numRuns: 400 },
    );
  }
});

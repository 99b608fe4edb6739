import assert from 'node:assert/strict';
import { sniff } from '../../src/planning/source-formats.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import fc from 'fast-check';
import encodeJpegWasm from '@jsquash/jpeg/encode.js';
import decodeJpegWasm from '@jsquash/jpeg/decode.js';
import { boxAverage, compare } from '../../tools/reference.ts';
import { decodeJpeg } from '../../src/image/wasm-codecs.ts';
import { decodeJpegScaled, encodeBaselineJpeg } from '../../src/image/jpeg.ts';
import type { Pixels } from '../../src/image/pixels.ts';
import { codecs, decodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURES } from '../helpers/server.ts';

/** MozJPEG's full decode, the reference (our decodeJpeg now takes our kernel at full size too). */
const mozjpegDecode = (bytes: ArrayBuffer): Promise<Pixels> => decodeJpegWasm(bytes, { preserveOrientation: false });

/*
 * Our JPEG kernels (wasm/jpegdec.ts, wasm/jpegenc.ts) against MozJPEG, the reference: the scaled
 * decoder against MozJPEG's full decode averaged over the same pixels, the encoder's files through
 * MozJPEG's decoder.
 */

before(() => codecs());

const buffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const photo = (name: string) => buffer(readFileSync(join(FIXTURES, name)));

async function mozjpeg(image: Pixels, options: object): Promise<ArrayBuffer> {
  await codecs();
  return encodeJpegWasm(image as ImageData, options);
}

test('DCT-domain decoding at 1/2, 1/4 and 1/8 matches MozJPEG decoding in full and averaging', async (t) => {
  const landscape = await decodeImage(readFileSync(join(FIXTURES, 'orientation-3.jpg')));
  const grey = await mozjpeg(landscape, { quality: 85, color_space: 1, progressive: false });
  // MozJPEG's progressive scripts use spectral selection and successive approximation, DC and AC.
  const progressive = await mozjpeg(landscape, { quality: 80 });
  const progressiveFullChroma = await mozjpeg(landscape, { quality: 90, chroma_subsample: 1 });
  const progressiveGrey = await mozjpeg(landscape, { quality: 75, color_space: 1 });
  const cases: [string, ArrayBuffer][] = [
    ['progressive 4:2:0 (MozJPEG defaults)', progressive],
    ['progressive 4:4:4', progressiveFullChroma],
    ['progressive greyscale', progressiveGrey],
    ['orientation-1.jpg (MozJPEG baseline 4:2:0)', photo('orientation-1.jpg')],
    ...['444', '422', '420', '440', '411'].map((s): [string, ArrayBuffer] => [`sampling-${s}.jpg`, photo(`sampling-${s}.jpg`)]),
    ['restart-420.jpg (restart markers)', photo('restart-420.jpg')],
    ['restart-grey.jpg (restart markers, one component)', photo('restart-grey.jpg')],
    ['grey.jpg', photo('grey.jpg')],
    ['partial-mcu-301x245.jpg (partial MCUs)', photo('partial-mcu-301x245.jpg')],
    ['320x240.jpg (ICC profile)', photo('320x240.jpg')],
    ['greyscale (MozJPEG, one component)', grey],
  ];
  for (const [name, bytes] of cases) {
    const full = await mozjpegDecode(bytes);
    // At full size: our decoder with libjpeg's fancy upsampling against MozJPEG's own.
    const own = decodeJpegScaled(bytes, 1);
    assert.ok(own, `${name} 1/1: declined`);
    const same = compare(own, full);
    t.diagnostic(`${name} 1/1: PSNR ${same.psnr.toFixed(1)} dB, max diff ${same.maxDiff}`);
    assert.ok(same.psnr > 50 && same.maxDiff <= 6, `${name} 1/1: PSNR ${same.psnr}, max diff ${same.maxDiff}`);
    for (const factor of [2, 4, 8] as const) {
      const scaled = decodeJpegScaled(bytes, factor);
      assert.ok(scaled, `${name} 1/${factor}: declined`);
      const { psnr, maxDiff } = compare(scaled, boxAverage(full, factor));
      t.diagnostic(`${name} 1/${factor}: ${scaled.width}x${scaled.height}, PSNR ${psnr.toFixed(1)} dB, max diff ${maxDiff}`);
      assert.ok(psnr > 40, `${name} 1/${factor}: PSNR ${psnr}`);
    }
  }
});

test("blocks whose coefficients end at each row decode as MozJPEG's do: the inverse DCTs' row counts at full size and at 1/2", async () => {
  // Block (u, v) of 8x8 holds the one basis function u, v: its AC ends at row v, which decides how
  // much of each block the 8x8 and 4x4 transforms read (wasm/jpeg/idct.ts). A row left out is tens
  // of levels off; rounding differs from MozJPEG's integer transform by at most 1.
  const image = synth(64, 64, (x, y) => {
    const g = 128 + 60 * Math.cos(((2 * (x & 7) + 1) * (x >> 3) * Math.PI) / 16) * Math.cos(((2 * (y & 7) + 1) * (y >> 3) * Math.PI) / 16);
    return [g, g, g, 255];
  });
  for (const progressive of [false, true]) {
    const bytes = await mozjpeg(image, { quality: 75, color_space: 1, progressive });
    const full = await mozjpegDecode(bytes);
    const own = decodeJpegScaled(bytes, 1);
    assert.ok(own);
    assert.ok(compare(own, full).maxDiff <= 1, `progressive ${progressive} 1/1: max diff ${compare(own, full).maxDiff}`);
    const half = decodeJpegScaled(bytes, 2);
    assert.ok(half);
    assert.ok(compare(half, boxAverage(full, 2)).maxDiff <= 1, `progressive ${progressive} 1/2: max diff ${compare(half, boxAverage(full, 2)).maxDiff}`);
  }
});

test('at 1/8 a frame over 512x512 pixels skips several AC symbols a lookup, with the pixels of one symbol at a time', () => {
  // A 256x256 tile (65,536 pixels: read a symbol at a time) and the same tile eight times over in
  // 1024x512 (with the skip table). Our encoder codes each block from its own pixels alone, so the
  // two files hold the same blocks (only the DC differences and the optimised tables differ), and the
  // large file's 1/8 must be the small one's, repeated, byte for byte. Noise reaches the last
  // coefficient (63, with no end of block after it) in many blocks.
  let seed = 7;
  const tile = synth(256, 256, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return [seed >>> 24, (seed >>> 16) & 255, (seed >>> 8) & 255, 255];
  });
  const wide = synth(1024, 512, (x, y) => {
    const at = ((y % 256) * 256 + (x % 256)) * 4;
    return [tile.data[at]!, tile.data[at + 1]!, tile.data[at + 2]!, 255];
  });
  for (const quality of [95, 75]) {
    for (const fullChroma of [false, true]) {
      const name = `q${quality} ${fullChroma ? '4:4:4' : '4:2:0'}`;
      const encode = (image: Pixels) => buffer(new Uint8Array(encodeBaselineJpeg(image, { quality, fullChroma, gray: false })));
      // A copy: the decoder's pixels are a view into its memory, valid until its next call.
      const small = decodeJpegScaled(encode(tile), 8)?.data.slice();
      const large = decodeJpegScaled(encode(wide), 8);
      assert.ok(small && large, `${name}: declined`);
      assert.equal(large.width, 128);
      let differing = 0;
      for (let y = 0; y < large.height; y++) {
        for (let x = 0; x < large.width * 4; x++) if (large.data[y * large.width * 4 + x] !== small[(y % 32) * 32 * 4 + (x % 128)]) differing++;
      }
      assert.equal(differing, 0, `${name}: ${differing} bytes differ`);
    }
  }
});

test('at 1/8 the skip table matches MozJPEG on its own files, noise ending at coefficient 63 among them', async (t) => {
  let seed = 7;
  const noise = synth(640, 480, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return [seed >>> 24, (seed >>> 16) & 255, (seed >>> 8) & 255, 255];
  });
  const landscape = await decodeImage(readFileSync(join(FIXTURES, 'orientation-3.jpg')));
  const tiled = synth(landscape.width * 2, landscape.height * 2, (x, y) => {
    const at = ((y % landscape.height) * landscape.width + (x % landscape.width)) * 4;
    return [landscape.data[at]!, landscape.data[at + 1]!, landscape.data[at + 2]!, 255];
  });
  const cases: [string, ArrayBuffer][] = [
    ['noise 640x480 q100 4:4:4', await mozjpeg(noise, { quality: 100, progressive: false, chroma_subsample: 1 })],
    ['noise 640x480 q95 4:2:0', await mozjpeg(noise, { quality: 95, progressive: false })],
    [`photo ${tiled.width}x${tiled.height} q75 4:2:0`, await mozjpeg(tiled, { quality: 75, progressive: false })],
  ];
  for (const [name, bytes] of cases) {
    const scaled = decodeJpegScaled(bytes, 8);
    assert.ok(scaled, `${name}: declined`);
    const { psnr, maxDiff } = compare(scaled, boxAverage(await mozjpegDecode(bytes), 8));
    t.diagnostic(`${name} 1/8: PSNR ${psnr.toFixed(1)} dB, max diff ${maxDiff}`);
    assert.ok(psnr > 40, `${name}: PSNR ${psnr}`);
  }
});

test('CMYK and YCCK files decode to the same ink amounts, at full size and at 1/2', () => {
  // cmyk.jpg and ycck.jpg hold one scene, as plain and as YCCK Adobe samples (tools/fixtures/generate.ts);
  // test/integration/color.test.ts checks that the inks give the scene back.
  const means: number[][] = [];
  for (const name of ['cmyk.jpg', 'ycck.jpg']) {
    // Copied: the pixels are a view into the kernel's memory, which the next decode reuses.
    const decoded = decodeJpegScaled(photo(name), 1)!;
    const full = { ...decoded, data: decoded.data.slice() };
    assert.deepEqual([full.width, full.height], [160, 120], name);
    const half = decodeJpegScaled(photo(name), 2)!;
    assert.deepEqual([half.width, half.height], [80, 60], name);
    const mean = (d: Uint8ClampedArray, c: number) => d.filter((_, i) => i % 4 === c).reduce((a, b) => a + b, 0) / (d.length / 4);
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(mean(full.data, c) - mean(half.data, c)) < 1.5, `${name} channel ${c}`);
    means.push([0, 1, 2, 3].map((c) => mean(full.data, c)));
  }
  for (let c = 0; c < 4; c++) assert.ok(Math.abs(means[0]![c]! - means[1]![c]!) < 3, `CMYK and YCCK agree on channel ${c}`);
});

test('files the kernel does not take are declined, and decodeJpeg then decodes them in full with MozJPEG', async () => {
  const progressive = new Uint8Array(await mozjpeg(await decodeImage(readFileSync(join(FIXTURES, 'orientation-2.jpg'))), { quality: 80, progressive: true }));
  // Cut in its third scan: the earlier scans decode, the data then runs out.
  const cut = buffer(progressive.slice(0, Math.floor(progressive.length * 0.6)));
  for (const [name, bytes] of [
    ['progressive, cut short', cut],
    ['RGB (Adobe transform 0)', photo('rgb-adobe.jpg')],
    ['truncated', photo('truncated.jpg')],
    ['corrupt header', photo('corrupt-header.jpg')],
    ['not a JPEG', buffer(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))],
  ] as const) {
    assert.equal(decodeJpegScaled(bytes, 2), undefined, name);
  }
  // A file the kernel finds damaged is refused, not handed to MozJPEG (which would fill it with grey).
  await assert.rejects(decodeJpeg(cut, 2), /corrupt/);
  // One it does not handle (RGB samples, Adobe transform 0) falls back to MozJPEG at full size,
  // unless the job cannot afford a full decode.
  const rgb = await mozjpeg(await decodeImage(readFileSync(join(FIXTURES, 'orientation-2.jpg'))), { quality: 80, color_space: 2, progressive: false });
  assert.equal(decodeJpegScaled(rgb, 2), undefined);
  const full = await decodeJpeg(rgb, 2);
  const header = sniff(new Uint8Array(rgb));
  assert.deepEqual([full.width, full.height], [header.width, header.height]);
  await assert.rejects(decodeJpeg(rgb, 2, false), /too large to decode in full/);
});

/**
 * A baseline JPEG built by hand, every block flat: DC codes all 4 bits long, AC holding only
 * end-of-block (code "0"), every quantiser 8, so a block of level L decodes to exactly L. `mcus`
 * lists, for each MCU, each component's block levels (h x v of them). `restart` puts a restart
 * marker after every MCU (but `dropMarker`'s).
 */
function handJpeg(
  width: number,
  height: number,
  components: { h: number; v: number }[],
  mcus: number[][][],
  options: { restart?: boolean; dropMarker?: number } = {},
): ArrayBuffer {
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body);
  segment(0xdb, [0, ...new Array<number>(64).fill(8)]);
  segment(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, components.length, ...components.flatMap((c, i) => [i + 1, (c.h << 4) | c.v, 0])]);
  const dcCounts = [0, 0, 0, 12, ...new Array<number>(12).fill(0)];
  segment(0xc4, [0x00, ...dcCounts, ...Array.from({ length: 12 }, (_, i) => i)]);
  segment(0xc4, [0x10, 1, ...new Array<number>(15).fill(0), 0x00]);
  if (options.restart) segment(0xdd, [0, 1]);
  segment(0xda, [components.length, ...components.flatMap((_, i) => [i + 1, 0x00]), 0, 63, 0]);
  let bits = '';
  const flush = () => {
    bits = bits.padEnd(Math.ceil(bits.length / 8) * 8, '1');
    for (let i = 0; i < bits.length; i += 8) {
      const byte = parseInt(bits.slice(i, i + 8), 2);
      out.push(byte);
      if (byte === 0xff) out.push(0);
    }
    bits = '';
  };
  let predictors = components.map(() => 0);
  mcus.forEach((mcu, m) => {
    mcu.forEach((levels, c) => {
      for (const level of levels) {
        // The DC coefficient times the quantiser, over 8, is the level shifted by -128.
        const dc = level - 128;
        const diff = dc - predictors[c]!;
        predictors[c] = dc;
        const size = diff === 0 ? 0 : 32 - Math.clz32(Math.abs(diff));
        const magnitude = diff < 0 ? diff + (1 << size) - 1 : diff;
        bits += size.toString(2).padStart(4, '0') + (size ? magnitude.toString(2).padStart(size, '0') : '') + '0';
      }
    });
    if (options.restart && m < mcus.length - 1) {
      flush();
      predictors = components.map(() => 0);
      if (m !== options.dropMarker) out.push(0xff, 0xd0 + (m % 8));
    }
  });
  flush();
  out.push(0xff, 0xd9);
  return buffer(new Uint8Array(out));
}

const restartJpeg = (levels: number[], options: { dropMarker?: number } = {}) =>
  handJpeg(levels.length * 8, 8, [{ h: 1, v: 1 }], levels.map((level) => [[level]]), { restart: true, ...options });

test('restart markers reset the DC prediction; a missing one, or an impossible Huffman table, is declined', () => {
  const levels = [0, 37, 128, 200, 255, 255, 64, 1, 128, 90, 17];
  const image = decodeJpegScaled(restartJpeg(levels), 8);
  assert.ok(image);
  assert.deepEqual([...image.data].filter((_, i) => i % 4 === 0), levels);
  assert.equal(decodeJpegScaled(restartJpeg(levels, { dropMarker: 4 }), 8), undefined);
  // A Huffman table claiming three 1-bit codes (there are two) is refused before it is built.
  const overfull = new Uint8Array(restartJpeg(levels));
  const dht = overfull.findIndex((v, i) => v === 0xff && overfull[i + 1] === 0xc4);
  overfull[dht + 5] = 3;
  overfull[dht + 8] = 9;
  assert.equal(decodeJpegScaled(buffer(overfull), 8), undefined);
});

test('chroma sampled more coarsely than the reduced IDCT can reach is widened by repetition (4:1:1 at 1/2)', () => {
  // One MCU of 32x8: four luma blocks, one Cb (neutral) and one Cr (+50) block for all of them.
  const luma = [50, 100, 150, 180];
  const bytes = handJpeg(32, 8, [{ h: 4, v: 1 }, { h: 1, v: 1 }, { h: 1, v: 1 }], [[luma, [128], [178]]]);
  const image = decodeJpegScaled(bytes, 2);
  assert.ok(image);
  assert.deepEqual([image.width, image.height], [16, 4]);
  for (let x = 0; x < 16; x++) {
    const y = luma[x >> 2]!;
    // JFIF: R = Y + 1.402 (Cr - 128), G = Y - 0.714 (Cr - 128), B = Y.
    assert.deepEqual([...image.data.subarray(x * 4, x * 4 + 4)], [y + 70, y - 36, y, 255], `column ${x}`);
  }
});

test('damaged files never trap the kernel: each is declined or decoded at the promised size', async () => {
  const baseline = new Uint8Array(photo('partial-mcu-301x245.jpg'));
  const progressive = new Uint8Array(await mozjpeg(await decodeImage(baseline), { quality: 80 }));
  for (const source of [baseline, progressive]) fuzzDecoder(source);
});

test('a damaged frame header claiming 26413x17141 in 600 bytes of a progressive file is declined, not a trap (a fuzz case)', async () => {
  const progressive = new Uint8Array(await mozjpeg(await decodeImage(new Uint8Array(photo('partial-mcu-301x245.jpg'))), { quality: 80 })).slice(0, 600);
  const sof = progressive.findIndex((v, i) => v === 0xff && progressive[i + 1] === 0xc2);
  progressive.set([0x42, 0xf5, 0x67, 0x2d], sof + 5);
  assert.equal(decodeJpegScaled(buffer(progressive), 2), undefined);
});

function fuzzDecoder(source: Uint8Array): void {
  // Half the edits land in the first 700 bytes, where the quantisation and Huffman tables are.
  const position = fc.oneof(fc.nat(699), fc.nat(source.length - 1));
  fc.assert(
    fc.property(fc.array(fc.tuple(position, fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.nat(source.length), (edits, cut) => {
      const damaged = source.slice(0, Math.max(cut, 600));
      for (const [at, value] of edits) if (at < damaged.length) damaged[at] = value;
      const image = decodeJpegScaled(buffer(damaged), 2);
      if (image) assert.equal(image.data.length, image.width * image.height * 4);
    }),
    { numRuns: 1000 },
  );
}

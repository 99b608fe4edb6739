import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { IsError } from '../../src/protocol/errors.ts';
import { psdHeader } from '../../src/planning/psd-header.ts';
import { decodePsd } from '../../src/pipeline/psd-decode.ts';
import { decodePng } from '../../src/image/png-decode.ts';
import { displayProfile } from '../../tools/fixtures/icc.ts';
import { codecs } from '../helpers/pixels.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { pathData } from '../helpers/photoshop-paths.ts';
import { compare, firstDifference, magickReference, run, skipUnless, photoshopResource } from '../helpers/tools.ts';

/**
 * PSD and PSB merged images against ImageMagick's own decodes of the files it wrote: each pixel
 * type, depth, compression and version of the format table at least once; the un-matting of a
 * transparent document; the resources (profile, XMP, resolution, paths); refusals and damage.
 */
const SKIP = skipUnless('convert');
const dir = temporaryFolder('isle-psd-');
const W = 61;
const H = 37;
const magick = (...args: string[]) => run(dir, 'convert', ...args);
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const refusal = (message: RegExp) => (err: unknown) => err instanceof IsError && err.status === 403 && message.test(err.message);

const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';

before(async () => {
  await codecs(); // the kernels the project's PNG reader runs on, for the references
  if (SKIP) return;
  writeFileSync(join(dir, 'test.icc'), displayProfile('PSD test'));
  magick('-size', `${W}x${H}`, '-seed', '7', 'plasma:fractal', '-depth', '16', 'src16.png');
  magick('src16.png', '-depth', '8', 'src.png');
  magick('src.png', '-colors', '16', '-type', 'Palette', 'pal.png');
  magick('src.png', '(', '-size', `${W}x${H}`, 'gradient:white-black', ')', '-alpha', 'off', '-compose', 'CopyOpacity', '-composite', 'srca.png');
});

describe('PSD against ImageMagick', { skip: SKIP }, () => {
  const exact: [string, string[]][] = [
    ['rgb8.psd', ['src.png', '-depth', '8']],
    ['rgb8-raw.psd', ['src.png', '-depth', '8', '-compress', 'None']],
    ['rgb8.psb', ['src.png', '-depth', '8']],
    ['grey8.psd', ['src.png', '-colorspace', 'Gray', '-depth', '8']],
    // ImageMagick 6 cannot read the indexed PSDs it writes: the reference is the palette PNG written from.
    ['palette.psd', ['pal.png']],
  ];
  for (const [name, args] of exact) {
    test(`${name}: exactly ImageMagick's pixels`, () => {
      magick(...args, name);
      const header = psdHeader(file(name));
      assert.deepEqual([header.width, header.height, header.bits, header.alpha, header.pages], [W, H, 8, 'none', 1]);
      assert.equal(header.version, name.endsWith('.psb') ? 2 : 1);
      assert.equal(header.compression, name.includes('raw') ? 'raw' : 'rle');
      assert.equal(header.pixelType, name.startsWith('grey') ? 'gray' : name.startsWith('palette') ? 'indexed' : 'rgb');
      const got = decodePsd(file(name));
      const want = name === 'palette.psd' ? decodePng(readFileSync(join(dir, 'pal.png'))) : magickReference(dir, name);
      const diff = firstDifference(got, want);
      assert.equal(diff, undefined, `${name}: ${diff}`);
    });
  }

  for (const [name, args] of [['rgb16.psd', []], ['grey16.psd', ['-colorspace', 'Gray']], ['rgb16-raw.psb', ['-compress', 'None']]] as const) {
    test(`${name}: 16-bit colours whole, within 45 dB of ImageMagick's 16-bit decode`, () => {
      magick('src16.png', ...args, '-depth', '16', name);
      assert.equal(psdHeader(file(name)).bits, 16);
      const got = decodePsd(file(name), true);
      const want = magickReference(dir, name, 16);
      const { psnr } = compare({ ...got, data: got.wide! }, { ...want, data: want.wide! }, 65535);
      assert.ok(psnr >= 45, `${name}: ${psnr.toFixed(1)} dB`);
      assert.ok(compare(got, want).psnr >= 45, 'the 8-bit pixels too');
    });
  }

  for (const depth of [8, 16] as const) {
    test(`CMYK at ${depth} bits: ImageMagick's inks (its raw CMYK), flagged for the colour engine`, () => {
      const name = `cmyk${depth}.psd`;
      magick('src16.png', '-colorspace', 'CMYK', '-depth', String(depth), name);
      assert.deepEqual([psdHeader(file(name)).pixelType, psdHeader(file(name)).bits], ['cmyk', depth]);
      const got = decodePsd(file(name));
      assert.equal(got.cmyk, true);
      const raw = magick(`${name}[0]`, '-depth', String(depth), '-endian', 'MSB', 'cmyk:-');
      const inks = depth === 8 ? raw : Uint8Array.from({ length: raw.length / 2 }, (_, i) => raw[i * 2]!);
      assert.equal(inks.length, got.data.length);
      const diff = firstDifference(got, { data: inks, width: W, height: H });
      assert.equal(diff, undefined, diff);
    });
  }

  test('CMYKA: the transparency apart from the inks; opaque inks exactly ImageMagick\'s', () => {
    magick('srca.png', '-colorspace', 'CMYK', '-depth', '8', 'cmyka.psd');
    const header = psdHeader(file('cmyka.psd'));
    assert.deepEqual([header.pixelType, header.alpha], ['cmyk', 'unassociated']);
    const got = decodePsd(file('cmyka.psd'));
    const raw = magick('cmyka.psd[0]', '-depth', '8', 'cmyka:-');
    assert.ok(got.alpha && got.cmyk);
    let opaque = 0;
    for (let p = 0; p < W * H; p++) {
      assert.ok(Math.abs(got.alpha[p]! - raw[p * 5 + 4]!) <= 2, `alpha of pixel ${p}`);
      if (raw[p * 5 + 4] !== 255) continue;
      opaque++;
      assert.deepEqual([...got.data.subarray(p * 4, p * 4 + 4)], [...raw.subarray(p * 5, p * 5 + 4)], `inks of pixel ${p}`);
    }
    assert.ok(opaque >= W, 'the top row is opaque');
  });

  for (const space of ['sRGB', 'Gray']) {
    test(`a transparent ${space} document matted on white, as Photoshop writes it, comes back un-matted`, () => {
      const [source, name] = [`srca-${space}.png`, `matted-${space}.psd`];
      magick('srca.png', '-colorspace', space, source);
      // The merged colours flattened on white, the alpha kept: Photoshop's merged image of a transparent document.
      magick(source, '-background', 'white', '-flatten', source, '-compose', 'CopyOpacity', '-composite', '-depth', '8', name);
      const header = psdHeader(file(name));
      assert.deepEqual([header.pixelType, header.alpha], [space === 'Gray' ? 'gray' : 'rgb', 'unassociated']);
      const got = decodePsd(file(name));
      const want = decodePng(readFileSync(join(dir, source)));
      let coloured = 0;
      for (let i = 0; i < got.data.length; i += 4) {
        const a = want.data[i + 3]!;
        assert.ok(Math.abs(got.data[i + 3]! - a) <= 2, `alpha of pixel ${i >> 2}`);
        // Un-matting divides by the alpha: compare colours as they show, weighted by it.
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(got.data[i + c]! * a - want.data[i + c]! * a) / 255 <= 2, `colour ${c} of pixel ${i >> 2}`);
        if (a > 0 && a < 255 && want.data[i]! < 200) coloured++;
      }
      assert.ok(coloured > 100, 'partly transparent pixels with colour far from white were checked');
    });
  }

  test('resources: the ICC profile and XMP where they lie, the resolution, the paths in pixels and the clipping path', () => {
    const icc = readFileSync(join(dir, 'test.icc'));
    const path = pathData([[[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]]);
    const clip = Buffer.concat([Buffer.from('\x07Outline', 'latin1'), Buffer.alloc(4)]);
    writeFileSync(join(dir, 'res.8bim'), Buffer.concat([photoshopResource(2000, 'Outline', path), photoshopResource(2999, '', clip), photoshopResource(1060, '', Buffer.from(XMP))]));
    magick('src.png', '-profile', '8BIM:res.8bim', '-profile', 'test.icc', '-density', '300', '-units', 'PixelsPerInch', '-depth', '8', 'res.psd');
    const bytes = file('res.psd');
    const h = psdHeader(bytes);
    assert.ok(h.icc && Buffer.from(bytes.subarray(h.icc.offset, h.icc.offset + h.icc.length)).equals(icc), 'the profile, byte for byte');
    assert.ok(h.xmp && Buffer.from(bytes.subarray(h.xmp.offset, h.xmp.offset + h.xmp.length)).toString() === XMP);
    assert.ok(Math.abs(h.dpi! - 300) < 0.01, `${h.dpi} dpi`);
    assert.equal(h.clippingPath, 'Outline');
    assert.deepEqual(h.paths.map((p) => [p.id, p.name, p.subpaths.length]), [[2000, 'Outline', 1]]);
    const sub = h.paths[0]!.subpaths[0]!;
    assert.equal(sub.closed, true);
    assert.deepEqual(sub.start, { x: W / 4, y: H / 4 });
    assert.deepEqual(sub.segments.map((s) => s.end), [{ x: (3 * W) / 4, y: H / 4 }, { x: (3 * W) / 4, y: (3 * H) / 4 }, { x: W / 4, y: (3 * H) / 4 }, { x: W / 4, y: H / 4 }]);
    assert.deepEqual(sub.segments[0]!.c1, sub.start, 'corner knots: control points on their anchors');
    assert.equal(firstDifference(decodePsd(bytes), magickReference(dir, 'res.psd')), undefined);
  });

  test('the header walk reports each resource and layer block it reads, and stops when told to', () => {
    magick('src.png', '-profile', 'test.icc', '-depth', '8', 'steps.psd');
    let steps = 0;
    psdHeader(file('steps.psd'), () => steps++);
    assert.ok(steps >= 2, `${steps} blocks: the resolution and the profile at least`);
    const stop = new IsError(403, 'the account is spent');
    assert.throws(() => psdHeader(file('steps.psd'), () => { throw stop; }), (err) => err === stop);
  });

  test('refused with a 403 naming the feature: 32 bits, Lab, duotone, ZIP', () => {
    magick('src.png', '-depth', '8', 'plain.psd');
    const patched = (at: number, value: number) => {
      const b = file('plain.psd');
      new DataView(b.buffer).setUint16(at, value);
      return b;
    };
    assert.throws(() => decodePsd(patched(22, 32)), refusal(/^PSD sources with 32 bits per channel are not supported$/));
    assert.throws(() => psdHeader(patched(24, 9)), refusal(/Lab colour/));
    assert.throws(() => psdHeader(patched(24, 8)), refusal(/duotone/));
    const h = psdHeader(file('plain.psd'));
    assert.throws(() => psdHeader(patched(h.rows[0]!.offset - 2 - 2 * 3 * H, 2)), refusal(/ZIP-compressed/));
  });
});

test('bitmap mode: one bit a pixel, 1 black (written here: no tool at hand writes 1-bit PSDs)', () => {
  const rows = [[0b10000000, 0b01000000], [0b11111111, 0b11000000], [0, 0]];
  const head = Buffer.alloc(26);
  head.write('8BPS', 0, 'latin1');
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(1, 12);
  head.writeUInt32BE(3, 14);
  head.writeUInt32BE(10, 18);
  head.writeUInt16BE(1, 22);
  head.writeUInt16BE(0, 24);
  const bytes = new Uint8Array(Buffer.concat([head, Buffer.alloc(12), Buffer.alloc(2), Buffer.from(rows.flat())]));
  assert.deepEqual([psdHeader(bytes).bits, psdHeader(bytes).pixelType], [1, 'gray']);
  const got = decodePsd(bytes);
  const grey = Array.from({ length: 30 }, (_, p) => got.data[p * 4]);
  const want = rows.flatMap(([a, b]) => Array.from({ length: 10 }, (_, x) => ((x < 8 ? a! >> (7 - x) : b! >> (15 - x)) & 1 ? 0 : 255)));
  assert.deepEqual(grey, want);
  assert.ok(got.data.every((v, i) => i % 4 !== 3 || v === 255));
});

describe('PSD: damaged files', { skip: SKIP }, () => {
  test('truncated anywhere, lengths past the end, counts that overflow: each a 403, never more memory than the header promised', () => {
    magick('src.png', '-depth', '8', 'd.psd');
    magick('src.png', '-depth', '8', 'd.psb');
    const psd = file('d.psd');
    const psb = file('d.psb');
    const damaged = refusal(/^The source image is corrupt: PSD /);
    for (const bytes of [psd, psb]) {
      for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 97))) {
        assert.throws(() => decodePsd(bytes.subarray(0, cut)), damaged, `cut at ${cut}`);
      }
    }
    const edit = (bytes: Uint8Array, f: (v: DataView, h: ReturnType<typeof psdHeader>) => void) => {
      const copy = bytes.slice();
      f(new DataView(copy.buffer), psdHeader(bytes));
      return copy;
    };
    const resourcesAt = 26 + 4 + new DataView(psd.buffer).getUint32(26);
    assert.throws(() => psdHeader(edit(psd, (v) => v.setUint32(resourcesAt, 0xffffffff))), damaged, 'resource section past the end');
    assert.throws(() => psdHeader(edit(psd, (v) => v.setUint32(resourcesAt + 4 + 10, 0xfffffff0))), damaged, 'a resource past its section');
    assert.throws(() => psdHeader(edit(psb, (v, h) => v.setUint32(h.rows[0]!.offset - 4 * 3 * H, 0xffffffff))), damaged, 'a PSB row count that overflows');
    assert.throws(() => psdHeader(edit(psd, (v, h) => v.setUint16(h.rows[0]!.offset - 2 * 3 * H, 1))), damaged, 'a row too short for its width');
    // A small file claiming the largest PSD: refused from its row table, before any plane is allocated.
    assert.throws(() => decodePsd(edit(psd, (v) => (v.setUint32(14, 30000), v.setUint32(18, 30000)))), damaged);
    const psbResources = 26 + 4 + new DataView(psb.buffer).getUint32(26);
    const layersAt = psbResources + 4 + new DataView(psb.buffer).getUint32(psbResources);
    assert.throws(() => psdHeader(edit(psb, (v) => v.setUint32(layersAt, 1))), damaged, "a PSB's 8-byte layer section length past the end");
    const lengthAt = psdHeader(psb).rows[0]!.offset - 4 * 3 * H - 2;
    assert.throws(() => psdHeader(edit(psb, (v) => v.setUint16(lengthAt, 7))), damaged, 'an unknown compression');
  });

  test('random damage: a decode or a 403, never another error', () => {
    magick('src.png', '-depth', '8', 'f.psd');
    const good = file('f.psd');
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let n = 0; n < 300; n++) {
      const bytes = good.slice();
      for (let k = 0; k < 4; k++) bytes[Math.floor(random() * Math.min(bytes.length, n % 2 ? 600 : bytes.length))] = Math.floor(random() * 256);
      try {
        decodePsd(bytes);
      } catch (err) {
        assert.ok(err instanceof IsError && err.status === 403, `case ${n}: ${String(err)}`);
      }
    }
  });
});

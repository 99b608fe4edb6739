import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { pngChunk } from '../../src/image/metadata.ts';
import { DamagedPng, decodePng } from '../../src/image/png-decode.ts';
import { pngRows } from '../../src/pipeline/png-rows.ts';
import { codecs, encodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURES, PNGSUITE } from '../helpers/server.ts';

// The PNG read by rows for `isle convert` (src/pipeline/png-rows.ts) against the whole decode: byte for byte.

before(() => codecs());

/** The requests the pyramid writer makes, scaled down: the image in bands, then again from the top in bands overlapping by twice the margin. */
function requests(height: number, band: number, margin: number): [number, number][] {
  const asked: [number, number][] = [];
  for (let y = 0; y < height; y += band) asked.push([y, Math.min(height, y + band)]);
  const half = Math.ceil(height / 2);
  for (let r0 = 0; r0 < half; r0 += band) asked.push([Math.max(0, r0 * 2 - margin), Math.min(height, Math.min(half, r0 + band) * 2 + margin)]);
  return asked;
}

async function compare(name: string, bytes: Uint8Array, band: number, margin: number): Promise<void> {
  const rows = pngRows(bytes);
  assert.ok(rows, `${name}: read by rows`);
  // A copy: the whole decode's pixels are a view into the kernel's memory, which the bands reuse.
  const whole = decodePng(bytes).data.slice();
  const row = rows.width * 4;
  for (const [y0, y1] of requests(rows.height, band, margin)) {
    const got = await rows.rows(y0, y1);
    assert.equal(got.height, y1 - y0);
    const a = Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength);
    const b = Buffer.from(whole.buffer, whole.byteOffset + y0 * row, (y1 - y0) * row);
    if (!a.equals(b)) {
      const at = a.findIndex((v, i) => v !== b[i]);
      assert.fail(`${name}: rows ${y0}-${y1}, row ${y0 + Math.floor(at / row)} byte ${at % row} is ${a[at]}, the whole decode has ${b[at]}`);
    }
  }
}

const pngs = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.png'));

test('every non-interlaced fixture PNG (each colour type and bit depth, tRNS, 16-bit) read by rows as the pyramid asks is the whole decode, byte for byte', async () => {
  const files = pngs(FIXTURES).filter((n) => n.startsWith('png-') && !n.includes('interlaced'));
  assert.ok(files.length >= 15, files.join(', '));
  for (const name of files) await compare(name, readFileSync(join(FIXTURES, name)), 5, 3);
});

test('every valid non-interlaced PngSuite file (odd sizes, each filter type) read by rows is the whole decode', { skip: existsSync(PNGSUITE) ? false : 'the external corpus is not there' }, async () => {
  let compared = 0;
  for (const name of pngs(PNGSUITE).filter((n) => !n.startsWith('x'))) {
    const bytes = readFileSync(join(PNGSUITE, name));
    if (bytes[28] === 1) {
      assert.equal(pngRows(bytes), undefined, `${name}: Adam7 is decoded whole`);
      continue;
    }
    await compare(name, bytes, 3, 2);
    compared++;
  }
  assert.ok(compared > 80, `${compared} files`);
});

test('a large PNG made here, its data fed in pieces across IDAT chunks, read by rows with the pyramid band and margin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'isle-png-rows-'));
  try {
    // Noise does not compress: the data spans many of the reader's pieces.
    let seed = 7;
    const noise = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 23;
    const png = await encodeImage(synth(613, 1301, (x, y) => [(x * 3 + noise()) & 255, (y + noise()) & 255, (x ^ y) & 255, x % 97 === 0 ? 128 : 255]), 'png');
    const file = join(dir, 'large.png');
    writeFileSync(file, png);
    const bytes = readFileSync(file);
    assert.ok(bytes.length > 200_000, `${bytes.length} bytes`);
    await compare('large.png', bytes, 256, 16);
    await compare('large.png in many IDAT chunks', splitIdat(bytes, 1000), 256, 16);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged image data (cut short, not inflatable, longer than its size, a bad checksum) is reported as damaged, not as grey rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'isle-png-rows-'));
  try {
    const png = await encodeImage(synth(64, 300, (x, y) => [x * 4, y, (x * y) & 255, 255]), 'png');
    const { before: head, data, after } = idat(png);
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated.png', Buffer.concat([head, pngChunk('IDAT', data.subarray(0, data.length >> 1)), after]), /ends early/],
      ['garbage.png', Buffer.concat([head, pngChunk('IDAT', Buffer.alloc(data.length, 0x5a)), after]), /cannot be inflated/],
      ['too-long.png', Buffer.concat([head, pngChunk('IDAT', deflateSync(Buffer.concat([inflateSync(data), Buffer.alloc(1000)]))), after]), /more image data/],
      ['bad-checksum.png', Buffer.concat([head, pngChunk('IDAT', Buffer.concat([data.subarray(0, -1), Buffer.from([data.at(-1)! ^ 1])])), after]), /cannot be inflated/],
    ];
    for (const [name, bytes, why] of cases) {
      writeFileSync(join(dir, name), bytes);
      const rows = pngRows(readFileSync(join(dir, name)))!;
      await assert.rejects(
        async () => {
          for (let y = 0; y < rows.height; y += 64) await rows.rows(y, Math.min(rows.height, y + 64));
        },
        (e: unknown) => e instanceof DamagedPng && /corrupt/.test((e as Error).message) && why.test((e as Error).message),
        name,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A PNG's chunks before its (single) IDAT, the IDAT's data, and the chunks after. */
function idat(png: Uint8Array): { before: Uint8Array; data: Uint8Array; after: Uint8Array } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 12 <= png.length; at += 12 + view.getUint32(at)) {
    if (String.fromCharCode(...png.subarray(at + 4, at + 8)) !== 'IDAT') continue;
    const length = view.getUint32(at);
    assert.notEqual(String.fromCharCode(...png.subarray(at + 16 + length, at + 20 + length)), 'IDAT', 'one IDAT chunk');
    return { before: png.subarray(0, at), data: png.subarray(at + 8, at + 8 + length), after: png.subarray(at + 12 + length) };
  }
  throw new Error('no IDAT');
}

function splitIdat(png: Uint8Array, size: number): Uint8Array {
  const { before: head, data, after } = idat(png);
  const chunks = [];
  for (let at = 0; at < data.length; at += size) chunks.push(pngChunk('IDAT', data.subarray(at, at + size)));
  return Buffer.concat([head, ...chunks, after]);
}

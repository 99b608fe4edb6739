import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { before, test } from 'node:test';
import { pngChunk } from '../../src/image/metadata.ts';
import { DamagedPng, decodePng } from '../../src/image/png-decode.ts';
import { codecs, decodePng16Reference, decodePngReference } from '../helpers/pixels.ts';
import { FIXTURES, PNGSUITE } from '../helpers/server.ts';

// Our PNG decoder (src/image/png-decode.ts) against the one it replaced, @jsquash/png: pixel for pixel.

before(() => codecs());

/** Ours and the reference on one file: the same pixels, or both refusing it. */
async function compare(name: string, bytes: Uint8Array): Promise<'same' | 'both refuse'> {
  let reference;
  try {
    reference = await decodePngReference(bytes);
  } catch {
    reference = undefined;
  }
  let ours;
  try {
    ours = decodePng(bytes);
  } catch (err) {
    assert.ok(err instanceof DamagedPng, `${name}: ${String(err)}`);
    assert.equal(reference, undefined, `${name}: ours refuses (${(err as Error).message}), the reference decodes it`);
    return 'both refuse';
  }
  assert.ok(reference, `${name}: ours decodes what the reference refuses`);
  assert.deepEqual([ours.width, ours.height], [reference.width, reference.height], name);
  const a = Buffer.from(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength);
  const b = Buffer.from(reference.data.buffer, reference.data.byteOffset, reference.data.byteLength);
  if (!a.equals(b)) {
    const at = a.findIndex((v, i) => v !== b[i]);
    assert.fail(`${name}: byte ${at} (pixel ${at >> 2}) is ${a[at]}, the reference has ${b[at]}`);
  }
  // A 16-bit file's colours whole (for the colour conversion): the reference's at 16 bits.
  if (bytes[24] === 16) {
    const { wide } = decodePng(bytes, true);
    const reference16 = await decodePng16Reference(bytes);
    assert.ok(wide, `${name}: 16-bit colours`);
    for (let i = 0; i < wide.length; i += 4) {
      for (let c = 0; c < 3; c++) if (wide[i + c] !== reference16.data[i + c]) assert.fail(`${name}: 16-bit sample ${i + c} is ${wide[i + c]}, the reference has ${reference16.data[i + c]}`);
    }
    sixteen.add(name);
  }
  return 'same';
}

/** The files whose 16-bit colours were compared. */
const sixteen = new Set<string>();

test('every generated fixture PNG (each colour type, bit depth, Adam7, tRNS, all five filters) decodes exactly as @jsquash/png does', async () => {
  const files = readdirSync(FIXTURES).filter((n) => n.endsWith('.png'));
  assert.ok(files.filter((n) => n.startsWith('png-')).length >= 20, files.join(', '));
  for (const name of files) await compare(name, readFileSync(join(FIXTURES, name)));
  assert.ok([...sixteen].filter((n) => files.includes(n)).length >= 4, `16-bit colours compared on ${[...sixteen].join(', ')}`);
});

test('every PngSuite file: the same pixels, and the corrupt ones refused by both', { skip: existsSync(PNGSUITE) ? false : 'the external corpus is not there' }, async (t) => {
  const files = readdirSync(PNGSUITE).filter((n) => n.endsWith('.png'));
  const outcomes = new Map<string, number>();
  for (const name of files) {
    const outcome = await compare(name, readFileSync(join(PNGSUITE, name)));
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (!name.startsWith('x')) assert.equal(outcome, 'same', name);
  }
  t.diagnostic(JSON.stringify(Object.fromEntries(outcomes)));
  assert.ok((outcomes.get('same') ?? 0) > 150);
});

test('image data that inflates past its size, ends early, or uses an unknown filter is refused', () => {
  const ihdr = (w: number, h: number) => {
    const b = Buffer.alloc(13);
    b.writeUInt32BE(w, 0);
    b.writeUInt32BE(h, 4);
    b[8] = 8;
    b[9] = 0;
    return pngChunk('IHDR', b);
  };
  const png = (w: number, h: number, raw: Buffer) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr(w, h), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
  // A 4x4 grey image whose data inflates to 10 MB: stopped at the 20 bytes the header promises.
  assert.throws(() => decodePng(png(4, 4, Buffer.alloc(10_000_000))), (e: unknown) => e instanceof DamagedPng && /more image data/.test((e as Error).message));
  assert.throws(() => decodePng(png(4, 4, Buffer.alloc(12))), (e: unknown) => e instanceof DamagedPng && /ends early/.test((e as Error).message));
  const badFilter = Buffer.alloc(20);
  badFilter[5] = 9;
  assert.throws(() => decodePng(png(4, 4, badFilter)), (e: unknown) => e instanceof DamagedPng && /row filter/.test((e as Error).message));
  assert.deepEqual([...decodePng(png(4, 4, Buffer.alloc(20))).data.subarray(0, 4)], [0, 0, 0, 255]);
});

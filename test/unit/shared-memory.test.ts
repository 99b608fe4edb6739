import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { isShared, jpegDecodeKernelInstance, jpegEncodeKernelInstance, encoderArena, resizeKernelInstance } from '../../src/image/kernels.ts';
import { decodeJpegScaled, encodeBaselineJpeg } from '../../src/image/jpeg.ts';
import type { Pixels } from '../../src/image/pixels.ts';
import { resize } from '../../src/pipeline/steps/resize.ts';
import { decode } from '../../src/pipeline/steps/codec.ts';
import { codecs, synth } from '../helpers/pixels.ts';
import { FIXTURES } from '../helpers/server.ts';

// The JPEG decoder, the resizer and the JPEG encoder share one memory: a decode is resized where it
// lies, and the resize encoded where it lies (src/image/kernels.ts). These tests hold the pixels of
// that path to those of the copying one, and the views of the memory to their lifetimes.
before(() => codecs());

const file = (name: string) => {
  const bytes = readFileSync(join(FIXTURES, name));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};
const copy = (image: Pixels): Pixels => ({ ...image, data: image.data.slice() });
const same = (a: Pixels, b: Pixels) => a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));

test('the three kernels share one memory, each past the statics of all three', () => {
  const { memory } = jpegDecodeKernelInstance();
  assert.equal(resizeKernelInstance().memory, memory);
  assert.equal(jpegEncodeKernelInstance().memory, memory);
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  const statics = Math.max(...[jpegDecodeKernelInstance(), resizeKernelInstance(), jpegEncodeKernelInstance()].map((k) => (k as unknown as { heapBase: WebAssembly.Global }).heapBase.value as number));
  assert.ok(encoderArena(new Uint8Array(0)).take(0) >= statics);
});

test('a JPEG decode is resized where it lies, to the pixels a copy gives, and is left as it was', () => {
  for (const factor of [1, 2, 8] as const) {
    const decoded = decodeJpegScaled(file('orientation-1.jpg'), factor);
    assert.ok(decoded && isShared(decoded.data), `1/${factor}: a view of the shared memory`);
    const before = copy(decoded);
    for (const [w, h] of [[97, 61], [decoded.width, Math.round(decoded.height / 2)], [Math.round(decoded.width / 3), decoded.height]] as const) {
      const inPlace = resize(decoded, w, h);
      assert.ok(same(inPlace, resize(before, w, h)), `1/${factor} to ${w}x${h}: the same pixels`);
      assert.ok(same(decoded, before), `1/${factor} to ${w}x${h}: the decode untouched`);
    }
  }
});

test('a grey JPEG decode takes the grey rows pass where it lies, to the same pixels', () => {
  const grey = synth(203, 97, (x, y) => {
    const v = (x * 7 + y * 13) % 256;
    return [v, v, v, 255];
  });
  const jpeg = encodeBaselineJpeg(grey, { quality: 90, fullChroma: false, gray: true });
  const decoded = decodeJpegScaled(jpeg, 1);
  assert.ok(decoded && isShared(decoded.data));
  const before = copy(decoded);
  assert.ok(same(resize(decoded, 64, 31), resize(before, 64, 31)));
  assert.ok(same(resize(decoded, 203, 40), resize(before, 203, 40)));
  assert.ok(same(decoded, before));
});

test('a view of the shared memory with transparency is premultiplied in a copy: the caller keeps its pixels', () => {
  const source = synth(80, 40, (x, y) => [(x * 37) % 256, (y * 53) % 256, 200, (x * 11 + y) % 256]);
  const arena = encoderArena(new Uint8Array(0));
  const at = arena.take(source.data.length);
  arena.bytes(at, source.data.length).set(source.data);
  const view: Pixels = { data: new Uint8ClampedArray(resizeKernelInstance().memory.buffer, at, source.data.length), width: 80, height: 40 };
  assert.ok(isShared(view.data));
  const resized = copy(resize(view, 30, 17));
  assert.ok(same(view, source), 'the view as it was');
  // (A resize of pixels from elsewhere lays out where that view lies: only a decode's are kept.)
  assert.ok(same(resized, resize(source, 30, 17)));
});

test('the encoder reads a decode or a resize where it lies, to the bytes a copy gives', () => {
  const decoded = decodeJpegScaled(file('orientation-1.jpg'), 2)!;
  const options = { quality: 85, fullChroma: false, gray: false };
  assert.ok(Buffer.from(encodeBaselineJpeg(decoded, options)).equals(Buffer.from(encodeBaselineJpeg(copy(decoded), options))));
  const resized = resize(decoded, 150, 101, { view: true });
  assert.ok(isShared(resized.data));
  assert.ok(Buffer.from(encodeBaselineJpeg(resized, options)).equals(Buffer.from(encodeBaselineJpeg(copy(resized), options))));
});

test("a resize's view survives encodes of other pixels, as a TIFF's JPEG tiles are encoded from it one by one", () => {
  const decoded = decodeJpegScaled(file('orientation-1.jpg'), 1)!;
  const view = resize(decoded, 301, 223, { view: true });
  const before = copy(view);
  const options = { quality: 80, fullChroma: false, gray: false };
  const tile = (x: number) => {
    const data = new Uint8ClampedArray(64 * 64 * 4);
    for (let y = 0; y < 64; y++) data.set(view.data.subarray((y * 301 + x) * 4, (y * 301 + x + 64) * 4), y * 64 * 4);
    return encodeBaselineJpeg({ data, width: 64, height: 64 }, options);
  };
  const first = Buffer.from(tile(0));
  tile(64);
  // Pixels from elsewhere as large as the decode: the encoder's layout for them would reach the view.
  encodeBaselineJpeg(copy(decoded), options);
  assert.ok(same(view, before), 'the view as it was');
  assert.ok(Buffer.from(tile(0)).equals(first));
  // The next use of the resizer gives the view up: its output may lie where the view did.
  resize(before, 100, 70);
});

test('views of the shared memory stay valid when it grows, and are still known as its own', () => {
  const decoded = decodeJpegScaled(file('orientation-1.jpg'), 1)!;
  const before = copy(decoded);
  const { memory } = jpegDecodeKernelInstance();
  const size = memory.buffer.byteLength;
  // A resize of an image larger than the memory holds makes it grow.
  const large = synth(2500, Math.ceil(size / 10000) + 16, (x, y) => [x % 256, y % 256, 7, 255]);
  resize(large, 1250, 40);
  assert.ok(memory.buffer.byteLength > size, 'the memory grew');
  assert.notEqual(decoded.data.buffer, memory.buffer);
  assert.ok(isShared(decoded.data), 'a view of the buffer before the growth');
  assert.ok(same(decoded, before), 'its pixels still there');
  assert.ok(same(resize(decoded, 101, 77), resize(before, 101, 77)));
});

test('a copy into the memory starts where it and its source agree modulo 8', () => {
  const bytes = new Uint8Array(4099).map((_, i) => (i * 31) % 251);
  for (let offset = 0; offset < 8; offset++) {
    const source = bytes.subarray(offset, offset + 3001);
    const arena = encoderArena(new Uint8Array(0));
    const at = arena.place(source, 16);
    assert.equal((at - source.byteOffset) % 8, 0);
    assert.ok(Buffer.from(arena.bytes(at, source.length)).equals(Buffer.from(source)));
  }
});

test("a file of the source cache (shared memory) decodes to a plain file's pixels, and is left as it was", async () => {
  const shared = (bytes: ArrayBuffer) => {
    const sab = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(sab).set(new Uint8Array(bytes));
    return sab;
  };
  // JPEG on our kernel at each factor and by rect, progressive, and PNG (whose decoder gets a copy).
  const cases = [
    ['orientation-1.jpg', 'jpeg', 2],
    ['orientation-1.jpg', 'jpeg', 8],
    ['progressive.jpg', 'jpeg', 1],
    ['png-rgba-8.png', 'png', 1],
  ] as const;
  for (const [name, format, shrink] of cases) {
    const plain = file(name);
    const sab = shared(plain);
    const fromShared = copy(await decode(sab, format, shrink));
    const fromPlain = await decode(plain, format, shrink);
    assert.ok(same(fromShared, fromPlain), `${name} at 1/${shrink}`);
    assert.ok(Buffer.from(new Uint8Array(sab)).equals(Buffer.from(new Uint8Array(plain))), `${name}: the shared file unchanged`);
  }
  const rect = { directory: 0, size: { width: 600, height: 450 }, rect: { x: 10, y: 20, width: 64, height: 32 } };
  assert.ok(same(copy(await decode(shared(file('orientation-1.jpg')), 'jpeg', 1, true, false, false, rect)), await decode(file('orientation-1.jpg'), 'jpeg', 1, true, false, false, rect)));
});

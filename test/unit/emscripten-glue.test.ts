import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { before, test } from 'node:test';
import webpEncoderGlue from '@jsquash/webp/codec/enc/webp_enc_simd.js';
import avifEncoderGlue from '@jsquash/avif/codec/enc/avif_enc.js';
import { defaultOptions as webpDefaults } from '@jsquash/webp/meta.js';
import encodeWebpReference, { init as initWebpReference } from '@jsquash/webp/encode.js';
import encodeAvifReference, { init as initAvifReference } from '@jsquash/avif/encode.js';
import { bulkCopyGlue } from '../../src/image/emscripten-glue.ts';
import { compileModules } from '../../src/image/modules.ts';
import type { Pixels } from '../../src/image/pixels.ts';
import { AVIF_SPEED, AVIF_SUBSAMPLE, encodeAvif, encodeWebp } from '../../src/image/wasm-codecs.ts';
import { codecs, synth } from '../helpers/pixels.ts';

// The WebP and AVIF encoders run on their glue with embind's byte-by-byte copy of the pixels made one
// call (src/image/emscripten-glue.ts). These tests hold the installed glue to that shape, and the
// files to the bytes @jsquash's own encode() writes from the glue as it ships.

before(async () => {
  await codecs();
  const modules = compileModules();
  await initWebpReference(modules.webpEncoder);
  await initAvifReference(modules.avifEncoder);
});

// Odd sizes, a gradient with texture and an alpha ramp: every byte position differs from its neighbours.
const image = synth(97, 61, (x, y) => [(x * 5 + y * 3) & 255, (x * y) & 255, (x ^ y) * 4 & 255, 255 - ((x * 2 + y) & 127)]);

/** The same pixels as a view at an odd offset into a SharedArrayBuffer, as a resize of the shared kernels' memory hands them on. */
function sharedView(from: Pixels): Pixels {
  const data = new Uint8ClampedArray(new SharedArrayBuffer(from.data.length + 16), 3, from.data.length);
  data.set(from.data);
  return { ...from, data };
}

test('the installed WebP and AVIF encoder glue each hold the byte loop once, and are remade without it', () => {
  for (const glue of [webpEncoderGlue, avifEncoderGlue]) {
    const remade = bulkCopyGlue(glue, import.meta.url);
    assert.notEqual(remade, glue, 'the byte loop was not found once: the glue changed with an upgrade');
    assert.ok(!remade.toString().includes('HEAPU8[ptr+i]=value[i]'));
    assert.ok(remade.toString().includes('HEAPU8.set(value, ptr)'));
  }
});

test('a factory without the loop, with it twice, or one that loads code, is returned as it is; the loop is matched with any spacing', async () => {
  const plain = async () => 1;
  assert.equal(bulkCopyGlue(plain, import.meta.url), plain);
  const twice = async () => ['for(var i=0;i<length;++i){HEAPU8[ptr+i]=value[i]}', 'for(var i=0;i<length;++i){HEAPU8[ptr+i]=value[i]}'];
  assert.equal(bulkCopyGlue(twice, import.meta.url), twice);
  const loads = async () => ['for(var i=0;i<length;++i){HEAPU8[ptr+i]=value[i]}', await import('node:fs')];
  assert.equal(bulkCopyGlue(loads, import.meta.url), loads);
  const spaced = async () => ['for (var i = 0; i < length; ++i) {   HEAPU8[ptr + i] = value[i];   }', typeof import.meta.url];
  const remade = bulkCopyGlue(spaced, 'file:///glue.js');
  assert.notEqual(remade, spaced);
  assert.deepEqual(await remade(), ['HEAPU8.set(value, ptr)', 'string']);
});

test('the glue as esbuild reprints it into the bundle is remade too, and encodes the same bytes', async () => {
  const { code } = transformSync(readFileSync(fileURLToPath(import.meta.resolve('@jsquash/webp/codec/enc/webp_enc_simd.js')), 'utf8'), { format: 'esm' });
  assert.ok(!code.includes('HEAPU8[ptr+i]=value[i]'), 'esbuild reprints the loop with spaces');
  const reprinted = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)).default as typeof webpEncoderGlue;
  const remade = bulkCopyGlue(reprinted, import.meta.url);
  assert.notEqual(remade, reprinted);
  const module = compileModules().webpEncoder;
  const encoder = await remade({ noInitialRun: true, instantiateWasm: (imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) => done(new WebAssembly.Instance(module, imports)) });
  const file = encoder.encode(image.data, image.width, image.height, { ...webpDefaults, quality: 80, method: 2 });
  const reference = new Uint8Array(await encodeWebpReference(image as ImageData, { quality: 80, method: 2 }));
  assert.ok(file && Buffer.from(file).equals(Buffer.from(reference)));
});

test('after a refused encode the next one is whole', async () => {
  await assert.rejects(encodeWebp({ data: new Uint8ClampedArray(0), width: 0, height: 0 }, { quality: 80, lossless: false }));
  const reference = new Uint8Array(await encodeWebpReference(image as ImageData, { quality: 80, method: 2 }));
  assert.ok(Buffer.from(await encodeWebp(image, { quality: 80, lossless: false })).equals(Buffer.from(reference)));
});

test('WebP, lossy and lossless, writes the bytes of @jsquash/webp encode(), from plain and shared pixels', async () => {
  for (const lossless of [false, true]) {
    const reference = new Uint8Array(await encodeWebpReference(image as ImageData, { quality: 80, lossless: lossless ? 1 : 0, method: lossless ? 1 : 2 }));
    for (const pixels of [image, sharedView(image)]) {
      const ours = await encodeWebp(pixels, { quality: 80, lossless });
      assert.equal(ours.byteLength, reference.byteLength);
      assert.ok(Buffer.from(ours).equals(Buffer.from(reference)), `lossless ${lossless}`);
    }
  }
});

test('AVIF, lossy and lossless, writes the bytes of @jsquash/avif encode(), from plain and shared pixels', async () => {
  for (const lossless of [false, true]) {
    const reference = new Uint8Array(await encodeAvifReference(image as ImageData, { quality: 50, lossless, speed: AVIF_SPEED, subsample: AVIF_SUBSAMPLE }));
    for (const pixels of [image, sharedView(image)]) {
      const ours = await encodeAvif(pixels, { quality: 50, lossless });
      assert.equal(ours.byteLength, reference.byteLength);
      assert.ok(Buffer.from(ours).equals(Buffer.from(reference)), `lossless ${lossless}`);
    }
  }
});

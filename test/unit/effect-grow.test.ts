import assert from 'node:assert/strict';
import { test } from 'node:test';
import { morph } from '../../src/pipeline/steps/effect.ts';

/** The window-scanning op_grow this replaced, (2r+1) operations a pixel a pass: kept as the reference. */
function referenceMorph(src: Uint8Array, width: number, height: number, r: number, grow: boolean): Uint8Array {
  const pick = grow ? Math.max : Math.min;
  const rows = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = src[y * width + x]!;
      for (let k = Math.max(0, x - r); k <= Math.min(width - 1, x + r); k++) v = pick(v, src[y * width + k]!);
      rows[y * width + x] = v;
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = rows[y * width + x]!;
      for (let k = Math.max(0, y - r); k <= Math.min(height - 1, y + r); k++) v = pick(v, rows[k * width + x]!);
      out[y * width + x] = v;
    }
  }
  return out;
}

/** A fixed-seed generator, so a failure repeats. */
function random(seed: number) {
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
}

/** Noise, or sparse blobs on an empty field (the usual shape of a layer's alpha). */
function mask(width: number, height: number, next: () => number, sparse: boolean): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let i = 0; i < m.length; i++) m[i] = sparse ? (next() < 0.05 ? Math.floor(next() * 256) : 0) : Math.floor(next() * 256);
  return m;
}

test('op_grow and its shrink match the window scan byte for byte, at every radius from 0 to past the image', () => {
  const next = random(0x9e3779b9);
  const sizes = [[1, 1], [1, 17], [17, 1], [7, 5], [31, 23], [64, 9]] as const;
  for (const [width, height] of sizes) {
    for (const sparse of [false, true]) {
      const src = mask(width, height, next, sparse);
      for (const r of [0, 1, 2, 3, 4, 7, 10, 16, 31, 40, 100]) {
        for (const grow of [true, false]) {
          assert.deepEqual(morph(src, width, height, r, grow), referenceMorph(src, width, height, r, grow), `${width}x${height} r=${r} ${grow ? 'grow' : 'shrink'}`);
        }
      }
    }
  }
});

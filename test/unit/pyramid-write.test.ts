import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { autocropRect } from '../../src/image/autocrop.ts';
import { encodeTiff, MemorySink } from '../../src/image/tiff.ts';
import { levelSizes, reduce, wholeRows, writePyramid } from '../../src/pipeline/pyramid-write.ts';
import { decodeTiff } from '../../src/pipeline/tiff-decode.ts';
import { tiffRows } from '../../src/pipeline/tiff-rows.ts';
import { resize } from '../../src/pipeline/steps/resize.ts';
import { codecs, synth } from '../helpers/pixels.ts';

/* isle convert's levels: their sizes, the banded reduction, a TIFF read by rows, and -autocrop's rectangle. */

before(() => codecs());

test('levels halve, rounded up, until the larger side is at most 512', () => {
  assert.deepEqual(levelSizes(2701, 1800).map((s) => `${s.width}x${s.height}`), ['2701x1800', '1351x900', '676x450', '338x225']);
  assert.deepEqual(levelSizes(512, 300), [{ width: 512, height: 300 }]);
  assert.deepEqual(levelSizes(300, 513).at(-1), { width: 150, height: 257 });
});

test('a level made band by band is exactly one resize of the whole, for each filter and with transparency', async () => {
  const image = synth(700, 1203, (x, y) => [(x * 7 + y) & 255, (x * y) & 255, 255 - (y & 255), y > 600 && x < 300 ? 40 : 255]);
  for (const filter of ['lanczos3', 'bilinear', 'bicubicSharper'] as const) {
    const size = { width: 350, height: 602 };
    const banded = await reduce(wholeRows(image), size, filter);
    const whole = resize(image, size.width, size.height, { allowBox: false, filter });
    assert.deepEqual(banded.data, whole.data.slice(0, size.width * size.height * 4), filter);
  }
});

test('-autocrop: the rectangle of what is not the corner colour (within the tolerance) or not transparent', () => {
  const image = synth(100, 80, (x, y) => (x >= 20 && x < 70 && y >= 10 && y < 50 ? [200, 30, 30, 255] : x === 90 && y === 70 ? [250, 250, 250, 255] : [255, 255, 255, 255]));
  assert.deepEqual(autocropRect(image, 'ul', 0, 0, false), { x: 20, y: 10, width: 71, height: 61 }, 'the near-white pixel counts at tolerance 0');
  assert.deepEqual(autocropRect(image, 'lr', 0, 0.05, false), { x: 20, y: 10, width: 50, height: 40 }, 'and is background at 0.05');
  assert.equal(autocropRect(synth(10, 10, () => [9, 9, 9, 255]), 'ul', 0, 0, false), undefined, 'nothing left: no crop');
  const cutout = synth(60, 40, (x, y) => (x >= 5 && x < 15 && y >= 30 ? [0, 0, 0, 255] : [120, 0, 0, 0]));
  assert.deepEqual(autocropRect(cutout, 'ul', 1, 0, true), { x: 5, y: 30, width: 10, height: 10 });
  assert.equal(autocropRect(cutout, 'ul', 1, 0, false), undefined, 'mode 1 without alpha: no crop');
});

test('a TIFF read by rows gives the same pyramid, byte for byte, as its whole decode: strips, tiles, grey, alpha', async () => {
  const image = synth(1300, 1100, (x, y) => [(x * 3) & 255, (y * 5) & 255, ((x ^ y) * 7) & 255, x > 1000 ? 90 : 255]);
  const settings = { page: { samples: 'rgb', compression: 'deflate', dpi: 72, tile: 256 }, filter: 'lanczos3' } as const;
  for (const [samples, tile] of [['rgb', undefined], ['rgba', 128], ['gray', 64]] as const) {
    const file = new Uint8Array(encodeTiff(image, { samples, compression: 'lzw', dpi: 72, ...(tile ? { tile } : {}) }));
    const rows = tiffRows(file)!;
    const pyramid = async (source: Parameters<typeof writePyramid>[0]) => {
      const sink = new MemorySink();
      return new Uint8Array(sink.file(await writePyramid(source, { ...settings, page: { ...settings.page, samples } }, sink)));
    };
    assert.deepEqual(await pyramid(rows), await pyramid(wholeRows(await decodeTiff(file.slice().buffer))), `${samples}, ${tile ?? 'strips'}`);
  }
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { decodeJpegScaled, encodeBaselineJpeg } from '../../src/image/jpeg.ts';
import { compare } from '../../tools/reference.ts';
import { codecs, decodeImage, synth } from '../helpers/pixels.ts';

// The decoder's YCbCr to RGB runs eight pixels a step in 16-bit lanes (wasm/jpeg/color.ts) and the
// row's last width % 8 pixels one at a time: every remainder, each against MozJPEG's decode with
// the thresholds of the kernel's full-size test (jpeg.test.ts); 4:4:4 on colours that clamp at 0 and 255.
before(() => codecs());

/** Saturated and mid colours, changing every pixel: red and blue past the range YCbCr can hold. */
const vivid = (w: number, h: number) =>
  synth(w, h, (x, y) => {
    const k = (x * 7 + y * 13) % 6;
    const v = (x * 37 + y * 91) % 256;
    return [[255, 0, v, 255], [0, 255, v, 255], [v, 0, 255, 255], [255, v, 0, 255], [v, v, v, 255], [0, 0, 0, 255]][k] as [number, number, number, number];
  });

/** Colours that change slowly, for 4:2:0 (where vivid ones would measure chroma upsampling instead). */
const smooth = (w: number, h: number) => synth(w, h, (x, y) => [(x * 9) % 256, 255 - ((y * 17) % 256), (x * 5 + y * 3) % 256, 255]);

test('every row width (the eight-pixel step and each tail) decodes as MozJPEG does, 4:4:4 and 4:2:0', async () => {
  for (const [fullChroma, content] of [[true, vivid], [false, smooth]] as const) {
    // 4:2:0 from 5 pixels: frames of 1 to 4 differ from MozJPEG by up to 8 levels, with the kernel
    // before the eight-pixel step as with it (their chroma upsampling at the edges).
    for (let w = fullChroma ? 1 : 5; w <= 25; w++) {
      const bytes = new Uint8Array(encodeBaselineJpeg(content(w, 9), { quality: 95, fullChroma, gray: false }));
      const ours = decodeJpegScaled(bytes.slice().buffer, 1);
      assert.ok(ours, `${w}x9: declined`);
      const reference = await decodeImage(bytes);
      const { psnr, maxDiff } = compare(ours, reference);
      assert.ok(psnr > 50 && maxDiff <= 6, `${w}x9 ${fullChroma ? '4:4:4' : '4:2:0'}: PSNR ${psnr.toFixed(1)}, max diff ${maxDiff}`);
      for (let i = 3; i < ours.data.length; i += 4) assert.equal(ours.data[i], 255, `${w}x9: opaque`);
    }
  }
});

test('a wide frame decodes as MozJPEG does, and at 1/2 and 1/8 to the promised size', async () => {
  const image = smooth(1001, 67);
  const bytes = new Uint8Array(encodeBaselineJpeg(image, { quality: 90, fullChroma: false, gray: false }));
  const ours = decodeJpegScaled(bytes.slice().buffer, 1)!;
  const { psnr, maxDiff } = compare(ours, await decodeImage(bytes));
  assert.ok(psnr > 50 && maxDiff <= 6, `PSNR ${psnr.toFixed(1)}, max diff ${maxDiff}`);
  for (const factor of [2, 8] as const) {
    const scaled = decodeJpegScaled(bytes.slice().buffer, factor)!;
    assert.deepEqual([scaled.width, scaled.height], [Math.ceil(1001 / factor), Math.ceil(67 / factor)]);
  }
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { builtinProfile, srgbProfile } from '../../src/image/icc-profiles.ts';
import { encodeBaselineJpeg } from '../../src/image/jpeg.ts';
import { RGB_SPACES } from '../../src/image/rgb-spaces.ts';
import { MemorySink } from '../../src/image/tiff.ts';
import { encodePng } from '../../src/image/wasm-codecs.ts';
import { readConvertSource, type ColorSettings } from '../../src/pipeline/convert-source.ts';
import { wholeRows, writePyramid } from '../../src/pipeline/pyramid-write.ts';
import { decodeTiff } from '../../src/pipeline/tiff-decode.ts';
import { codecs, synth } from '../helpers/pixels.ts';

/* isle convert's sources: alpha only when used, CMYK kept or made RGB, orientation, XMP; -usm on the reduced levels only. */

before(() => codecs());

const COLOR: ColorSettings = { intent: 'relative', bpc: true, maintainPixelType: false };
const png = async (alpha: number) => new Uint8Array(await encodePng(synth(40, 30, (x) => [x * 6, 100, 50, x === 3 ? alpha : 255]), { alpha: true, level: 1 }));

test('alpha is written only when some pixel is less than opaque', async () => {
  assert.equal((await readConvertSource(await png(255), 1, COLOR)).samples, 'rgb');
  assert.equal((await readConvertSource(await png(10), 1, COLOR)).samples, 'rgba');
});

test('CMYK: kept as inks with -maintainpixeltype, otherwise sRGB by the naive formula (no profile)', async () => {
  const inks = synth(32, 16, (x) => [x * 8, 0, 0, 64]);
  const jpeg = new Uint8Array(encodeBaselineJpeg(inks, { quality: 100, fullChroma: true, gray: false, cmyk: true }));
  const kept = await readConvertSource(jpeg, 1, { ...COLOR, maintainPixelType: true });
  assert.equal(kept.samples, 'cmyk');
  assert.ok(Math.abs(kept.pixels!.data[3]! - 64) <= 2, `black ${kept.pixels!.data[3]}`);
  const rgb = await readConvertSource(jpeg, 1, COLOR);
  assert.equal(rgb.samples, 'rgb');
  // No cyan, 25% black: (1 - 0)(1 - 0.25) of white.
  assert.ok(Math.abs(rgb.pixels!.data[0]! - 191) <= 3 && rgb.pixels!.data[3] === 255, `${rgb.pixels!.data.subarray(0, 4)}`);
});

test('the orientation turns the pixels; XMP is carried as its bytes', async () => {
  const turned = await readConvertSource(await png(255), 6, COLOR);
  assert.deepEqual([turned.image.width, turned.image.height], [30, 40]);
  const jpeg = new Uint8Array(encodeBaselineJpeg(synth(16, 16, () => [1, 2, 3, 255]), { quality: 90, fullChroma: false, gray: false }));
  const packet = 'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"/>';
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0, packet.length + 2]), Buffer.from(packet, 'latin1')]);
  const withXmp = Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
  assert.equal(new TextDecoder().decode((await readConvertSource(withXmp, 1, COLOR)).xmp), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
});

test('-usm sharpens the reduced levels only: the full level is the same, the file is not', async () => {
  const image = synth(1100, 700, (x, y) => [(x * 3) & 255, (y * 5) & 255, ((x ^ y) * 7) & 255, 255]);
  const page = { samples: 'rgb', compression: 'deflate', dpi: 72, tile: 256 } as const;
  const write = async (usm?: { amount: number; radius: number; threshold: number; monochrome: boolean }) => {
    const sink = new MemorySink();
    return new Uint8Array(sink.file(await writePyramid(wholeRows(image), { page, filter: 'lanczos3', ...(usm ? { usm } : {}) }, sink)));
  };
  const plain = await write();
  const sharp = await write({ amount: 2, radius: 1, threshold: 0, monochrome: false });
  assert.notDeepEqual(plain, sharp);
  assert.deepEqual((await decodeTiff(sharp.slice().buffer)).data, (await decodeTiff(plain.slice().buffer)).data);
});

test('-viewprofile converts from the source profile (-imageprofile here) and becomes the profile carried; without a source profile nothing changes', async () => {
  const red = new Uint8Array(await encodePng(synth(8, 8, () => [255, 0, 0, 255]), { alpha: false, level: 1 }));
  const view = builtinProfile(RGB_SPACES.adobergb);
  const converted = await readConvertSource(red, 1, { ...COLOR, imageProfile: srgbProfile(), viewProfile: view });
  const [r, g, b] = converted.pixels!.data;
  // sRGB's red inside Adobe RGB's wider gamut: LittleCMS (transicc, relative) gives 218.9, 0.3, 1.3.
  assert.ok(Math.abs(r! - 219) <= 1 && g! <= 2 && b! <= 2, `${r}, ${g}, ${b}`);
  assert.equal(converted.icc, view);
  const untouched = await readConvertSource(red, 1, { ...COLOR, viewProfile: view });
  assert.deepEqual([...untouched.pixels!.data.subarray(0, 4)], [255, 0, 0, 255]);
  assert.equal(untouched.icc, undefined);
});


import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import UTIF from 'utif2';
import { unlimited } from '../../src/protocol/account.ts';
import { extractIcc, withMetadata } from '../../src/image/metadata.ts';
import { exactBuffer } from '../../src/image/bytes.ts';
import { cmykProfile, grayProfile, lutRgbProfile, rgbProfile } from '../../tools/fixtures/icc.ts';
import { iccSegments, writeJpeg } from '../../tools/fixtures/jpeg-writer.ts';
import { writePng } from '../../tools/fixtures/png-writer.ts';
import { deltaEStats } from '../helpers/delta-e.ts';
import { JPGICC, LCMS_SKIP, transicc } from '../helpers/lcms.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

/** Embedded profiles of any size (the server's bounds have tests of their own, icc-bomb.test.ts). */
const ANY_SIZE = { account: unlimited(), maxProfileBytes: Infinity };

/**
 * Replies in CMYK and grey (fmt=…,cmyk, fmt=…,gray, icc= naming a CMYK or grey profile of the
 * catalog's map, attribute::IccProfileCmyk/Gray), black-point compensation, and untagged grey
 * sources (IccProfileSrcGray), against LittleCMS's tools on the same pixels and profiles.
 */

/** Swatches inside the test press's gamut (its darkest is not black), then black and white. */
const COLOURS: [number, number, number][] = [[200, 60, 60], [40, 180, 90], [40, 70, 220], [128, 128, 128], [0, 0, 0], [255, 255, 255]];
const BAND = 8;

/** A TIFF reply's first image: its tags and its samples. */
function readTiff(body: Buffer) {
  const [ifd] = UTIF.decode(body);
  assert.ok(ifd, 'a TIFF with an image');
  UTIF.decodeImage(body, ifd);
  const tag = (n: number) => (ifd[`t${n}`] as number[] | undefined)?.[0];
  return { ifd, photometric: tag(262), samples: tag(277), compression: tag(259), data: ifd.data };
}

/** The test press's profile with its BToA table's grid claiming 255 points a side: far more than the file holds. */
function broken(): Uint8Array {
  const bytes = new Uint8Array(cmykProfile());
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < view.getUint32(128); i++) {
    if (String.fromCharCode(...bytes.subarray(132 + i * 12, 136 + i * 12)).startsWith('B2A')) bytes[view.getUint32(136 + i * 12) + 10] = 255;
  }
  return bytes;
}

/** The number of components in a JPEG's frame header, found by walking its segments. */
function frameComponents(jpeg: Buffer): number {
  let at = 2;
  while (at + 4 < jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xc0 || marker === 0xc2) return jpeg[at + 9]!;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error('no frame header');
}

/** The inks (0..100) at each band's centre of a CMYK TIFF. */
const inksOf = (data: Uint8Array, width: number) => COLOURS.map((_, i) => [0, 1, 2, 3].map((c) => (data[(4 * width + i * BAND + 4) * 4 + c]! * 100) / 255));

describe('CMYK and grey replies', () => {
  let f: Fixture;
  let dir: string;
  const print = () => join(dir, 'print.icc');
  const gray = () => join(dir, 'gray.icc');
  const display = () => join(dir, 'display.icc');
  before(async () => {
    dir = temporaryFolder('isle-color-');
    writeFileSync(print(), cmykProfile());
    writeFileSync(gray(), grayProfile('Gray 2.2 (test)', 2.2));
    const swatches = await encodeImage(synth(COLOURS.length * BAND, BAND, (x) => [...COLOURS[Math.floor(x / BAND)]!, 255] as [number, number, number, number]), 'png');
    const map = 'Name\tProfilePath\nPrint\tprofiles/print.icc\nGray\tprofiles/gray.icc\nWide\tprofiles/wide.icc\nDisplay\tprofiles/display.icc\nBroken\tprofiles/broken.icc\n';
    writeFileSync(display(), lutRgbProfile());
    f = await startFixture({
      files: {
        'images/swatches.png': swatches,
        // The swatches' numbers as the LUT display's device values: its profile embedded.
        'images/display-tagged.png': Buffer.from(withMetadata(exactBuffer(swatches), 'png', { icc: new Uint8Array(lutRgbProfile()) })),
        'images/profiles/display.icc': lutRgbProfile(),
        'images/profiles/broken.icc': broken(),
        'images/broken-tagged.png': Buffer.from(withMetadata(exactBuffer(swatches), 'png', { icc: broken() })),
        'images/profiles/print.icc': cmykProfile(),
        'images/profiles/gray.icc': grayProfile('Gray 2.2 (test)', 2.2),
        'images/profiles/linear-gray.icc': grayProfile('Linear grey (test)', 1),
        'images/profiles/wide.icc': rgbProfile('Wide (map)', [[0.7977, 0.288, 0], [0.1352, 0.7119, 0], [0.0313, 0.0001, 0.8249]], 1.8),
        // Full inks, stored inverted as Photoshop does, with the press profile embedded.
        'images/ink-black.jpg': writeJpeg({ width: 16, height: 16, colour: 'cmyk', quality: 95, segments: iccSegments(cmykProfile()) }, () => [0, 0, 0, 0]),
        'images/ink-tagged.jpg': writeJpeg({ width: 16, height: 16, colour: 'cmyk', quality: 95, segments: iccSegments(cmykProfile()) }, () => [127, 204, 229, 242]),
        'images/ink-untagged.jpg': writeJpeg({ width: 16, height: 16, colour: 'cmyk', quality: 95, segments: [] }, () => [127, 204, 229, 242]),
        'images/grey-untagged.png': writePng({ width: 8, height: 8, colourType: 0, depth: 8, sample: () => 128 }),
        'catalogs/default.ini': 'DefaultPix=0,0\n',
        'catalogs/profiles.txt': map,
        'catalogs/print.ini': 'RootId=print\nIccProfileMapFile=profiles.txt\nIccProfileCmyk=Print\nIccProfileGray=Gray\n',
        'catalogs/bpc.ini': 'RootId=bpc\nIccProfileMapFile=profiles.txt\nIccBlackPointCompensation=1\n',
        'catalogs/wrong.ini': 'RootId=wrong\nIccProfileMapFile=profiles.txt\nIccProfileCmyk=Wide\n',
        'catalogs/graysrc.ini': 'RootId=graysrc\nIccProfileSrcGray=profiles/linear-gray.icc\n',
      },
    });
  });
  after(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 160)}`);
    return r;
  };

  test('icc= naming a CMYK profile gives a CMYK TIFF whose inks agree with LittleCMS, and embeds the profile', { skip: LCMS_SKIP }, async (t) => {
    const r = await get('/is/image/print/swatches.png?fmt=tif&icc=Print&iccEmbed=1');
    assert.equal(r.headers['content-type'], 'image/tiff');
    const tiff = readTiff(r.body);
    assert.deepEqual([tiff.photometric, tiff.samples], [5, 4], 'Separated, four samples');
    assert.deepEqual(Buffer.from(tiff.ifd.t34675 as unknown as number[]), readFileSync(print()), 'the profile in tag 34675');
    const got = inksOf(tiff.data, COLOURS.length * BAND);
    const want = transicc('*sRGB', COLOURS, print());
    const worst = Math.max(...got.flatMap((g, i) => g.map((v, c) => Math.abs(v - want[i]![c]!))));
    // The inks' colours, each through the profile to sRGB by LittleCMS, compared as ΔE2000.
    const dE = deltaEStats(transicc(print(), got), transicc(print(), want));
    t.diagnostic(`max ink difference ${worst.toFixed(2)}%; ΔE2000 of the inks' colours mean ${dE.mean.toFixed(3)}, max ${dE.max.toFixed(3)}`);
    assert.ok(worst <= 2.5, `inks within 2.5% of LittleCMS's: ${worst}`);
    assert.ok(dE.mean < 1 && dE.max < 2, `ΔE2000 mean ${dE.mean}, max ${dE.max}`);
    // The catalog's IccProfileCmyk is what fmt=tif,cmyk uses; ,zip compresses the same samples.
    const byAttribute = readTiff((await get('/is/image/print/swatches.png?fmt=tif,cmyk')).body);
    assert.deepEqual(byAttribute.data, tiff.data);
    const zipped = readTiff((await get('/is/image/print/swatches.png?fmt=tif,cmyk,zip')).body);
    assert.equal(zipped.compression, 8, 'Deflate');
    assert.deepEqual(zipped.data, tiff.data);
  });

  test('fmt=tif,cmyk without a CMYK profile: the naive formula, exactly', async () => {
    const tiff = readTiff((await get('/is/image/swatches.png?fmt=tif,cmyk')).body);
    assert.deepEqual([tiff.photometric, tiff.samples], [5, 4]);
    COLOURS.forEach(([r, g, b], i) => {
      const white = Math.max(r, g, b);
      const ink = (v: number) => (white === 0 ? 0 : Math.round(255 - (v * 255) / white));
      const at = (4 * COLOURS.length * BAND + i * BAND + 4) * 4;
      assert.deepEqual(Array.from(tiff.data.subarray(at, at + 4)), [ink(r), ink(g), ink(b), 255 - white], `colour ${COLOURS[i]}`);
    });
    const rgb = readTiff((await get('/is/image/swatches.png?fmt=tif')).body);
    assert.deepEqual([rgb.photometric, rgb.samples], [2, 3], 'fmt=tif is RGB');
  });

  test('a CMYK JPEG: four components behind Adobe\'s marker, read back by LittleCMS (jpgicc) and by Isle', { skip: LCMS_SKIP }, async (t) => {
    const r = await get('/is/image/print/swatches.png?fmt=jpeg&icc=Print&iccEmbed=1&qlt=95');
    assert.equal(frameComponents(r.body), 4, 'four components in the frame');
    assert.ok(r.body.includes(Buffer.from('Adobe', 'latin1')), 'an Adobe APP14 marker');
    assert.deepEqual(Buffer.from(extractIcc(r.body, ANY_SIZE)!), readFileSync(print()));
    writeFileSync(join(dir, 'cmyk.jpg'), r.body);
    const lcms = spawnSync(JPGICC, ['-q', '100', join(dir, 'cmyk.jpg'), join(dir, 'back.jpg')], { encoding: 'utf8' });
    assert.equal(lcms.status, 0, lcms.stderr);
    writeFileSync(join(f.images, 'cmyk.jpg'), r.body);
    const ours = await decodeImage((await get('/is/image/cmyk.jpg?fmt=png')).body);
    const theirs = await decodeImage(readFileSync(join(dir, 'back.jpg')));
    const inGamut = COLOURS.slice(0, 4).map((c, i) => ({ c, i }));
    const centre = (image: Awaited<ReturnType<typeof decodeImage>>) => inGamut.map(({ i }) => pixelAt(image, i * BAND + 4, 4).slice(0, 3));
    const viaLcms = deltaEStats(centre(theirs), inGamut.map(({ c }) => c));
    const viaIsle = deltaEStats(centre(ours), inGamut.map(({ c }) => c));
    t.diagnostic(`sRGB → CMYK JPEG → sRGB: ΔE2000 mean ${viaLcms.mean.toFixed(2)} (max ${viaLcms.max.toFixed(2)}) read by jpgicc, ${viaIsle.mean.toFixed(2)} (max ${viaIsle.max.toFixed(2)}) read by Isle`);
    assert.ok(viaLcms.max < 3, `LittleCMS reads the colours back: ${viaLcms.max}`);
    assert.ok(viaIsle.max < 3, `Isle reads the colours back: ${viaIsle.max}`);
  });

  test('a CMYK reply is never converted to WebP or AVIF by bfc=on, single or layered', async () => {
    const accept = { accept: 'image/avif,image/webp,*/*' };
    for (const path of ['/is/image/print/swatches.png?fmt=jpeg&icc=Print&bfc=on', '/is/image/print/swatches.png?layer=1&color=ff000080&size=8,8&fmt=jpeg&icc=Print&bfc=on', '/is/image/swatches.png?fmt=jpeg,cmyk&bfc=on']) {
      const r = await get(path);
      assert.equal((await f.get(path, accept)).headers['content-type'], 'image/jpeg', path);
      assert.equal(frameComponents(r.body), 4, `${path}: a CMYK JPEG`);
    }
  });

  test('fmt=pdf with a CMYK profile: a DeviceCMYK image; its JPEG form says the inks are inverted', async () => {
    const raw = (await get('/is/image/print/swatches.png?fmt=pdf&icc=Print')).body.toString('latin1');
    assert.match(raw, /\/ColorSpace \/DeviceCMYK/);
    assert.match(raw, new RegExp(`/Length ${COLOURS.length * BAND * BAND * 4} >>`), 'four samples a pixel');
    const jpeg = (await get('/is/image/print/swatches.png?fmt=pdf,,jpeg&icc=Print')).body.toString('latin1');
    assert.match(jpeg, /\/DeviceCMYK \/BitsPerComponent 8 \/Filter \/DCTDecode \/Decode \[1 0 1 0 1 0 1 0\]/);
  });

  test('black-point compensation as LittleCMS\'s -b, both ways; IccBlackPointCompensation is its default', { skip: LCMS_SKIP }, async () => {
    const inks = async (path: string) => inksOf(readTiff((await get(path)).body).data, COLOURS.length * BAND);
    const compensated = await inks('/is/image/print/swatches.png?fmt=tif&icc=Print,relative,1');
    const plain = await inks('/is/image/print/swatches.png?fmt=tif&icc=Print,relative,0');
    const want = transicc('*sRGB', COLOURS, print(), ['-t', '1', '-b']);
    compensated.forEach((g, i) => g.forEach((v, c) => assert.ok(Math.abs(v - want[i]![c]!) <= 2.5, `colour ${COLOURS[i]} ink ${c}: ${v} against LittleCMS's ${want[i]![c]} (-b)`)));
    const black = COLOURS.findIndex((c) => c.every((v) => v === 0));
    assert.ok(compensated[black]![0]! < plain[black]![0]! - 3, `black takes less ink with compensation: ${compensated[black]} vs ${plain[black]}`);
    assert.deepEqual(await inks('/is/image/bpc/swatches.png?fmt=tif&icc=Print,relative'), compensated, 'the catalog attribute');
    // A CMYK source's darkest ink to sRGB: black with compensation, the press's dark grey without.
    const source = async (path: string) => pixelAt(await decodeImage((await get(path)).body), 8, 8).slice(0, 3);
    const [wanted] = transicc(print(), [[100, 100, 100, 100]], '*sRGB', ['-t', '1', '-b']);
    const withBpc = await source('/is/image/bpc/ink-black.jpg?fmt=png');
    withBpc.forEach((v, c) => assert.ok(Math.abs(v - wanted![c]!) <= 2, `${withBpc} against LittleCMS's ${wanted}`));
    const without = await source('/is/image/ink-black.jpg?fmt=png');
    assert.ok(without[1]! > withBpc[1]! + 10, `without compensation the press's black is grey: ${without}`);
  });

  test('icc= naming a grey profile: a grey reply through its curve, as LittleCMS converts; IccProfileGray for fmt=…,gray', { skip: LCMS_SKIP }, async () => {
    const tiff = readTiff((await get('/is/image/print/swatches.png?fmt=tif&icc=Gray')).body);
    assert.deepEqual([tiff.photometric, tiff.samples], [1, 1], 'BlackIsZero, one sample');
    const want = transicc('*sRGB', COLOURS, gray());
    COLOURS.forEach((_, i) => {
      const v = tiff.data[4 * COLOURS.length * BAND + i * BAND + 4]!;
      assert.ok(Math.abs(v - want[i]![0]!) <= 1, `colour ${COLOURS[i]}: ${v} against LittleCMS's ${want[i]![0]}`);
    });
    assert.deepEqual(readTiff((await get('/is/image/print/swatches.png?fmt=tif,gray')).body).data, tiff.data, 'the catalog attribute');
    const jpeg = await get('/is/image/print/swatches.png?fmt=jpeg&icc=Gray&qlt=100');
    assert.equal(frameComponents(jpeg.body), 1, 'a one-component JPEG');
  });

  test('a LUT-based RGB profile (v4 mAB/mBA tables) both ways, as LittleCMS converts, with v4 perceptual black', { skip: LCMS_SKIP }, async (t) => {
    const bands = (image: Awaited<ReturnType<typeof decodeImage>>) => COLOURS.map((_, i) => pixelAt(image, i * BAND + 4, 4).slice(0, 3));
    for (const [intent, flag] of [['perceptual', '0'], ['relative', '1']] as const) {
      const out = bands(await decodeImage((await get(`/is/image/print/swatches.png?fmt=png&icc=Display,${intent}`)).body));
      const into = transicc('*sRGB', COLOURS, display(), ['-t', flag]);
      const back = bands(await decodeImage((await get(`/is/image/display-tagged.png?fmt=png&icc=sRGB,${intent}`)).body));
      const from = transicc(display(), COLOURS, '*sRGB', ['-t', flag]);
      const worst = (got: number[][], want: number[][]) => Math.max(...got.flatMap((g, i) => g.map((v, c) => Math.abs(v - want[i]![c]!))));
      t.diagnostic(`${intent}: into the profile max diff ${worst(out, into).toFixed(2)}, ΔE2000 max ${deltaEStats(out, into).max.toFixed(3)}; from it ${worst(back, from).toFixed(2)}, ΔE2000 max ${deltaEStats(back, from).max.toFixed(3)}`);
      assert.ok(worst(out, into) <= 2, `${intent}: ${out} against LittleCMS's ${into}`);
      assert.ok(worst(back, from) <= 2, `${intent}: ${back} against LittleCMS's ${from}`);
    }
  });

  test('the built-in grey space (icc=gray, Gray Gamma 2.2 and 1.8): converted into as LittleCMS does, and embedded', { skip: LCMS_SKIP }, async () => {
    const r = await get('/is/image/swatches.png?fmt=tif&icc=Gray%20Gamma%201.8&iccEmbed=1');
    const tiff = readTiff(r.body);
    const embedded = Buffer.from(tiff.ifd.t34675 as unknown as number[]);
    writeFileSync(join(dir, 'builtin-gray.icc'), embedded);
    assert.match(embedded.subarray(12, 20).toString('latin1'), /^mntrGRAY/);
    const want = transicc('*sRGB', COLOURS, join(dir, 'builtin-gray.icc'));
    COLOURS.forEach((_, i) => {
      const v = tiff.data[4 * COLOURS.length * BAND + i * BAND + 4]!;
      assert.ok(Math.abs(v - want[i]![0]!) <= 1, `colour ${COLOURS[i]}: ${v} against LittleCMS's ${want[i]![0]}`);
    });
    assert.equal((await f.get('/is/image/swatches.png?fmt=png&icc=gray')).status, 403, 'PNG takes no grey pixels');
  });

  test('an untagged CMYK source takes IccProfileCmyk when the catalog sets no IccProfileSrcCmyk', async () => {
    const centre = async (path: string) => pixelAt(await decodeImage((await get(path)).body), 8, 8).slice(0, 3);
    const tagged = await centre('/is/image/ink-tagged.jpg?fmt=png');
    assert.deepEqual(await centre('/is/image/print/ink-untagged.jpg?fmt=png'), tagged);
    const naive = await centre('/is/image/ink-untagged.jpg?fmt=png');
    assert.ok(naive.some((v, i) => Math.abs(v - tagged[i]!) > 4), `naive ${naive} vs profiled ${tagged}`);
  });

  test('IccProfileSrcGray: an untagged grey source is taken in that profile', async () => {
    const centre = async (path: string) => pixelAt(await decodeImage((await get(path)).body), 4, 4).slice(0, 3);
    // 128/255 in linear light is 0.502, which sRGB encodes as 0.735: 188.
    assert.deepEqual(await centre('/is/image/graysrc/grey-untagged.png?fmt=png'), [188, 188, 188]);
    assert.deepEqual(await centre('/is/image/grey-untagged.png?fmt=png'), [128, 128, 128]);
  });

  test('a damaged profile: named by icc=, a 403 saying what is wrong; embedded in a source, ignored', async () => {
    const r = await f.get('/is/image/print/swatches.png?fmt=tif&icc=Broken');
    assert.equal(r.status, 403);
    assert.match(r.text, /icc\\=Broken\\: a LUT runs past the profile/);
    const plain = await get('/is/image/swatches.png?fmt=png');
    assert.deepEqual((await get('/is/image/broken-tagged.png?fmt=png')).body, plain.body, 'taken as sRGB, as an untagged source is');
  });

  test('a format that cannot carry the pixel type, or an attribute naming the wrong kind of profile, is a 403', async () => {
    for (const [path, message] of [
      ['/is/image/swatches.png?fmt=png,cmyk', /fmt pixel type cmyk is supported for jpeg, tif, pdf and eps only/],
      ['/is/image/print/swatches.png?fmt=png&icc=Print', /icc\\=Print is a CMYK profile\\: fmt\\=png does not take cmyk pixels/],
      ['/is/image/print/swatches.png?fmt=pjpeg&icc=Print', /fmt\\=pjpeg does not take cmyk pixels/],
      ['/is/image/print/swatches.png?fmt=webp&icc=Gray', /is a GRAY profile\\: fmt\\=webp does not take gray pixels/],
      ['/is/image/wrong/swatches.png?fmt=tif,cmyk', /the catalog's profile Wide\\: is a RGB profile, for CMYK replies/],
    ] as const) {
      const r = await f.get(path);
      assert.equal(r.status, 403, path);
      assert.match(r.text, message, path);
    }
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseProfile } from '../../src/image/icc.ts';
import { builtinProfile, srgbProfile } from '../../src/image/icc-profiles.ts';
import { transformTo } from '../../src/image/icc-transforms.ts';
import { RGB_SPACES } from '../../src/image/rgb-spaces.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { unlimited } from '../../src/protocol/account.ts';
import { extractIcc, pngChunk, withMetadata } from '../../src/image/metadata.ts';
import { exactBuffer } from '../../src/image/bytes.ts';
import { cmykProfile, rgbProfile } from '../../tools/fixtures/icc.ts';
import { iccSegments, writeJpeg } from '../../tools/fixtures/jpeg-writer.ts';
import { writePng } from '../../tools/fixtures/png-writer.ts';
import { scene } from '../../tools/fixtures/generate.ts';
import { codecs, decodeImage, pixelAt } from '../helpers/pixels.ts';
import { deltaEStats } from '../helpers/delta-e.ts';
import { againstLittleCms, JPGICC, LCMS_SKIP, transicc } from '../helpers/lcms.ts';
import { CORPUS_SKIP, FIXTURE_CATALOG, PHOTOS, PHOTOS_CATALOG, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

/** Embedded profiles of any size (the server's bounds have tests of their own, icc-bomb.test.ts). */
const ANY_SIZE = { account: unlimited(), maxProfileBytes: Infinity };

/**
 * Colour management against LittleCMS's own tools (test/helpers/lcms.ts), on profiles the suite
 * writes, and on the corpus's CMYK photo when the corpus is there.
 */
// The engine's matrix/TRC conversions run on the colour kernel.
before(() => codecs());

const CMYK_SAMPLES: number[][] = [];
for (const c of [0, 30, 70, 100]) for (const m of [0, 50, 100]) for (const y of [0, 40, 100]) for (const k of [0, 60]) CMYK_SAMPLES.push([c, m, y, k]);

describe('colour engine against LittleCMS', { skip: LCMS_SKIP }, () => {
  const dir = temporaryFolder('isle-color-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a LUT-based CMYK profile (lut16, Lab PCS) to sRGB: within 3 of transicc, relative colorimetric', (t) => {
    const bytes = cmykProfile();
    writeFileSync(join(dir, 'cmyk.icc'), bytes);
    const want = transicc(join(dir, 'cmyk.icc'), CMYK_SAMPLES);
    const data = new Uint8ClampedArray(CMYK_SAMPLES.flatMap((v) => v.map((p) => Math.round((p * 255) / 100))));
    transformTo(parseProfile(bytes), 'relative')(data);
    const { worst, dE } = againstLittleCms(data, want);
    t.diagnostic(`max diff ${worst.toFixed(2)} over ${CMYK_SAMPLES.length} inks; ΔE2000 mean ${dE.mean.toFixed(3)}, max ${dE.max.toFixed(3)}`);
    assert.ok(worst <= 3, `max diff ${worst}`);
    // The goal for LUT profiles: a mean ΔE2000 below 1.
    assert.ok(dE.mean < 1, `mean ΔE2000 ${dE.mean}`);
  });

  test('the sRGB profile embedded in converted replies is read by LittleCMS as sRGB', () => {
    writeFileSync(join(dir, 'srgb.icc'), srgbProfile());
    const inputs = [[0, 0, 0], [128, 128, 128], [255, 0, 0], [10, 200, 30], [255, 255, 255]];
    const got = transicc(join(dir, 'srgb.icc'), inputs);
    inputs.forEach((v, i) => v.forEach((c, j) => assert.ok(Math.abs(got[i]![j]! - c) <= 1, `${v} became ${got[i]}`)));
  });

  test('a wide-gamut matrix/TRC RGB profile to sRGB: within 2 of transicc', (t) => {
    // ProPhoto RGB's colorants (D50) and a 1.8 gamma.
    const bytes = rgbProfile('ProPhoto-like', [[0.7977, 0.2880, 0], [0.1352, 0.7119, 0], [0.0313, 0.0001, 0.8249]], 1.8);
    writeFileSync(join(dir, 'wide.icc'), bytes);
    const inputs: number[][] = [];
    for (const r of [0, 64, 128, 200, 255]) for (const g of [0, 100, 255]) for (const b of [0, 150, 255]) inputs.push([r, g, b]);
    const want = transicc(join(dir, 'wide.icc'), inputs);
    const data = new Uint8ClampedArray(inputs.flatMap((v) => [...v, 255]));
    transformTo(parseProfile(bytes), 'relative')(data);
    const { worst, dE } = againstLittleCms(data, want);
    t.diagnostic(`max diff ${worst.toFixed(2)} over ${inputs.length} colours; ΔE2000 mean ${dE.mean.toFixed(3)}, max ${dE.max.toFixed(3)}`);
    assert.ok(worst <= 2, `max diff ${worst}`);
    // The goal for matrix profiles: mean below 0.5, max below 2.
    assert.ok(dE.mean < 0.5 && dE.max < 2, `ΔE2000 mean ${dE.mean}, max ${dE.max}`);
  });
});

describe('sources in other colour spaces are served in sRGB', () => {
  let f: Fixture;
  const flat = (ink: [number, number, number, number]) =>
    // Adobe-style inverted samples, as Photoshop stores CMYK.
    writeJpeg({ width: 32, height: 32, colour: 'cmyk', quality: 95, segments: iccSegments(cmykProfile()) }, () => ink.map((v) => 255 - v) as [number, number, number, number]);
  before(async () => {
    f = await startFixture({ files: { ...FIXTURE_CATALOG, 'images/flat-cmyk.jpg': flat([128, 51, 26, 13]), 'catalogs/default.ini': 'DefaultPix=0,0\n' } });
  });
  after(() => f.close());

  test('CMYK and YCCK JPEGs without a profile: the naive formula gives back the scene they were made from', async () => {
    const want = scene(160, 120);
    for (const name of ['cmyk.jpg', 'ycck.jpg']) {
      const r = await f.get(`/is/image/fixtures/${name}?fmt=png`);
      assert.equal(r.status, 200, `${name}: ${r.text.slice(0, 100)}`);
      const got = await decodeImage(r.body);
      assert.deepEqual([got.width, got.height], [160, 120]);
      let sum = 0;
      for (let y = 0; y < 120; y++) for (let x = 0; x < 160; x++) for (let c = 0; c < 3; c++) sum += Math.abs(got.data[(y * 160 + x) * 4 + c]! - want(x, y)[c]!);
      const mean = sum / (160 * 120 * 3);
      assert.ok(mean < 4, `${name}: mean difference ${mean.toFixed(2)}`);
    }
    const scaled = await f.get('/is/image/fixtures/cmyk.jpg?wid=40&fmt=png');
    assert.equal((await decodeImage(scaled.body)).width, 40, 'at a reduced size too (shrink-on-load)');
  });

  test('a CMYK JPEG with an embedded profile goes through it', { skip: LCMS_SKIP }, async () => {
    const r = await f.get('/is/image/flat-cmyk.jpg?fmt=png');
    assert.equal(r.status, 200, r.text.slice(0, 100));
    const got = pixelAt(await decodeImage(r.body), 16, 16);
    const dir = temporaryFolder('isle-color-');
    try {
      writeFileSync(join(dir, 'cmyk.icc'), cmykProfile());
      const [want] = transicc(join(dir, 'cmyk.icc'), [[(128 / 255) * 100, (51 / 255) * 100, (26 / 255) * 100, (13 / 255) * 100]]);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[c]! - want![c]!) <= 4, `${got} against LittleCMS's ${want}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the corpus CMYK photo: its embedded profile as LittleCMS applies it (jpgicc)', { skip: CORPUS_SKIP || LCMS_SKIP }, async (t) => {
  const dir = temporaryFolder('isle-color-');
  const f = await startFixture({ files: { ...PHOTOS_CATALOG, 'catalogs/default.ini': 'MaxPix=0,0\n' } });
  try {
    const source = join(PHOTOS, 'Channel_digital_image_CMYK_color.jpg');
    const out = join(dir, 'lcms.jpg');
    const r = spawnSync(JPGICC, ['-t', '1', '-q', '100', source, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const want = await decodeImage(readFileSync(out));
    const got = await decodeImage((await f.get('/is/image/photos/Channel_digital_image_CMYK_color.jpg?scl=1&fmt=png')).body);
    assert.deepEqual([got.width, got.height], [want.width, want.height]);
    let sum = 0;
    for (let i = 0; i < got.data.length; i += 4) for (let c = 0; c < 3; c++) sum += Math.abs(got.data[i + c]! - want.data[i + c]!);
    const mean = sum / ((got.data.length / 4) * 3);
    // ΔE2000 over every 16th pixel (the photo is large).
    const pick = (d: Uint8ClampedArray | Uint8Array) => Array.from({ length: Math.floor(d.length / 64) }, (_, k) => [d[k * 64]!, d[k * 64 + 1]!, d[k * 64 + 2]!]);
    const dE = deltaEStats(pick(got.data), pick(want.data));
    t.diagnostic(`mean byte difference ${mean.toFixed(2)}; ΔE2000 mean ${dE.mean.toFixed(3)}, max ${dE.max.toFixed(3)}`);
    assert.ok(mean < 3, `mean difference ${mean.toFixed(2)} from LittleCMS`);
    assert.ok(dE.mean < 1, `mean ΔE2000 ${dE.mean}`);
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('icc= converts replies to other RGB spaces, and embeds their profile', () => {
  let f: Fixture;
  const COLOURS: [number, number, number][] = [[200, 40, 40], [30, 180, 90], [20, 60, 220], [128, 128, 128]];
  before(async () => {
    // Four bands of colour, untagged: taken as sRGB.
    const bands = await encodeImage(synth(40, 10, (x) => [...COLOURS[Math.floor(x / 10)]!, 255] as [number, number, number, number]), 'png');
    f = await startFixture({ files: { 'images/bands.png': bands, 'catalogs/default.ini': 'DefaultPix=0,0\n', 'catalogs/wide.ini': 'RootId=wide\nIccProfileRgb=ProPhoto RGB\n' } });
  });
  after(() => f.close());

  test('icc=AdobeRGB, ProPhoto and DisplayP3 agree with LittleCMS converting sRGB into each space\'s profile', { skip: LCMS_SKIP }, async () => {
    const dir = temporaryFolder('isle-color-');
    try {
      for (const [name, space] of [['AdobeRGB', RGB_SPACES.adobergb], ['ProPhoto', RGB_SPACES.prophoto], ['Display%20P3', RGB_SPACES.p3]] as const) {
        const r = await f.get(`/is/image/bands.png?fmt=png&icc=${name}&iccEmbed=1`);
        assert.equal(r.status, 200, r.text);
        const embedded = extractIcc(r.body, ANY_SIZE)!;
        assert.deepEqual(new Uint8Array(embedded), builtinProfile(space), `${name}: its profile is embedded`);
        const file = join(dir, `${space.name}.icc`);
        writeFileSync(file, embedded);
        const want = transicc('*sRGB', COLOURS, file);
        const got = await decodeImage(r.body);
        COLOURS.forEach((_, i) => {
          const p = pixelAt(got, i * 10 + 5, 5);
          for (let c = 0; c < 3; c++) assert.ok(Math.abs(p[c]! - want[i]![c]!) <= 1, `${name} colour ${i}: ${p} against LittleCMS's ${want[i]}`);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('req=imageprops names the source profile', async () => {
    // A PNG tagged with Isle's ProPhoto profile: the reply of icc=ProPhoto&iccEmbed=1.
    const r = await f.get('/is/image/bands.png?fmt=png&icc=ProPhoto&iccEmbed=1');
    writeFileSync(join(f.images, 'tagged.png'), r.body);
    const props = (await f.get('/is/image/tagged.png?req=imageprops')).text;
    assert.match(props, /^image\.iccProfile=ProPhoto RGB compatible \(Isle\)$/m);
    assert.match(props, /^image\.embeddedIccProfile=1$/m);
    assert.match((await f.get('/is/image/bands.png?req=imageprops')).text, /^image\.iccProfile=$/m);
  });

  test('IccProfileRgb is the default output, and the space of untagged sources; icc=sRGB keeps the pixels; other names answer 403', async () => {
    const plain = await f.get('/is/image/bands.png?fmt=png');
    assert.deepEqual((await f.get('/is/image/bands.png?fmt=png&icc=sRGB')).body, plain.body, 'an untagged source is sRGB already');
    // The catalog says ProPhoto RGB: an untagged source is taken as ProPhoto (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-color-management), so its numbers stay, now described by ProPhoto's profile.
    const wide = await f.get('/is/image/wide/bands.png?fmt=png&iccEmbed=1');
    assert.deepEqual(pixelAt(await decodeImage(wide.body), 5, 5), pixelAt(await decodeImage(plain.body), 5, 5));
    assert.deepEqual(new Uint8Array(extractIcc(wide.body, ANY_SIZE)!), builtinProfile(RGB_SPACES.prophoto));
    // An sRGB source there is converted into ProPhoto, as icc=ProPhoto converts it elsewhere.
    const tagged = await f.get('/is/image/bands.png?fmt=png&icc=sRGB&iccEmbed=1');
    writeFileSync(join(f.images, 'tagged-srgb.png'), tagged.body);
    const prophoto = await decodeImage((await f.get('/is/image/bands.png?fmt=png&icc=ProPhoto')).body);
    assert.deepEqual(pixelAt(await decodeImage((await f.get('/is/image/wide/tagged-srgb.png?fmt=png')).body), 5, 5), pixelAt(prophoto, 5, 5));
    for (const [q, message] of [['icc=WebCoated', /Isle bundles no CMYK profile/], ['icc=nothing', /icc\\=nothing\\: names no profile this server knows/], ['icc=sRGB,sideways', /render intent/]] as const) {
      const r = await f.get(`/is/image/bands.png?${q}`);
      assert.equal(r.status, 403, q);
      assert.match(r.text, message, q);
    }
  });
});

describe("the catalog's profiles for sources that embed none, and its default intent", () => {
  let f: Fixture;
  const ink: [number, number, number, number] = [128, 51, 26, 13];
  const cmyk = (segments: Buffer[]) => writeJpeg({ width: 32, height: 32, colour: 'cmyk', quality: 95, segments }, () => ink.map((v) => 255 - v) as [number, number, number, number]);
  const greens = (segments: Buffer[]) => writeJpeg({ width: 32, height: 32, colour: 'ycc', quality: 95, segments }, () => [40, 200, 60, 255]);
  before(async () => {
    f = await startFixture({
      files: {
        'images/tagged-cmyk.jpg': cmyk(iccSegments(cmykProfile())),
        'images/untagged-cmyk.jpg': cmyk([]),
        'images/tagged-adobe.jpg': greens(iccSegments(Buffer.from(builtinProfile(RGB_SPACES.adobergb)))),
        'images/untagged-rgb.jpg': greens([]),
        'images/profiles/print.icc': cmykProfile(),
        'catalogs/default.ini': 'DefaultPix=0,0\n',
        'catalogs/mapped.ini': 'RootId=mapped\nIccProfileMapFile=profiles.txt\nIccProfileSrcCmyk=Print\nIccProfileSrcRgb=Adobe RGB (1998)\nIccRenderIntent=0\n',
        'catalogs/profiles.txt': 'Name\tProfilePath\nPrint\tprofiles/print.icc\nWide\tprofiles/wide.icc\n',
        // ProPhoto RGB's colorants and gamma, as a profile of the map: the reply's space by icc=Wide.
        'images/profiles/wide.icc': rgbProfile('Wide (map)', [[0.7977, 0.288, 0], [0.1352, 0.7119, 0], [0.0313, 0.0001, 0.8249]], 1.8),
        'catalogs/pathed.ini': 'RootId=pathed\nIccProfileSrcCmyk=profiles/print.icc\n',
        'catalogs/missing.ini': 'RootId=missing\nIccProfileSrcCmyk=Nowhere\n',
      },
    });
  });
  after(() => f.close());

  const centre = async (path: string) => {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 100)}`);
    return pixelAt(await decodeImage(r.body), 16, 16).slice(0, 3);
  };

  test('IccProfileSrcCmyk from the ICC profile map (or a path under RootPath) converts an untagged CMYK JPEG as if it embedded it', async () => {
    const tagged = await centre('/is/image/tagged-cmyk.jpg?fmt=png');
    // The mapped catalog's IccRenderIntent is 0: perceptual.
    const perceptual = await centre('/is/image/tagged-cmyk.jpg?fmt=png&icc=sRGB,perceptual');
    assert.deepEqual(await centre('/is/image/mapped/untagged-cmyk.jpg?fmt=png'), perceptual);
    assert.deepEqual(await centre('/is/image/pathed/untagged-cmyk.jpg?fmt=png'), tagged);
    // Without the attribute, or with a name nothing resolves: the naive formula, further from the profile's colour.
    const naive = await centre('/is/image/untagged-cmyk.jpg?fmt=png');
    assert.deepEqual(await centre('/is/image/missing/untagged-cmyk.jpg?fmt=png'), naive);
    assert.ok(naive.some((v, i) => Math.abs(v - tagged[i]!) > 4), `naive ${naive} vs profiled ${tagged}`);
    // A source that embeds its own profile keeps it.
    assert.deepEqual(await centre('/is/image/pathed/tagged-cmyk.jpg?fmt=png'), tagged);
  });

  test('IccProfileSrcRgb takes an untagged RGB source as that space', async () => {
    const tagged = await centre('/is/image/tagged-adobe.jpg?fmt=png');
    const assumed = await centre('/is/image/mapped/untagged-rgb.jpg?fmt=png');
    const plain = await centre('/is/image/untagged-rgb.jpg?fmt=png');
    assert.ok(assumed.every((v, i) => Math.abs(v - tagged[i]!) <= 1), `assumed ${assumed} vs tagged ${tagged}`);
    assert.ok(plain[1]! < assumed[1]! - 5 || plain[0]! > assumed[0]! + 5, `Adobe RGB green is more saturated in sRGB: ${plain} vs ${assumed}`);
  });

  test("icc= names an RGB profile of the catalog's map: the reply is converted into it and embeds it", async () => {
    const viaMap = await centre('/is/image/mapped/tagged-adobe.jpg?fmt=png&icc=Wide');
    const builtin = await centre('/is/image/mapped/tagged-adobe.jpg?fmt=png&icc=ProPhoto');
    assert.ok(viaMap.every((v, i) => Math.abs(v - builtin[i]!) <= 2), `map ${viaMap} vs built-in ProPhoto ${builtin}`);
    const plain = await centre('/is/image/mapped/tagged-adobe.jpg?fmt=png');
    assert.ok(viaMap.some((v, i) => Math.abs(v - plain[i]!) > 5), `ProPhoto values ${viaMap} differ from sRGB's ${plain}`);
    const r = await f.get('/is/image/mapped/tagged-adobe.jpg?fmt=jpeg&icc=Wide&iccEmbed=1');
    assert.equal(r.status, 200);
    assert.deepEqual(Buffer.from(extractIcc(r.body, ANY_SIZE)!), Buffer.from(readFileSync(join(f.images, 'profiles/wide.icc'))));
    const refuse = async (path: string, message: RegExp) => {
      const bad = await f.get(path);
      assert.equal(bad.status, 403, path);
      assert.match(bad.text, message);
    };
    await refuse('/is/image/mapped/tagged-adobe.jpg?icc=Nowhere', /names no profile this server knows/);
    await refuse('/is/image/mapped/tagged-adobe.jpg?fmt=png&icc=Print', /icc\\=Print is a CMYK profile\\: fmt\\=png does not take cmyk pixels/);
    await refuse('/is/image/tagged-adobe.jpg?icc=Wide', /names no profile/);
  });

  test('IccRenderIntent is the intent of conversions icc= gives none for', async () => {
    // IccRenderIntent=0 gives what icc=sRGB,perceptual gives; an intent in icc= wins.
    const perceptual = await centre('/is/image/tagged-cmyk.jpg?fmt=png&icc=sRGB,perceptual');
    const relative = await centre('/is/image/tagged-cmyk.jpg?fmt=png&icc=sRGB,relative');
    assert.deepEqual(await centre('/is/image/mapped/tagged-cmyk.jpg?fmt=png'), perceptual);
    assert.deepEqual(await centre('/is/image/mapped/tagged-cmyk.jpg?fmt=png&icc=sRGB'), perceptual);
    assert.deepEqual(await centre('/is/image/mapped/tagged-cmyk.jpg?fmt=png&icc=sRGB,relative'), relative);
  });
});

/** ProPhoto RGB's colorants and gamma, and 16-bit colours whose low bytes matter (dark and mid tones). */
const PROPHOTO_LIKE = rgbProfile('ProPhoto-like', [[0.7977, 0.288, 0], [0.1352, 0.7119, 0], [0.0313, 0.0001, 0.8249]], 1.8);
const WIDE16: number[][] = [[1200, 700, 300], [40000, 12345, 2000], [5000, 5100, 5200], [65535, 30000, 100]];

describe("a PNG's gAMA and cHRM chunks, where it embeds no profile; 16-bit PNGs", () => {
  let f: Fixture;
  const grey = (chunks: Buffer[]) => {
    const png = writePng({ width: 8, height: 8, colourType: 0, depth: 8, sample: () => 128 });
    // After the signature and IHDR (8 + 25 bytes), where the chunks that describe colour go.
    return Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]);
  };
  const gama = (value: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value, 0);
    return pngChunk('gAMA', b);
  };
  before(async () => {
    f = await startFixture({
      files: {
        'images/linear.png': grey([gama(100000)]),
        'images/srgbish.png': grey([gama(45455)]),
        'images/srgb-wins.png': grey([pngChunk('sRGB', Buffer.from([0])), gama(100000)]),
        // A dark ramp in 16-bit linear grey: its high bytes alone hold 10 levels.
        'images/ramp16.png': (() => {
          const png = writePng({ width: 64, height: 1, colourType: 0, depth: 16, sample: (x) => x * 40 });
          return Buffer.concat([png.subarray(0, 33), gama(100000), png.subarray(33)]);
        })(),
        // 16-bit RGB tagged with a wide-gamut profile.
        'images/wide16.png': Buffer.from(withMetadata(exactBuffer(writePng({ width: WIDE16.length, height: 1, colourType: 2, depth: 16, sample: (x, _y, c) => WIDE16[x]![c]! })), 'png', { icc: new Uint8Array(PROPHOTO_LIKE) })),
        'catalogs/default.ini': 'DefaultPix=0,0\n',
      },
    });
  });
  after(() => f.close());

  test('a 16-bit PNG is converted from its 16-bit samples, before they are reduced to 8 bits', { skip: LCMS_SKIP }, async () => {
    const ramp = await decodeImage((await f.get('/is/image/ramp16.png?fmt=png')).body);
    const levels = new Set<number>();
    for (let x = 0; x < 64; x++) {
      const want = Math.round(RGB_SPACES.srgb.encode((x * 40) / 65535) * 255);
      const got = pixelAt(ramp, x, 0)[0]!;
      assert.ok(Math.abs(got - want) <= 1, `x ${x}: ${got} against ${want}`);
      levels.add(got);
    }
    assert.ok(levels.size > 30, `${levels.size} distinct levels where the high bytes alone give 10`);
    const dir = temporaryFolder('isle-color-');
    try {
      writeFileSync(join(dir, 'wide.icc'), PROPHOTO_LIKE);
      // LittleCMS in floating point, on the 16-bit values (as 0..255 with fractions).
      const want = transicc(join(dir, 'wide.icc'), WIDE16.map((v) => v.map((c) => c / 257)));
      const got = await decodeImage((await f.get('/is/image/wide16.png?fmt=png')).body);
      WIDE16.forEach((_, x) => pixelAt(got, x, 0).slice(0, 3).forEach((v, c) => assert.ok(Math.abs(v - want[x]![c]!) <= 1, `colour ${WIDE16[x]}: ${pixelAt(got, x, 0)} against LittleCMS's ${want[x]}`)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('gAMA 1.0 (linear samples) is encoded to sRGB; gAMA 1/2.2, or an sRGB chunk beside it, leaves the pixels', async () => {
    const centre = async (name: string) => pixelAt(await decodeImage((await f.get(`/is/image/${name}?fmt=png`)).body), 4, 4).slice(0, 3);
    // 128/255 in light is 0.502, which sRGB encodes as 0.735: 188.
    assert.deepEqual(await centre('linear.png'), [188, 188, 188]);
    assert.deepEqual(await centre('srgbish.png'), [128, 128, 128]);
    assert.deepEqual(await centre('srgb-wins.png'), [128, 128, 128]);
  });
});

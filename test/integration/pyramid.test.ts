import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePngReference } from '../helpers/pixels.ts';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, firstDifference, run, skipUnless } from '../helpers/tools.ts';

/**
 * Pyramid TIFFs (issue 32): a 24 MP image made at test time by libvips, saved as a tiled pyramid
 * (`vips tiffsave --tile --pyramid`) with Deflate and with JPEG, served a window at a time. Every
 * level's windows (the first tile, the partial last row and column, one across tile edges) are
 * compared with `vips crop` of the same page: exact for Deflate, 40 dB for JPEG; the server decodes
 * only the tiles a window touches (the workers' decoded-pixel counter on /metrics), and hostile
 * directory chains are refused with a 403 while the server keeps serving.
 */
const SKIP = skipUnless('vips');
const dir = temporaryFolder('isle-pyramid-');
const WIDTH = 6000;
const HEIGHT = 4000;
/** The levels libvips writes: each half the one before, rounded down, until one fits a 256-pixel tile. */
const LEVELS = [
  [6000, 4000],
  [3000, 2000],
  [1500, 1000],
  [750, 500],
  [375, 250],
  [187, 125],
] as const;
let fixture: Fixture;

before(() => {
  if (SKIP) return;
  // Smooth noise: three bands of Gaussian noise, enlarged eight times, so JPEG's loss is a photo's, not noise's.
  for (const band of ['r', 'g', 'b']) run(dir, 'vips', 'gaussnoise', `${band}.v`, String(WIDTH / 8), String(HEIGHT / 8), '--mean', '128', '--sigma', '40');
  run(dir, 'vips', 'bandjoin', 'r.v g.v b.v', 'small.v');
  run(dir, 'vips', 'cast', 'small.v', 'small8.v', 'uchar');
  run(dir, 'vips', 'resize', 'small8.v', 'big.v', '8', '--kernel', 'linear');
  run(dir, 'vips', 'tiffsave', 'big.v', 'deflate.tif', '--tile', '--pyramid', '--compression', 'deflate', '--tile-width', '256', '--tile-height', '256');
  run(dir, 'vips', 'tiffsave', 'big.v', 'jpeg.tif', '--tile', '--pyramid', '--compression', 'jpeg', '--Q', '95');
  // BigTIFF, and the levels as SubIFDs of the first page (tag 330) rather than pages.
  run(dir, 'vips', 'tiffsave', 'big.v', 'bigtiff.tif', '--tile', '--pyramid', '--compression', 'deflate', '--bigtiff');
  run(dir, 'vips', 'tiffsave', 'big.v', 'subifd.tif', '--tile', '--pyramid', '--compression', 'deflate', '--subifd');
  // The same pixels as one tiled page: what a view of the pyramid is measured against.
  run(dir, 'vips', 'tiffsave', 'big.v', 'flat.tif', '--tile', '--compression', 'deflate');
  // Below Q 90 libvips writes YCbCr JPEG tiles, which Isle's decoder shrinks in the DCT domain (RGB ones go to MozJPEG, in full).
  run(dir, 'vips', 'tiffsave', 'big.v', 'flat-jpeg.tif', '--tile', '--compression', 'jpeg', '--Q', '85');
  run(dir, 'vips', 'tiffsave', 'big.v', 'strips.tif', '--compression', 'deflate');
  // Strips of 5 rows, which no box of 2 or more fits: decoded whole and reduced, the reference of the views.
  run(dir, 'vips', 'tiffsave', 'big.v', 'whole.tif', '--compression', 'deflate', '--tile-height', '5');
  // A small background for composites whose layer 1 is a pyramid.
  run(dir, 'vips', 'black', 'bg.png', '600', '400', '--bands', '3');
});
after(() => fixture?.close());

/** libvips' own crop of page `page`, through a PNG it writes. */
function vipsCrop(file: string, page: number, x: number, y: number, w: number, h: number) {
  const png = `${file}-${page}-${x}-${y}-${w}-${h}.png`;
  run(dir, 'vips', 'crop', `${file}[page=${page}]`, png, String(x), String(y), String(w), String(h));
  return decodePngReference(readFileSync(join(dir, png)));
}

async function render(query: string, file = 'deflate.tif') {
  const reply = await fixture.get(`/is/image/${file}?${query}`);
  assert.equal(reply.status, 200, `${file}?${query}: ${reply.status} ${errorMessage(reply.text)}`);
  return decodePngReference(reply.body);
}

/** A counter's value on /metrics (its first line), 0 when it is not there. */
async function counter(name: string, label = ''): Promise<number> {
  const text = (await fixture.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(label ? `${name}{${label}}` : `${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Windows of a level: the first tile, the partial last tile of the last row and column, one across four tiles. */
function windows(width: number, height: number): [number, number, number, number][] {
  const lastX = Math.floor((width - 1) / 256) * 256;
  const lastY = Math.floor((height - 1) / 256) * 256;
  const across = [Math.floor(width / 3), Math.floor(height / 3), Math.min(300, width - Math.floor(width / 3)), Math.min(200, height - Math.floor(height / 3))] as [number, number, number, number];
  return [[0, 0, Math.min(256, width), Math.min(256, height)], [lastX, lastY, width - lastX, height - lastY], [lastX, 0, width - lastX, Math.min(256, height)], across];
}

describe('pyramid TIFFs', { skip: SKIP }, () => {
  before(async () => {
    // MaxPix limits a reply, not the view a window is cut from: a window of the full resolution is a view of 6000x4000.
    // The single page, decoded whole for the views the pyramid is compared with, takes a larger worker;
    // without the render cache every request is rendered, so the decoded-pixel counter sees each.
    fixture = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n' }, config: { root: dir, 'max-worker-memory': '768', 'render-cache': '0' } });
  });

  for (const [file, exact] of [['deflate.tif', true], ['jpeg.tif', false]] as const) {
    test(`${file}: req=tile, rect= and rgn= windows of every level match vips crop of that page${exact ? ' exactly' : ' within 40 dB'}`, async () => {
      for (const [level, [width, height]] of LEVELS.entries()) {
        // The view at the level's own size: the level is read 1:1. fit=stretch takes each axis's own scale (187.5 rounds down).
        const view = `wid=${width}&hei=${height}&fit=stretch&fmt=png`;
        for (const [x, y, w, h] of windows(width, height)) {
          const want = await vipsCrop(file, level, x, y, w, h);
          // rgn= is a region of the full image that the view scales: at a level of exactly 1/2^k, scl=2^k.
          const f = 2 ** level;
          const rgn = WIDTH / f === width ? [`rgn=${x * f},${y * f},${w * f},${h * f}&scl=${f}&fmt=png`] : [];
          for (const query of [`req=tile&rect=${x},${y},${w},${h}&${view}`, ...rgn]) {
            const got = await render(query, file);
            const where = `${file} level ${level} (${width}x${height}) ${query}`;
            if (exact) assert.equal(firstDifference(got, want), undefined, where);
            else assert.ok(compare(got, want).psnr >= 40, `${where}: ${compare(got, want).psnr.toFixed(1)} dB`);
          }
        }
      }
      // scl= as the zoom viewers ask: a power of two is a level of this pyramid.
      const got = await render(`req=tile&rect=256,256,256,256&scl=4&fmt=png`, file);
      const want = await vipsCrop(file, 2, 256, 256, 256, 256);
      if (exact) assert.equal(firstDifference(got, want), undefined, 'scl=4');
      else assert.ok(compare(got, want).psnr >= 40, 'scl=4');
    });
  }

  test('a BigTIFF pyramid and one whose levels are SubIFDs serve the same windows as the plain pyramid, exactly', async () => {
    for (const file of ['bigtiff.tif', 'subifd.tif']) {
      for (const query of ['req=tile&rect=512,256,256,256&scl=4&fmt=png', 'req=tile&rect=5888,3840,112,160&scl=1&fmt=png', 'wid=500&fmt=png']) {
        const before = await counter('isle_decoded_pixels_total');
        const got = await render(query, file);
        const decoded = (await counter('isle_decoded_pixels_total')) - before;
        assert.equal(firstDifference(got, await render(query)), undefined, `${file}?${query}`);
        // The level read, not the full page: a tile or two, or the 750x500 level.
        assert.ok(decoded <= 768 * 512, `${file}?${query}: ${decoded} pixels decoded`);
      }
    }
  });

  test('windows of a filtered view (op_usm, op_blur) are read with the filters\' reach and equal the whole view\'s pixels', async () => {
    for (const base of ['wid=1500&hei=1000&fit=stretch&op_usm=3,2,0,0', 'wid=1000&op_blur=2&op_usm=1,1,0,0']) {
      const whole = await render(`${base}&fmt=png`);
      for (const [x, y] of [[0, 0], [256, 256], [Math.floor((whole.width - 1) / 256) * 256, Math.floor((whole.height - 1) / 256) * 256]] as const) {
        const [w, h] = [Math.min(256, whole.width - x), Math.min(256, whole.height - y)];
        const tile = await render(`req=tile&rect=${x},${y},${w},${h}&${base}&fmt=png`);
        const cut = { width: w, height: h, data: new Uint8Array(w * h * 4) };
        for (let r = 0; r < h; r++) cut.data.set(whole.data.subarray(((y + r) * whole.width + x) * 4, ((y + r) * whole.width + x + w) * 4), r * w * 4);
        assert.equal(firstDifference(tile, cut), undefined, `${base}: the tile at ${x},${y}`);
      }
    }
  });

  test('wid= views read the smallest level that serves them (a single tiled page: its tiles shrunk as decoded), and match a full decode', async () => {
    // 60 wide is smaller than the pyramids' smallest level (187x125): that level shrunk as decoded.
    for (const wid of [1600, 190, 60]) {
      // whole.tif is decoded whole and reduced: the reference.
      const whole = await render(`wid=${wid}&fmt=png`, 'whole.tif');
      for (const file of ['deflate.tif', 'jpeg.tif', 'flat.tif', 'flat-jpeg.tif', 'strips.tif']) {
        const { psnr } = compare(await render(`wid=${wid}&fmt=png`, file), whole);
        // At 60 pixels a level's own 2x2 means (and a tile's box shrink) differ from one Lanczos3 of the
        // full page by about 30 dB: as much as when the 187x125 level was read whole and resampled.
        assert.ok(psnr >= (wid === 60 ? 29 : 35), `${file} wid=${wid}: ${psnr.toFixed(1)} dB against a full decode`);
      }
    }
    // A crop of the full resolution, shown reduced: the level's part of it.
    const cropped = await render('crop=1000,1000,2000,1500&wid=500&fmt=png');
    const croppedWhole = await render('crop=1000,1000,2000,1500&wid=500&fmt=png', 'whole.tif');
    assert.ok(compare(cropped, croppedWhole).psnr >= 35, 'crop= then wid=');
    // Full resolution, where no level is smaller: the same pixels as the single page's.
    const full = await render('crop=5900,3900,100,100&fmt=png');
    const fullWhole = await render('crop=5900,3900,100,100&fmt=png', 'flat.tif');
    assert.equal(firstDifference(full, fullWhole), undefined);
  });

  test("a composite's layer reads a pyramid as a view does: the smallest level that serves its size, by range, the pixels of a whole decode", async () => {
    const layer = (file: string) => `layer=1&src=${file}&size=300,200&pos=50,-20&fmt=png`;
    const before = await counter('isle_decoded_pixels_total');
    const got = await render(layer('deflate.tif'), 'bg.png');
    // The background, and the 375x250 level's two tiles of 256x256 (250 rows of them).
    assert.equal((await counter('isle_decoded_pixels_total')) - before, 600 * 400 + 2 * 256 * 250);
    const { psnr } = compare(got, await render(layer('whole.tif'), 'bg.png'));
    assert.ok(psnr >= 35, `${psnr.toFixed(1)} dB against the layer decoded whole`);
    // A crop of the layer's source reads only the tiles under it, at full resolution.
    const cropBefore = await counter('isle_decoded_pixels_total');
    const cropped = await render('layer=1&src=deflate.tif&crop=512,512,256,256&fmt=png', 'bg.png');
    assert.equal((await counter('isle_decoded_pixels_total')) - cropBefore, 600 * 400 + 256 * 256);
    assert.equal(firstDifference(cropped, await render('layer=1&src=whole.tif&crop=512,512,256,256&fmt=png', 'bg.png')), undefined);
  });

  test('a window reads by range and decodes only the tiles it touches (the workers\' decoded-pixel counter), a stripped file only its strips', async () => {
    const tile = 256 * 256;
    const cases: [string, string, number][] = [
      ['deflate.tif', 'req=tile&rect=512,512,256,256&scl=1&fmt=png', tile],
      ['deflate.tif', 'req=tile&rect=500,500,256,256&scl=1&fmt=png', 4 * tile],
      ['deflate.tif', 'req=tile&rect=0,0,256,256&scl=8&fmt=png', tile],
      // A partial tile: only its rows within the page; a Deflate tile's padding columns too, a JPEG
      // tile's frame as libvips wrote it (128 columns, whole 16-pixel blocks past the page's 112).
      ['deflate.tif', 'req=tile&rect=5888,3840,112,160&scl=1&fmt=png', 256 * 160],
      ['jpeg.tif', 'req=tile&rect=5888,3840,112,160&scl=1&fmt=png', 128 * 160],
      ['deflate.tif', 'wid=180&fmt=png', 256 * 125],
      // Smaller than the smallest level (187x125): its one tile, box-shrunk by 2 as it is decoded.
      // (jpeg.tif's 128-pixel tiles take libvips down to a 93x62 level, which serves 60 wide itself.)
      ['deflate.tif', 'wid=60&fmt=png', 256 * 125],
      ['jpeg.tif', 'wid=60&fmt=png', 128 * 62],
      // A window past the view's edge shows none of the image: one tile of the smallest level is read.
      ['deflate.tif', 'req=tile&rect=9000,9000,256,256&scl=1&fmt=png', 256 * 125],
    ];
    // The file is never read whole: its header and tiles by range, not through the source cache's whole-file reads.
    const wholeReads = async () => (await counter('isle_source_cache_misses_total')) + (await counter('isle_source_cache_hits_total'));
    const readsBefore = await wholeReads();
    for (const [file, query, pixels] of cases) {
      const before = await counter('isle_decoded_pixels_total');
      await render(query, file);
      assert.equal((await counter('isle_decoded_pixels_total')) - before, pixels, `${file}?${query}`);
    }
    assert.equal(await wholeReads(), readsBefore, 'no whole-file read');
    // A stripped file: the strips that hold the rows asked for, each the image's width.
    const before = await counter('isle_decoded_pixels_total');
    const got = await render('crop=100,100,50,50&fmt=png', 'strips.tif');
    const decoded = (await counter('isle_decoded_pixels_total')) - before;
    // libvips writes strips of 128 rows: rows 100 to 149 lie in the first two.
    assert.equal(decoded, WIDTH * 256, 'a 50-row crop decodes two strips');
    // A reduced view of it: every strip decoded, each shrunk by 4 as it is (its 128 rows hold 32 boxes).
    const stripsBefore = await counter('isle_decoded_pixels_total');
    await render('wid=1500&fmt=png', 'strips.tif');
    assert.equal((await counter('isle_decoded_pixels_total')) - stripsBefore, WIDTH * HEIGHT, 'every strip, once');
    // A reduced view of the single tiled page: every tile decoded, each shrunk by 4 as it is.
    const flatBefore = await counter('isle_decoded_pixels_total');
    const chargedBefore = await counter('isle_account_charged_total', 'meter="pixels"');
    await render('wid=1500&fmt=png', 'flat.tif');
    const flat = (await counter('isle_decoded_pixels_total')) - flatBefore;
    assert.ok(flat >= WIDTH * HEIGHT && flat < (WIDTH + 256) * HEIGHT, `${flat} pixels of tiles decoded`);
    // The request is charged the pixels decoded (the 1500x1000 level times 16), not the 1.5 MP it holds.
    assert.equal((await counter('isle_account_charged_total', 'meter="pixels"')) - chargedBefore, WIDTH * HEIGHT);
    // JPEG tiles are shrunk by their decoder (1/4 in the DCT domain): a sixteenth of the pixels come out.
    const jpegBefore = await counter('isle_decoded_pixels_total');
    await render('wid=1500&fmt=png', 'flat-jpeg.tif');
    const jpegDecoded = (await counter('isle_decoded_pixels_total')) - jpegBefore;
    assert.ok(jpegDecoded < (WIDTH * HEIGHT) / 10, `${jpegDecoded} pixels out of the JPEG decoder`);
    assert.equal(firstDifference(got, await vipsCrop('strips.tif', 0, 100, 100, 50, 50)), undefined);
  });
});

describe('pyramid limits', { skip: SKIP }, () => {
  test('a tiled source is held to --max-tiled-source-pixels whole and to --max-source-pixels by what a request decodes', async () => {
    const f = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n' }, config: { root: dir, 'max-source-pixels': '10000000', 'max-tiled-source-pixels': '30000000' } });
    try {
      assert.equal((await f.get('/is/image/deflate.tif?req=tile&rect=0,0,256,256&fmt=png')).status, 200, 'a tile of a 24 MP pyramid under a 10 MP source limit');
      assert.equal((await f.get('/is/image/deflate.tif?wid=2000&fmt=png')).status, 200, 'a view read from a 6 MP level');
      assert.equal((await f.get('/is/image/flat.tif?wid=2000&fmt=png')).status, 200, 'a single tiled page reduced tile by tile holds 6 MP');
      const whole = await f.get('/is/image/flat.tif?wid=5000&fmt=png');
      assert.equal(whole.status, 403, 'the single page would be held whole, 24 MP');
      assert.match(errorMessage(whole.text), /limit is 10000000/);
      const strips = await f.get('/is/image/strips.tif?req=tile&rect=0,0,256,256&fmt=png');
      assert.equal(strips.status, 403, 'a stripped source keeps --max-source-pixels');
      assert.equal((await f.get('/is/image/strips.tif?wid=100&fmt=png')).status, 403, 'even for a view reduced strip by strip');
      assert.equal((await f.get('/is/image/bg.png?layer=1&src=deflate.tif&size=300,200&fmt=png')).status, 200, "a composite's layer read from a level");
      // 5000x3000 of the single page, of which the 600x400 canvas shows a part: that part alone is decoded.
      assert.equal((await f.get('/is/image/bg.png?layer=1&src=flat.tif&size=5000,3000&fmt=png')).status, 200, "a layer's visible part");
    } finally {
      await f.close();
    }
    const small = await startFixture({ config: { root: dir, 'max-tiled-source-pixels': '20000000' } });
    try {
      const r = await small.get('/is/image/deflate.tif?req=tile&rect=0,0,256,256&fmt=png');
      assert.equal(r.status, 403);
      assert.match(errorMessage(r.text), /too large \(6000x4000\); the limit is 20000000/);
    } finally {
      await small.close();
    }
  });

  test('hostile directory chains (a loop, too many tiles, too many header bytes) get 403 and the server keeps serving', async () => {
    const files = { 'loop.tif': hostile('loop'), 'tiles.tif': hostile('tiles'), 'header.tif': hostile('header'), 'subifds.tif': hostile('subifds') };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const f = await startFixture({ config: { root: dir } });
    try {
      const expected: Record<string, RegExp> = { 'loop.tif': /form a loop/, 'tiles.tif': /more than 1048576 strips or tiles/, 'header.tif': /more than 16777216 bytes/, 'subifds.tif': /form a loop/ };
      for (const [name, message] of Object.entries(expected)) {
        const r = await f.get(`/is/image/${name}?wid=100&fmt=png`);
        assert.equal(r.status, 403, name);
        assert.match(errorMessage(r.text), message, name);
      }
      assert.equal((await f.get('/is/image/deflate.tif?req=tile&rect=0,0,256,256&fmt=png')).status, 200, 'still serving');
    } finally {
      await f.close();
    }
    // A request's own budget of header bytes (--max-header-bytes, MiB), over all its sources.
    const tight = await startFixture({ config: { root: dir, 'max-header-bytes': '1' } });
    try {
      writeFileSync(join(dir, 'two-mib.tif'), hostile('header', 2 * 1024 * 1024));
      const r = await tight.get('/is/image/two-mib.tif?wid=100&fmt=png');
      assert.equal(r.status, 403);
      assert.match(errorMessage(r.text), /max-header-bytes/);
      assert.equal((await tight.get('/is/image/deflate.tif?req=tile&rect=0,0,256,256&fmt=png')).status, 200, 'a real pyramid fits 1 MiB');
    } finally {
      await tight.close();
    }
  });
});

/**
 * A little-endian TIFF of one 1x1 grey page whose directories are hostile: `loop`, the page's next
 * directory is itself; `tiles`, 1,048,577 tile offsets; `header`, a tag of `bytes` values (17 MiB
 * unless told); `subifds`, a SubIFD that points back at the page.
 */
function hostile(kind: 'loop' | 'tiles' | 'header' | 'subifds', bytes = 17 * 1024 * 1024): Uint8Array {
  const entries: [number, number, number, number][] = [
    [256, 3, 1, 1],
    [257, 3, 1, 1],
    [258, 3, 1, 8],
    [259, 3, 1, 1],
    [262, 3, 1, 1],
  ];
  const ifd = 8;
  const extra = kind === 'tiles' ? (1_048_577 * 4) : kind === 'header' ? bytes : 0;
  const count = entries.length + (kind === 'loop' ? 2 : 3);
  const end = ifd + 2 + count * 12 + 4;
  const file = new Uint8Array(end + extra + 1);
  const v = new DataView(file.buffer);
  file.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, ifd, true);
  if (kind === 'tiles') entries.push([322, 3, 1, 16], [323, 3, 1, 16], [324, 4, 1_048_577, end]);
  else if (kind === 'header') entries.push([273, 4, 1, end + extra], [279, 4, 1, 1], [65000, 1, bytes, end]);
  else entries.push([273, 4, 1, end], [279, 4, 1, 1], ...(kind === 'subifds' ? ([[330, 4, 1, ifd]] as [number, number, number, number][]) : []));
  v.setUint16(ifd, entries.length, true);
  entries.sort((a, b) => a[0] - b[0]).forEach(([tag, type, n, value], i) => {
    const e = ifd + 2 + i * 12;
    v.setUint16(e, tag, true);
    v.setUint16(e + 2, type, true);
    v.setUint32(e + 4, n, true);
    if (type === 3 && n === 1) v.setUint16(e + 8, value, true);
    else v.setUint32(e + 8, value, true);
  });
  v.setUint32(ifd + 2 + entries.length * 12, kind === 'loop' ? ifd : 0, true);
  return file;
}

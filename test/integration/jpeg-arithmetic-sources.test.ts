import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { codecs } from '../helpers/pixels.ts';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { compare, firstDifference, run, skipUnless, renderedPng } from '../helpers/tools.ts';

/**
 * Arithmetic-coded JPEG sources (SOF9, SOF10), written at test time by libjpeg-turbo's cjpeg,
 * through /is/image by a real server against djpeg's decodes: sequential 4:2:0, 4:2:2 with restart
 * intervals, progressive colour and grey; the decode's cost in the work estimate; a quarter-size render (shrunk on load) exactly that of the same settings Huffman-coded; a truncated file a 403,
 * the server serving on.
 */
const SKIP = skipUnless('cjpeg', 'djpeg', 'convert');
const dir = temporaryFolder('isle-jpeg-arithmetic-');
const W = 97;
const H = 61;
let fixture: Fixture;

/** A picture with edges, gradients and noise, so every context of the coder is used. */
function picture(): Buffer {
  const rgb = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const noise = ((x * 7919 + y * 104729) % 61) - 30;
      const i = (y * W + x) * 3;
      rgb[i] = Math.max(0, Math.min(255, x * 2 + noise));
      rgb[i + 1] = Math.max(0, Math.min(255, (x > W / 2) !== (y > H / 2) ? 220 : 30 + y));
      rgb[i + 2] = Math.max(0, Math.min(255, ((x * y) % 256) - noise));
    }
  }
  return Buffer.concat([Buffer.from(`P6 ${W} ${H} 255\n`), rgb]);
}

/** djpeg's decode as RGBA: a PPM, or a PGM for a grey file. */
function djpeg(file: string) {
  const out = run(dir, 'djpeg', '-pnm', file);
  const grey = out[1] === 0x35;
  const samples = out.subarray(out.length - W * H * (grey ? 1 : 3));
  const data = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = samples[grey ? i : i * 3 + c]!;
    data[i * 4 + 3] = 255;
  }
  return { data, width: W, height: H };
}

const render = (file: string, query = `wid=${W}&fmt=png`) => renderedPng(fixture!, file, query);

before(async () => {
  await codecs();
  if (SKIP) return;
  writeFileSync(join(dir, 'src.ppm'), picture());
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

describe('arithmetic-coded JPEG sources through /is/image against djpeg', { skip: SKIP }, () => {
  const cases: [string, string[]][] = [
    ['seq.jpg', ['-quality', '85']],
    ['seq422-restart.jpg', ['-quality', '60', '-sample', '2x1,1x1,1x1', '-restart', '1']],
    ['prog.jpg', ['-quality', '90', '-progressive']],
    ['prog-grey.jpg', ['-quality', '75', '-progressive', '-grayscale', '-restart', '3B']],
  ];
  for (const [name, args] of cases) {
    test(`${name} (${args.join(' ')}): within 30 dB of djpeg's decode`, async () => {
      run(dir, 'cjpeg', '-arithmetic', ...args, '-outfile', name, 'src.ppm');
      const { psnr } = compare(await render(name), djpeg(name));
      assert.ok(psnr >= 30, `${name}: ${psnr.toFixed(1)} dB`);
    });
  }

  test('a quarter-size render (shrunk on load): exactly the render of cjpeg\'s Huffman-coded file of the same settings', async () => {
    // The same quantised coefficients, coded two ways: the decodes must agree to the pixel.
    run(dir, 'cjpeg', '-arithmetic', '-quality', '85', '-outfile', 'small-arith.jpg', 'src.ppm');
    run(dir, 'cjpeg', '-quality', '85', '-outfile', 'small-huff.jpg', 'src.ppm');
    const query = `wid=${Math.ceil(W / 4)}&fmt=png`;
    const diff = firstDifference(await render('small-arith.jpg', query), await render('small-huff.jpg', query));
    assert.equal(diff, undefined, diff);
  });

  test('the work estimate counts the arithmetic decode: refused under a --max-request-work its Huffman-coded twin fits', async () => {
    run(dir, 'convert', '-size', '300x200', 'gradient:red-blue', 'work.ppm');
    run(dir, 'cjpeg', '-arithmetic', '-outfile', 'work-arith.jpg', 'work.ppm');
    run(dir, 'cjpeg', '-outfile', 'work-huff.jpg', 'work.ppm');
    const tight = await startFixture({ config: { root: dir, 'max-request-work': '1' } });
    try {
      const fits = await tight.get('/is/image/work-huff.jpg?wid=50&fmt=jpg');
      assert.equal(fits.status, 200, errorMessage(fits.text));
      const refused = await tight.get('/is/image/work-arith.jpg?wid=50&fmt=jpg');
      assert.equal(refused.status, 403);
      assert.match(errorMessage(refused.text), /max-request-work/);
    } finally {
      await tight.close();
    }
  });

  test('a truncated arithmetic-coded file answers 403 and the server serves on', async () => {
    run(dir, 'cjpeg', '-arithmetic', '-quality', '85', '-outfile', 'whole.jpg', 'src.ppm');
    const whole = readFileSync(join(dir, 'whole.jpg'));
    writeFileSync(join(dir, 'cut.jpg'), whole.subarray(0, whole.length >> 1));
    const reply = await fixture.get(`/is/image/cut.jpg?wid=${W}&fmt=png`);
    assert.equal(reply.status, 403);
    assert.match(errorMessage(reply.text), /corrupt/);
    await render('whole.jpg');
  });
});

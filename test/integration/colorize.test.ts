import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pixels } from '../../src/image/pixels.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/*
 * op_colorize against its reference page
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-op-colorize):
 * `norm` (the default, with contrast 0) puts the median at 50% before colourising; contrast 0..100
 * widens the tonal range up to the full one and is ignored with `off`; shadows and highlights are kept.
 */

const luma = (image: Pixels) => {
  const out: number[] = [];
  for (let i = 0; i < image.data.length; i += 4) out.push(0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!);
  return out.sort((a, b) => a - b);
};
const at = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))]!;
const median = (image: Pixels) => at(luma(image), 0.5);
/** The tonal range: 1st to 99th percentile of luma. */
const range = (image: Pixels) => {
  const l = luma(image);
  return at(l, 0.99) - at(l, 0.01);
};

describe('op_colorize', () => {
  let f: Fixture;
  before(async () => {
    // A flat texture: tones 110-150 in a pattern; a ramp from black to white with a grey middle.
    const texture = synth(120, 80, (x, y) => {
      const v = 110 + (((x * 7 + y * 13) ^ (x * y)) % 41);
      return [v, v, v, 255];
    });
    f = await startFixture({
      samples: true,
      files: {
        'images/texture.png': await encodeImage(texture, 'png'),
        'images/ramp.png': await encodeImage(synth(256, 4, (x) => [x, x, x, 255]), 'png'),
        'images/grey.png': await encodeImage(synth(40, 20, () => [128, 128, 128, 255]), 'png'),
      },
    });
  });
  after(() => f.close());

  const render = async (path: string, query: string) => {
    const r = await f.get(`/is/image/${path}?fmt=png&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
    return r.body;
  };
  const image = async (path: string, query: string) => decodeImage(await render(path, query));

  test('the second and third arguments default to norm,0', async () => {
    const norm = await render('texture.png', 'op_colorize=a0b0c0,norm,0');
    assert.deepEqual(await render('texture.png', 'op_colorize=a0b0c0'), norm);
    assert.deepEqual(await render('texture.png', 'op_colorize=a0b0c0,norm'), norm);
    assert.notDeepEqual(await render('texture.png', 'op_colorize=a0b0c0,off'), norm);
  });

  test('with norm, a bright and a dark photo colourised alike land on the same median luminance', async () => {
    // The sample photo made bright and dark before colourising (colour filters run in request order).
    const bright = await image('sample/landscape', 'wid=300&op_brightness=35&op_colorize=a0b0c0');
    const dark = await image('sample/landscape', 'wid=300&op_brightness=-35&op_colorize=a0b0c0');
    assert.ok(Math.abs(median(bright) - median(dark)) <= 6, `medians ${median(bright)} and ${median(dark)}`);
    // The median lands on the colour's own luminance (50% becomes the colour).
    const own = 0.299 * 0xa0 + 0.587 * 0xb0 + 0.114 * 0xc0;
    assert.ok(Math.abs(median(bright) - own) <= 8, `median ${median(bright)}, the colour's ${own}`);
    // Without compensation they stay apart.
    const brightOff = await image('sample/landscape', 'wid=300&op_brightness=35&op_colorize=a0b0c0,off');
    const darkOff = await image('sample/landscape', 'wid=300&op_brightness=-35&op_colorize=a0b0c0,off');
    assert.ok(median(brightOff) - median(darkOff) > 40, `off: medians ${median(brightOff)} and ${median(darkOff)}`);
  });

  test('norm,100 at least doubles a flat texture\'s tonal range; contrast is ignored with off', async () => {
    const keep = await image('texture.png', 'op_colorize=808080,norm,0');
    const half = await image('texture.png', 'op_colorize=808080,norm,50');
    const full = await image('texture.png', 'op_colorize=808080,norm,100');
    assert.ok(range(full) >= 2 * range(keep), `range ${range(keep)} -> ${range(full)}`);
    assert.ok(range(half) > range(keep) && range(half) < range(full), `50 lies between: ${range(half)}`);
    assert.ok(range(full) > 200, `100 fills the range: ${range(full)}`);
    assert.deepEqual(await render('texture.png', 'op_colorize=808080,off,100'), await render('texture.png', 'op_colorize=808080,off'));
  });

  test('shadows and highlights are kept; the middle takes the colour', async () => {
    const ramp = await image('ramp.png', 'scl=1&op_colorize=ff8000,off');
    assert.deepEqual(pixelAt(ramp, 0, 1), [0, 0, 0, 255], 'black stays black');
    assert.deepEqual(pixelAt(ramp, 255, 1), [255, 255, 255, 255], 'white stays white');
    const [r, g, b] = pixelAt(ramp, 128, 1);
    assert.ok(r! >= 250 && Math.abs(g! - 128) <= 3 && b! <= 4, `50% grey becomes the colour: ${[r, g, b]}`);
    // A flat grey, normalised, is the colour itself.
    assert.deepEqual(pixelAt(await image('grey.png', 'op_colorize=306090'), 20, 10), [0x30, 0x60, 0x90, 255]);
  });
});

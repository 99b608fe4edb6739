import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/**
 * What real pages send that Scene7 serves: each is served the way the
 * decision in docs/compatibility.md ("Leniency") says, compared with the strict request it means.
 */
let f: Fixture;
before(async () => {
  // 200x100: red left half, blue right half, so crops show.
  const picture = await encodeImage(synth(200, 100, (x) => (x < 100 ? [255, 0, 0, 255] : [0, 0, 255, 255])), 'png');
  f = await startFixture({
    files: {
      'catalogs/default.ini': 'CatalogFile=records.txt\nMacroFile=presets.mac\nDefaultPix=0,0\n',
      'catalogs/records.txt': 'Id\tPath\tModifier\nimg\tpicture.png\t\ncropped\tpicture.png\tcropN=$cropN$\n',
      'catalogs/presets.mac': 'Name\tDefinition\nsized\twid=50\n',
      'images/picture.png': picture,
    },
  });
});
after(() => f.close());

const bytesOf = async (query: string) => {
  const r = await f.get(`/is/image/img?${query}`);
  assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 200)}`);
  return r.body;
};
const same = async (lenient: string, strict: string, what: string) =>
  assert.deepEqual(await bytesOf(lenient), await bytesOf(strict), `${what}: ${lenient} is served as ${strict}`);

test('fit= without wid and hei, or with req=tmb, is ignored; with a macro that gives wid it applies', async () => {
  await same('fit=crop&fmt=png', 'fmt=png', 'fit= alone');
  await same('fit=constrain,1&req=tmb&fmt=png', 'req=tmb&fmt=png', 'fit= on a thumbnail');
  await same('$sized$&fit=constrain&fmt=png', 'wid=50&fmt=png', 'wid from a macro');
  await same('wid=50&fit=hfit%2C1&fmt=png', 'wid=50&fit=hfit,1&fmt=png', 'an encoded comma');
});

test('a zero-size crop reaches to the far edge: cropN=0,0,0,0 is no crop', async () => {
  await same('cropN=0,0,0,0&fmt=png', 'fmt=png', 'cropN=0,0,0,0');
  await same('crop=0,0,0,0&fmt=png', 'fmt=png', 'crop=0,0,0,0');
  await same('crop=100,0,0,0&fmt=png', 'crop=100,0,100,100&fmt=png', 'crop=x,y,0,0');
  const right = await decodeImage(await bytesOf('cropN=0.5,0,0,1&fmt=png'));
  assert.deepEqual([right.width, right.height], [100, 100]);
  assert.deepEqual(pixelAt(right, 0, 0).slice(0, 3), [0, 0, 255]);
  const past = await f.get('/is/image/img?crop=300,0,0,0');
  assert.equal(past.status, 403, 'a crop that starts past the image is still meaningless');
});

test('flags take true/false and on/off; integers written as decimals are rounded; spaces and empty values', async () => {
  await same('iccEmbed=true&wid=50', 'iccEmbed=1&wid=50', 'iccEmbed=true');
  await same('op_sharpen=on&wid=50', 'op_sharpen=1&wid=50', 'op_sharpen=on');
  await same('iccEmbed=false&wid=50', 'wid=50', 'iccEmbed=false');
  await same('wid=49.6&fmt=png', 'wid=50&fmt=png', 'wid=49.6');
  await same('wid=50&qlt=80.4', 'wid=50&qlt=80', 'qlt=80.4');
  await same('wid=%2050%20&fmt=png', 'wid=50&fmt=png', 'stray spaces');
  await same('wid=50&hei=&fmt=png&bgc=', 'wid=50&fmt=png', 'empty values');
  await same('wid=50&FMT=PNG', 'wid=50&fmt=png', 'case');
  await same('wid=50&&&fmt=png&', 'wid=50&fmt=png', 'repeated separators');
});

test('variables named like commands are variables; an undefined macro, trim= and icc=sRGB change nothing', async () => {
  await same('$cropN=0.5,0,0.5,1&fmt=png', 'fmt=png', '$cropN= does not crop');
  const r = await f.get('/is/image/cropped?$cropN=0.5,0,0.5,1&fmt=png');
  assert.equal(r.status, 200);
  assert.equal((await decodeImage(r.body)).width, 100, 'but feeds cropN=$cropN$ of a record');
  await same('wid=50&$nothing$', 'wid=50', 'an undefined macro');
  await same('wid=50&trim=1', 'wid=50', 'trim= (not in the reference)');
  await same('wid=50&icc=sRGB&iccEmbed=0', 'wid=50', 'icc=sRGB');
  await same('wid=50&icc=sRGB%20IEC61966-2.1', 'wid=50', 'icc=sRGB IEC61966-2.1');
  await same('wid=50&bfr_overlay?layer=comp', 'wid=50', 'a second ? makes an unknown name, not a new query');
  await same('wid=50&layer=comp&.v=72', 'wid=50', 'layer=comp alone, and a comment');
});

test('values that mean nothing stay 403', async () => {
  for (const q of ['wid=abc', 'wid=-5', 'fit=sideways&wid=5', 'qlt=1000', 'flip=diagonal', 'iccEmbed=maybe', 'crop=1,2,3']) {
    const r = await f.get(`/is/image/img?${q}`);
    assert.equal(r.status, 403, q);
  }
});

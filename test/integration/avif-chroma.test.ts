import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { haloChroma, haloScene } from '../../tools/chroma-halo.ts';
import { decodePngReference, encodeImage } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { run, skipUnless } from '../helpers/tools.ts';

/*
 * fmt=avif (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-fmt)
 * at a low qlt must not draw a coloured halo into the neutral pixels beside a saturated edge:
 * grey 2 to 6 pixels from saturated squares keeps a CIELAB chroma p99 of at most 20 and a mean of
 * at most 6. The reply is decoded by libavif's avifdec, not by us.
 */
describe('AVIF beside saturated edges', { skip: skipUnless('avifdec') }, () => {
  let f: Fixture;
  let dir: string;
  before(async () => {
    dir = temporaryFolder('isle-avif-');
    f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/squares.png': await encodeImage(haloScene(), 'png') } });
  });
  after(() => f.close());

  const halo = async (query: string) => {
    const r = await f.get(`/is/image/squares.png?scl=1&fmt=avif&${query}`);
    assert.equal(r.status, 200, r.text.slice(0, 200));
    writeFileSync(join(dir, 'reply.avif'), r.body);
    run(dir, 'avifdec', '-d', '8', 'reply.avif', 'reply.png');
    return haloChroma(await decodePngReference(readFileSync(join(dir, 'reply.png'))));
  };

  for (const qlt of [40, 60, 80]) {
    test(`qlt=${qlt}: the grey beside the squares stays grey`, async () => {
      const { mean, p99 } = await halo(`qlt=${qlt}`);
      assert.ok(p99 <= 20 && mean <= 6, `chroma p99 ${p99.toFixed(1)}, mean ${mean.toFixed(1)}`);
    });
  }

  test('the figure sees a halo: the squares themselves, one pixel in, are far from grey', async () => {
    // A sanity check of the measurement: the scene's own colours have chroma far above the bound.
    const scene = haloScene();
    const shifted = { ...scene, data: scene.data.slice() };
    // Move the picture 4 pixels left: the ring now lies on the squares' colours.
    for (let y = 0; y < scene.height; y++) shifted.data.copyWithin(y * scene.width * 4, (y * scene.width + 4) * 4, (y + 1) * scene.width * 4);
    assert.ok(haloChroma(shifted).p99 > 40);
  });
});

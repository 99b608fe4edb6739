import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readContainer } from '../../src/planning/tiff-ifd.ts';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { tiledTiff } from '../../tools/tiled-tiff.ts';

/**
 * TIFFs an attacker of this build found (a helper's loopback attack): tiles of 16x16 pixels by the
 * hundred thousand, which held a worker 20-30 s for a thumbnail within every limit, and a SubIFDs tag
 * of type SHORT, which the range reader read as LONGs past the end of its values.
 */
describe('hostile TIFF layouts', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'images/tiny-tiles.tif': tiledTiff({ size: 9984, tile: 16 }),
        'images/small-tiles.tif': tiledTiff({ size: 1024, tile: 16, distinct: true }),
        'images/subifd-short.tif': tiledTiff({ size: 512, subIfdType: 3 }),
        'images/subifd-byte.tif': tiledTiff({ size: 512, subIfdType: 1 }),
      },
    });
  });
  after(() => f.close());

  test("389,376 tiles of 16x16 are refused before any is decoded: each tile's fixed cost counts in --max-request-work", async () => {
    const r = await f.get('/is/image/tiny-tiles.tif?wid=200');
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /max-request-work/);
    const fine = await f.get('/is/image/small-tiles.tif?wid=200&fmt=png');
    assert.equal(fine.status, 200, 'a megapixel of 16x16 tiles is served');
  });

  test('a SubIFDs tag of another type than LONG or IFD is ignored, by the range reader and the whole-file walk alike', async () => {
    for (const name of ['subifd-short.tif', 'subifd-byte.tif']) {
      for (const query of ['wid=100&fmt=png', 'req=props', 'req=imageprops']) {
        const r = await f.get(`/is/image/${name}?${query}`);
        assert.equal(r.status, 200, `${name}?${query}: ${errorMessage(r.text)}`);
      }
    }
    assert.equal(readContainer(tiledTiff({ size: 512, subIfdType: 3 })).directories.length, 1);
    assert.throws(() => readContainer(tiledTiff({ size: 512, subIfdType: 4 })), /form a loop/, 'the same SubIFD as a LONG is followed, back to the page');
  });
});

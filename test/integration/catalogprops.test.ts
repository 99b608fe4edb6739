import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * req=catalogprops answers the attributes Adobe's page lists
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-catalogprops),
 * catalog.watermark among them.
 */
let f: Fixture;
before(async () => {
  f = await startFixture({
    files: {
      'catalogs/default.ini': 'Watermark=stamp\n',
      'catalogs/shop.ini': 'RootId=shop\nWatermark=shop/mark\n',
      'catalogs/plain.ini': 'RootId=plain\nWatermark=\n',
    },
  });
});
after(() => f.close());

test("catalog.watermark is the catalog's Watermark attribute, empty when it has none", async () => {
  const of = async (path: string) => properties((await f.get(path)).text).get('catalog.watermark');
  assert.equal(await of('/is/image?req=catalogprops'), 'stamp', 'the default catalog');
  assert.equal(await of('/is/image/shop?req=catalogprops'), 'shop/mark', 'a named catalog');
  assert.equal(await of('/is/image/plain?req=catalogprops'), '', 'an empty Watermark turns it off');
  const json = (await f.get('/is/image/shop?req=catalogprops,json')).text;
  assert.match(json, /"catalog\.watermark":"shop\/mark"/, json);
});

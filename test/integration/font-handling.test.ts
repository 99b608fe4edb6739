import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorMessage, REPO, startFixture, type Fixture } from '../helpers/server.ts';

// https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-font-handling:
// every font the RTF names must be in a font map, "otherwise an error is returned"; DefaultFont is
// used "when none are specified explicitly in the RTF string", and for nothing else.
const enc = (s: string) => encodeURIComponent(s);
const named = (font: string) => enc(`{\\fonttbl{\\f0 ${font};}}\\f0\\fs40 x`);

describe('font handling', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'images/fonts/house.woff': readFileSync(join(REPO, 'node_modules/@fontsource/cousine/files/cousine-latin-400-normal.woff')),
        'catalogs/default.ini': 'FontMapFile=default-fonts.txt\n',
        'catalogs/default-fonts.txt': 'Name\tFontPath\tBold\tItalic\nShared Mono\tfonts/house.woff\t0\t0\n',
        'catalogs/s.ini': 'RootId=s\nDefaultPix=0,0\nFontMapFile=fonts.txt\nDefaultFont=House Mono\n',
        'catalogs/fonts.txt': 'Name\tFontPath\tBold\tItalic\nHouse Mono\tfonts/house.woff\t0\t0\n',
        'catalogs/bare.ini': 'RootId=bare\nDefaultPix=0,0\nDefaultFont=Nowhere Sans\n',
      },
    });
  });
  after(() => f.close());

  const get = (catalog: string, rtf: string) => f.get(`/is/image/${catalog}/?size=100,40&fmt=png&text=${rtf}`);

  test('a font no map knows is a 403 naming it and the maps looked in, even where DefaultFont is set', async () => {
    const r = await get('s', named('Nowhere Sans'));
    assert.equal(r.status, 403);
    assert.equal(errorMessage(r.text), `The font "Nowhere Sans" is in none of the font maps looked in: catalog s's, the default catalog's and the built-in one`);
  });

  test('an empty font map is named as such, so a catalog without FontMapFile shows', async () => {
    const r = await get('bare', named('Nowhere Sans'));
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /catalog bare's \(empty\), the default catalog's and the built-in one/);
  });

  test("the catalog's map, the default catalog's and the built-in one each answer for the names they hold", async () => {
    for (const font of ['House Mono', 'Shared Mono', 'Courier New', 'arial']) assert.equal((await get('s', named(font))).status, 200, font);
  });

  test('DefaultFont draws text that names no font; when DefaultFont itself is unknown, that text is the 403', async () => {
    assert.equal((await get('s', enc('\\fs40 x'))).status, 200);
    const r = await get('bare', enc('\\fs40 x'));
    assert.equal(r.status, 403);
    assert.match(errorMessage(r.text), /The font "Nowhere Sans" is in none of the font maps/);
  });
});

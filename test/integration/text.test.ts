import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorMessage, REPO, startFixture, type Fixture } from '../helpers/server.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import type { Pixels } from '../../src/image/pixels.ts';

// Text layers end to end: real fonts, real HTTP, pixels probed.
const enc = (s: string) => encodeURIComponent(s);

/** The bounding box of the pixels `ink` accepts, within an optional region. */
function inkBox(image: Pixels, ink: (p: number[]) => boolean, region = { x: 0, y: 0, width: image.width, height: image.height }) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      if (!ink(pixelAt(image, x, y))) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return { x0, y0, x1, y1, width: x1 - x0 + 1, height: y1 - y0 + 1, empty: x0 === Infinity };
}

const dark = (p: number[]) => p[0]! < 128 && p[1]! < 128 && p[2]! < 128;
const mostly = (channel: number) => (p: number[]) => p[channel]! > 150 && p.every((v, i) => i === channel || i === 3 || v < 100);

describe('text layers', () => {
  let f: Fixture;
  const cousine = readFileSync(join(REPO, 'node_modules/@fontsource/cousine/files/cousine-latin-400-normal.woff'));
  before(async () => {
    f = await startFixture({
      files: {
        'images/fonts/house.woff': cousine,
        'images/fonts/broken.ttf': new Uint8Array(300).fill(9),
        'catalogs/t.ini': 'RootId=t\nDefaultPix=0,0\nFontMapFile=fonts.txt\nSynthesizeFontStyles=0\n',
        'catalogs/fonts.txt': 'Name\tFontPath\tBold\tItalic\nHouse Mono\tfonts/house.woff\t0\t0\nFluffyFont\tfonts/house.woff\t0\t0\nBroken\tfonts/broken.ttf\t0\t0\n',
        'catalogs/s.ini': 'RootId=s\nDefaultPix=0,0\nFontMapFile=fonts.txt\nDefaultFont=House Mono\n',
        'catalogs/u.ini': 'RootId=u\nDefaultPix=0,0\n',
        'images/bg.png': await encodeImage(synth(100, 100, () => [255, 255, 0, 255]), 'png'),
        'images/sq.png': await encodeImage(synth(40, 60, () => [0, 0, 255, 255]), 'png'),
        // Adobe's template Example A (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/r-example-a), its text layer included.
        'catalogs/tpl.ini': 'RootId=tpl\nDefaultPix=0,0\nCatalogFile=tpl.txt\n',
        'catalogs/tpl.txt':
          'Id\tPath\tModifier\n' +
          'sq\tsq.png\t\n' +
          'myTemplate1\t\tsrc=bg.png&size=1000,1000&originN=0,0&layer=1&src=$object$&size=800,800&originN=-0.5,0&posN=-0.5,0&layer=2&$text=layer+2+text+goes+here&text={\\fs80 $text$}&rotate=-90&originN=0.5,0&posN=0.5,0\n',
      },
      config: { 'max-font-size': '500' },
    });
  });
  after(() => f.close());

  const image = async (path: string) => {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };
  const refused = async (path: string, message: RegExp) => {
    const r = await f.get(path);
    assert.equal(r.status, 403, path);
    assert.match(errorMessage(r.text), message);
  };

  test("Adobe's RTF encoding examples render (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-rtf-encoding-examples)", async () => {
    const examples = [
      '\\fs16eight, \\fs32sixteen, \\fs60thirty, \\fs100fifty',
      '\\fs48normal, \\b1Bold\\b0, \\i1italic\\i0',
      '{\\fonttbl{\\f0\\fcharset0 Arial;}{\\f1\\fcharset0 Courier New;}{\\f2\\fcharset0 Palatino Linotype;}}\\f0\\fs50 Arial, \\f1 Courier, \\f2 Palatino',
      '{\\colortbl ;\\red255\\green0\\blue0;\\red0\\green128\\blue0;\\red0\\green0\\blue255;}\\fs48\\cf1red, \\cf2green, \\cf3blue',
      '\\fs36normal{\\super superscript}normal{\\sub subscript}',
      'normal{\\up20raised}normal{\\dn20lowered}',
      '{\\fonttbl{\\f0\\fmodern\\fprq1\\fcharset0 Courier New;}}\\f0\\fs72{\\rtlch desrever}',
    ];
    for (const rtf of examples) {
      const img = await image(`/is/image/u/?fmt=png&size=300,50&bgc=f0f0f0&text=${enc(rtf)}`);
      assert.equal(img.width, 300);
      assert.ok(!inkBox(img, (p) => p[0]! < 100 || p[1]! < 100 || p[2]! < 100).empty, `${rtf}: no ink`);
    }
    // The \fs100 "fifty" of the first example is 50 px tall in em: its ink reaches near the bottom.
    const sizes = await image(`/is/image/u/?fmt=png&size=300,50&bgc=f0f0f0&text=${enc(examples[0]!)}`);
    const box = inkBox(sizes, dark);
    assert.ok(box.y1 >= 35 && box.height >= 30, `ink ${JSON.stringify(box)}`);
    // Colours: red, then green, then blue, left to right.
    const colours = await image(`/is/image/u/?fmt=png&size=300,50&bgc=f0f0f0&text=${enc(examples[3]!)}`);
    const red = inkBox(colours, mostly(0));
    const green = inkBox(colours, (p) => p[1]! > 90 && p[0]! < 60 && p[2]! < 60);
    const blue = inkBox(colours, mostly(2));
    assert.ok(red.x1 < green.x0 && green.x1 < blue.x0, `red ${red.x0}-${red.x1}, green ${green.x0}-${green.x1}, blue ${blue.x0}-${blue.x1}`);
  });

  test('the alignment example: top-left, centre, bottom-right in three layers of sizeN=1,1', async () => {
    const img = await image(
      `/is/image/u/?fmt=png&size=300,50&bgc=f0f0f0&text=top-left&layer=1&sizen=1,1&text=${enc('\\vertalc\\qc center')}&layer=2&sizen=1,1&text=${enc('\\vertalb\\qr bottom-right')}`,
    );
    const left = inkBox(img, dark, { x: 0, y: 0, width: 100, height: 15 });
    const centre = inkBox(img, dark, { x: 100, y: 15, width: 100, height: 20 });
    const right = inkBox(img, dark, { x: 200, y: 35, width: 100, height: 15 });
    assert.ok(left.x0 <= 2 && left.y0 <= 4, `top-left at ${left.x0},${left.y0}`);
    assert.ok(Math.abs((centre.x0 + centre.x1) / 2 - 150) <= 2, `centre spans ${centre.x0}-${centre.x1}`);
    assert.ok(right.x1 >= 296 && right.y1 >= 44, `bottom-right ends at ${right.x1},${right.y1}`);
  });

  test('the real text= box: Arial, \\colortbl, \\copyfit ignored, \\vertalc \\qc \\cf0 \\fs42 at size=370,70 textAttr=130 with bgcolor', async () => {
    const rtf = '{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}}{\\colortbl \\red255\\green255\\blue255;}\\copyfit1000\\vertalc\\qc\\cf0\\fs42 SALE}';
    const img = await image(`/is/image/u/?fmt=png&layer=0&color=202020&size=400,100&layer=1&size=370,70&textAttr=130&bgcolor=cc0000&text=${enc(rtf)}`);
    // The box is red, centred on the canvas (15,15 to 385,85); the white text is centred in it.
    assert.deepEqual(pixelAt(img, 20, 20).slice(0, 3), [204, 0, 0]);
    assert.deepEqual(pixelAt(img, 5, 5).slice(0, 3), [32, 32, 32]);
    const white = inkBox(img, (p) => p[0]! > 200 && p[1]! > 200 && p[2]! > 200);
    assert.ok(Math.abs((white.x0 + white.x1) / 2 - 200) <= 2, `text spans ${white.x0}-${white.x1}`);
    // 21 pt at 130 dpi is 37.9 px an em: the capitals are about 27 px tall.
    assert.ok(white.height >= 24 && white.height <= 30, `cap height ${white.height}`);
    assert.ok(Math.abs((white.y0 + white.y1) / 2 - 50) <= 6, `text rows ${white.y0}-${white.y1}`);
  });

  test('the real banner: plain textps strings as point text at pos= with textattr on a solid layer 0', async () => {
    const img = await image(
      `/is/image/u/?fmt=png&layer=0&color=f0f0f0&size=600,200&layer=1&textps=Heading&pos=-250,-40&textattr=80&layer=2&textps=One More Heading&pos=-250,20&textattr=90`,
    );
    // Point text: the first baseline sits on the origin, the text to its right (x = 300 - 250 = 50).
    const heading = inkBox(img, dark, { x: 0, y: 0, width: 600, height: 70 });
    assert.ok(Math.abs(heading.x0 - 51) <= 2, `Heading starts at ${heading.x0}`);
    // The H (no descender) ends on the baseline, y = 100 - 40.
    const h = inkBox(img, dark, { x: heading.x0, y: 0, width: 6, height: 70 });
    assert.ok(Math.abs(h.y1 - 59) <= 1, `Heading's baseline at ${h.y1}`);
    const second = inkBox(img, dark, { x: 0, y: 80, width: 600, height: 60 });
    const o = inkBox(img, dark, { x: second.x0, y: 80, width: 8, height: 60 });
    assert.ok(Math.abs(o.y1 - 119) <= 1 && second.width > heading.width, `second line ${JSON.stringify(second)}, its O ends at ${o.y1}`);
  });

  test('text layers take layer commands: a drop shadow, opacity and a blend mode', async () => {
    const base = `/is/image/u/?fmt=png&layer=0&color=ffffff&size=300,100&layer=1&textPs=${enc('\\fs80 I')}&pos=0,0`;
    const plain = await image(base);
    const shadowed = await image(`${base}&effect=-1&pos=10,0&color=ff0000&opac=100`);
    const stem = inkBox(plain, dark);
    const red = inkBox(shadowed, mostly(0));
    assert.ok(Math.abs(red.x1 - (stem.x1 + 10)) <= 1, `shadow ends at ${red.x1}, the stem at ${stem.x1}`);
    const faded = await image(`${base}&opac=50`);
    const mid = pixelAt(faded, Math.round((stem.x0 + stem.x1) / 2), Math.round((stem.y0 + stem.y1) / 2));
    assert.ok(Math.abs(mid[0]! - 128) <= 3, `half-opaque black over white is ${mid[0]}`);
    const screened = await image(`${base}&blendMode=screen`);
    assert.ok(inkBox(screened, dark).empty, 'black screened over white leaves white');
  });

  test("Adobe's template Example A: the variable text turned up the right edge, centred", async () => {
    const img = await image(`/is/image/tpl/sq?template=myTemplate1&$text=about+the+image&fmt=png&wid=1000`);
    assert.deepEqual([img.width, img.height], [1000, 1000]);
    const text = inkBox(img, dark);
    assert.ok(text.x1 >= 990 && text.x0 > 900, `the text sits at the right edge: ${JSON.stringify(text)}`);
    assert.ok(text.height > 4 * text.width, `and runs up it: ${text.width}x${text.height}`);
    assert.ok(Math.abs((text.y0 + text.y1) / 2 - 500) <= 3, `centred: rows ${text.y0}-${text.y1}`);
    // The image of the path, fitted in 800x800, at the left edge, centred.
    assert.deepEqual(pixelAt(img, 10, 500).slice(0, 3), [0, 0, 255]);
    assert.deepEqual(pixelAt(img, 700, 500).slice(0, 3), [255, 255, 0]);
  });

  test('textAngle=90 turns the text top to bottom', async () => {
    const img = await image(`/is/image/u/?fmt=png&layer=0&color=ffffff&size=300,300&layer=1&textPs=${enc('\\fs60 Turned')}&textAngle=90`);
    const box = inkBox(img, dark);
    assert.ok(box.height > 2 * box.width, `turned ink is ${box.width}x${box.height}`);
  });

  test('textAttr anti-aliasing off draws only full pixels', async () => {
    const img = await image(`/is/image/u/?fmt=png&size=200,60&bgc=ffffff&text=${enc('\\fs60 Aa')}&textAttr=72,off`);
    const values = new Set<number>();
    for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) values.add(pixelAt(img, x, y)[0]!);
    assert.deepEqual([...values].sort((a, b) => a - b), [0, 255]);
  });

  test("variables reach the text, as in Adobe's copy-fitting examples", async () => {
    const img = await image(`/is/image/u/?fmt=png&size=300,100&bgc=ffffff&textPs=${enc('{\\fs10\\copyfit100 $A$}')}&$A=Hi`);
    const box = inkBox(img, dark);
    assert.ok(box.height > 25, `copy-fitted "Hi" is ${box.height} px tall`);
  });

  test("the catalog's font map: a mapped name draws with its file; DefaultFont draws text that names no font", async () => {
    const width = async (catalog: string, font: string, text: string) =>
      inkBox(await image(`/is/image/${catalog}/?fmt=png&size=600,80&bgc=ffffff&text=${enc(`{\\fonttbl{\\f0 ${font};}}\\f0\\fs80 ${text}`)}`), dark).width;
    // House Mono is Cousine: every glyph has the same advance, so iiii and MMMM take the same room.
    const iMono = await width('t', 'House Mono', 'i.i.i.i');
    const mMono = await width('t', 'House Mono', 'M.M.M.M');
    assert.ok(Math.abs(iMono - mMono) <= 30, `monospace: ${iMono} vs ${mMono}`);
    const iArial = await width('t', 'Arial', 'i.i.i.i');
    const mArial = await width('t', 'Arial', 'M.M.M.M');
    assert.ok(mArial - iArial > 60, `proportional: ${iArial} vs ${mArial}`);
    const unnamed = inkBox(await image(`/is/image/s/?fmt=png&size=600,80&bgc=ffffff&text=${enc('\\fs80 M.M.M.M')}`), dark).width;
    assert.equal(unnamed, mMono);
    // The fluffy-font example of https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-text-positioning, with FluffyFont in the map.
    await image(`/is/image/t/?size=230,50&bgc=f0f0f0&fmt=png&textPs=${enc('{\\fonttbl{\\f1\\fcharset0 FluffyFont;}}\\f1\\fs88 fluffy font problems')}`);
  });

  test('font errors are 403s: unknown fonts, styles the map lacks without synthesis, unreadable files', async () => {
    await refused(`/is/image/u/?size=100,40&text=${enc('{\\fonttbl{\\f0 Nowhere Sans;}}\\f0 x')}`, /Nowhere Sans.*none of the font maps/);
    await refused(`/is/image/t/?size=100,40&text=${enc('{\\fonttbl{\\f0 House Mono;}}\\f0\\b x')}`, /no bold face of House Mono/);
    await refused(`/is/image/t/?size=100,40&text=${enc('{\\fonttbl{\\f0 Broken;}}\\f0 x')}`, /cannot be read/);
    // With SynthesizeFontStyles (catalog s inherits the default, on), the regular face is emboldened.
    const regular = inkBox(await image(`/is/image/s/?fmt=png&size=300,80&bgc=ffffff&text=${enc('{\\fonttbl{\\f0 House Mono;}}\\f0\\fs80 l')}`), dark);
    const bold = inkBox(await image(`/is/image/s/?fmt=png&size=300,80&bgc=ffffff&text=${enc('{\\fonttbl{\\f0 House Mono;}}\\f0\\fs80\\b l')}`), dark);
    assert.ok(bold.width > regular.width, `bold ${bold.width} vs ${regular.width}`);
  });

  test('bad text input is a 403: malformed RTF, text that cannot fit, absurd sizes (--max-font-size), paths', async () => {
    await refused(`/is/image/u/?size=100,40&text=${enc('a}b')}`, /Malformed RTF/);
    await refused(`/is/image/u/?size=100,40&textPs=${enc(`{\\fs40\\copyfit80 ${'word '.repeat(100)}}`)}`, /does not fit/);
    await refused(`/is/image/u/?size=100,40&text=${enc('\\fs2000 x')}`, /over the limit of 500/);
    await refused(`/is/image/u/?size=100,40&text=x&textAttr=5000`, /over the limit of 500/);
    await refused(`/is/image/u/?size=100,40&textPs=x&textPath=${enc('M0,0L10,10')}`, /textpath is not supported/);
    await refused(`/is/image/u/?size=100,40&textPs=x&textFlowPath=${enc('M0,0L10,10')}`, /textflowpath is not supported/);
    await refused(`/is/image/u/?size=100,40&text=x&textAttr=72,fuzzy`, /anti-aliasing/);
    // Every text layer obeys the largest image a render step may make (--max-source-pixels, 100 MP).
    await refused(`/is/image/u/?layer=0&color=ffffff&size=100,100&layer=1&textPs=${enc('\\fs1000 '.concat('W'.repeat(500)))}`, /Text layer 1 would have .* pixels; the limit is 100000000/);
  });
});

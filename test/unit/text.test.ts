import { unlimited } from '../../src/protocol/account.ts';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { loadCatalogs } from '../../src/catalog/load.ts';
import { IsError } from '../../src/protocol/errors.ts';
import type { TextSpec } from '../../src/protocol/request.ts';
import { Fonts } from '../../src/inputs/fonts.ts';
import { Face, unwrapWoff } from '../../src/text/faces.ts';
import { layoutText } from '../../src/text/layout.ts';
import type { LayoutSettings, TextLayout } from '../../src/text/layout-types.ts';
import { parseRtf } from '../../src/text/rtf.ts';
import { REPO } from '../helpers/server.ts';

const catalogs = loadCatalogs(join(REPO, 'samples/catalogs'));
const catalog: Catalog = catalogs.defaultCatalog;
const fonts = new Fonts(join(REPO, 'samples/images'));

const spec = (rtf: string, form: TextSpec['form'] = 'text'): TextSpec => ({ form, rtf, resolution: 72, antialias: true, resMode: 'fixed', wrap: 'wrap', angle: 0 });

async function lay(rtf: string, settings: Partial<LayoutSettings> = {}, form: TextSpec['form'] = 'text'): Promise<TextLayout> {
  const { doc, fonts: lookup } = await fonts.prepare(spec(rtf, form), catalog, catalog, unlimited());
  return layoutText(doc, lookup, { form, resolution: 72, wrap: 'wrap', resMode: 'fixed', maxFontSize: 2000, ...settings });
}

const forbidden = (message: RegExp) => (err: unknown) => err instanceof IsError && err.status === 403 && message.test(err.message);

describe('the RTF subset', () => {
  test('font and colour tables, styles in groups, toggles, paragraphs and lines', () => {
    const doc = parseRtf(
      '{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fmodern\\fprq1\\fcharset0 Courier New;}{\\f1 Arial;}}{\\colortbl;\\red255\\green0\\blue0;\\red0\\green0\\blue255;}' +
        '\\f1\\fs40 plain {\\b bold \\cf1 red}\\b1 B\\b0 \\i I\\i0\\par\\qc second\\line third}',
      'text',
    );
    assert.deepEqual([...doc.fonts], [[0, 'Courier New'], [1, 'Arial']]);
    const [p1, p2] = doc.paragraphs;
    assert.deepEqual(p1!.runs.map((r) => [r.text, r.style.bold, r.style.italic, r.style.size, r.style.font]), [
      ['plain ', false, false, 40, 1],
      ['bold ', true, false, 40, 1],
      ['red', true, false, 40, 1],
      ['B', true, false, 40, 1],
      ['I', false, true, 40, 1],
    ]);
    assert.deepEqual(p1!.runs[2]!.style.color, { r: 255, g: 0, b: 0, a: 255 });
    // The group ended: back to black.
    assert.deepEqual(p1!.runs[3]!.style.color, { r: 0, g: 0, b: 0, a: 255 });
    assert.equal(p2!.style.align, 'center');
    assert.equal(p2!.runs.map((r) => r.text).join(''), 'second\nthird');
  });

  test('colour tables index literally: a table without a leading ; makes \\cf0 its first colour (real URLs)', () => {
    const doc = parseRtf('{\\colortbl \\red255\\green255\\blue255;}\\cf0 white', 'text');
    assert.deepEqual(doc.paragraphs[0]!.runs[0]!.style.color, { r: 255, g: 255, b: 255, a: 255 });
    const standard = parseRtf('{\\colortbl;\\red0\\green128\\blue0;}\\cf0 auto\\cf1 green\\cf9 missing', 'text');
    assert.deepEqual(standard.paragraphs[0]!.runs.map((r) => r.style.color.g), [0, 128, 0]);
  });

  test('\\*\\iscolortbl comes first, \\cmykcolortbl only for text=, unknown \\* destinations are skipped', () => {
    const rtf = '{\\colortbl;\\red255\\green0\\blue0;}{\\cmykcolortbl;\\cyan100\\magenta0\\yellow0\\black0;}{\\*\\iscolortbl;00ff00;}{\\*\\unknowndest skipped}\\cf1 x';
    assert.deepEqual(parseRtf(rtf, 'textps').paragraphs[0]!.runs[0]!.style.color, { r: 0, g: 255, b: 0, a: 255 });
    const noIs = '{\\colortbl;\\red255\\green0\\blue0;}{\\cmykcolortbl;\\cyan100\\magenta0\\yellow0\\black0;}\\cf1 x';
    assert.deepEqual(parseRtf(noIs, 'text').paragraphs[0]!.runs[0]!.style.color, { r: 0, g: 255, b: 255, a: 255 });
    assert.deepEqual(parseRtf(noIs, 'textps').paragraphs[0]!.runs[0]!.style.color, { r: 255, g: 0, b: 0, a: 255 });
    assert.equal(parseRtf(rtf, 'text').paragraphs[0]!.runs.map((r) => r.text).join(''), 'x');
  });

  test('escapes: \\uN with its fallback skipped, \\\'hh in Windows-1252, literal braces and backslashes, UTF-8 as is', () => {
    const doc = parseRtf("caf\\'e9 \\u8364? \\u-4064?x \\{\\}\\\\ \\~ ü", 'text');
    assert.equal(doc.paragraphs[0]!.runs.map((r) => r.text).join(''), 'café € \uf020x {}\\ \u00a0 ü');
  });

  test('plain text is taken as it is; unknown control words are ignored', () => {
    assert.equal(parseRtf('One More Heading', 'textps').paragraphs[0]!.runs[0]!.text, 'One More Heading');
    assert.equal(parseRtf('\\foo12 \\bar kept', 'text').paragraphs[0]!.runs[0]!.text, 'kept');
  });

  test('paragraph, document and copy-fit words', () => {
    const doc = parseRtf('\\margl200\\margt400\\vertalc\\copyfitlines2\\li100\\ri50\\fi-20\\sl-480\\sb60\\sa120\\qj\\fs10\\copyfit100\\expnd4\\up6\\ul u\\ulnone n', 'textps');
    assert.deepEqual(doc.margins, { left: 200, right: 0, top: 400, bottom: 0 });
    assert.equal(doc.vertical, 'center');
    assert.equal(doc.copyfitLines, 2);
    assert.deepEqual(doc.paragraphs[0]!.style, { align: 'justify', leftIndent: 100, rightIndent: 50, firstIndent: -20, spaceBefore: 60, spaceAfter: 120, lineSpacing: -480, lineMultiple: false });
    const [u, n] = doc.paragraphs[0]!.runs;
    assert.deepEqual([u!.style.size, u!.style.copyfit, u!.style.spacing, u!.style.shift, u!.style.underline, n!.style.underline], [10, 100, 20, 6, true, false]);
  });

  test('malformed RTF is a 403: a stray }, a lone backslash, bad hex, nesting past the limit; open groups close at the end', () => {
    assert.throws(() => parseRtf('a}b', 'text'), forbidden(/closes no group/));
    assert.throws(() => parseRtf('ab\\', 'text'), forbidden(/backslash/));
    assert.throws(() => parseRtf("\\'zz", 'text'), forbidden(/hex/));
    assert.throws(() => parseRtf('{'.repeat(100), 'text'), forbidden(/nest/));
    assert.equal(parseRtf('{\\b open', 'text').paragraphs[0]!.runs[0]!.style.bold, true);
  });

  test('any string parses to a document or a 403, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[{}\\a-z0-9 ;'\-*]{0,60}$/), (s) => {
        try {
          parseRtf(s, 'textps');
        } catch (err) {
          assert.ok(err instanceof IsError && err.status === 403, String(err));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('layout on the built-in fonts', () => {
  test('glyphs sit at their advances, kerning included: AVAWAY is narrower with kerning than without', async () => {
    const kerned = await lay('\\fs200 AVAWAY');
    const plain = await lay('\\fs200{\\kerning0 AVAWAY}');
    const xs = (l: TextLayout) => l.glyphs.map((g) => g.x);
    // Arimo at 100 px: HarfBuzz's own advances, with and without the kern feature.
    const face = kerned.glyphs[0]!.face;
    const scale = 100 / face.metrics.unitsPerEm;
    const expected = (kerning: boolean) => {
      let x = 0;
      return face.shape('AVAWAY', { rtl: false, kerning }).map((g) => {
        const at = x;
        x += g.advance * scale;
        return at;
      });
    };
    xs(kerned).forEach((x, i) => assert.ok(Math.abs(x - expected(true)[i]!) < 1, `kerned glyph ${i} at ${x}, not ${expected(true)[i]}`));
    xs(plain).forEach((x, i) => assert.ok(Math.abs(x - expected(false)[i]!) < 1, `glyph ${i} at ${x}, not ${expected(false)[i]}`));
    assert.ok(xs(kerned).at(-1)! < xs(plain).at(-1)! - 10, `kerning moved Y by ${xs(plain).at(-1)! - xs(kerned).at(-1)!} px`);
    // Arimo is metric-compatible with Arial: A is 1366/2048 em wide.
    assert.ok(Math.abs(expected(false)[1]! - (1366 / 2048) * 100) < 0.5, 'Math.abs(expected(false)[1]! - (1366 / 2048) * 100) < 0.5');
  });

  test('lines break at spaces inside the box; a word longer than a line is broken (wrap) or overflows (nbWrap)', async () => {
    const l = await lay('\\fs40 one two three four five six', { box: { width: 150, height: 0 } });
    assert.ok(l.lines >= 2, `${l.lines} lines`);
    for (const g of l.glyphs) assert.ok(g.x < 150, `glyph at ${g.x}`);
    assert.ok(l.height > 40, 'l.height > 40');
    const long = await lay('\\fs40 Supercalifragilistic', { box: { width: 100, height: 0 } });
    assert.ok(long.lines >= 2, 'long.lines >= 2');
    const kept = await lay('\\fs40 Supercalifragilistic', { box: { width: 100, height: 0 }, wrap: 'nbwrap' });
    assert.equal(kept.lines, 1);
    const none = await lay('\\fs40 one two three four five six', { box: { width: 150, height: 0 }, wrap: 'nowrap' });
    assert.equal(none.lines, 1);
  });

  test('\\fi indents the first line of every paragraph, \\li every line', async () => {
    const l = await lay('\\fi400 one\\par two', { box: { width: 300, height: 0 } });
    const starts = l.glyphs.filter((g, i) => i === 0 || g.y !== l.glyphs[i - 1]!.y).map((g) => g.x);
    assert.deepEqual(starts.map(Math.round), [20, 20]);
    const indented = await lay('\\li200 one\\line two', { box: { width: 300, height: 0 } });
    const lines = indented.glyphs.filter((g, i) => i === 0 || g.y !== indented.glyphs[i - 1]!.y).map((g) => Math.round(g.x));
    assert.deepEqual(lines, [10, 10]);
  });

  test('alignment offsets: left at the box edge, right at the far edge, centre between', async () => {
    const width = (l: TextLayout) => l.glyphs.at(-1)!.x + l.glyphs.at(-1)!.face.shape('o', { rtl: false, kerning: true })[0]!.advance * l.glyphs.at(-1)!.scale;
    const left = await lay('\\fs40 Hello', { box: { width: 300, height: 100 } });
    const right = await lay('\\qr\\fs40 Hello', { box: { width: 300, height: 100 } });
    const centre = await lay('\\qc\\fs40 Hello', { box: { width: 300, height: 100 } });
    const w = width(left);
    assert.ok(Math.abs(left.glyphs[0]!.x) < 0.01, 'Math.abs(left.glyphs[0]!.x) < 0.01');
    assert.ok(Math.abs(right.glyphs[0]!.x - (300 - w)) < 1, `right starts at ${right.glyphs[0]!.x}, want ${300 - w}`);
    assert.ok(Math.abs(centre.glyphs[0]!.x - (300 - w) / 2) < 1, 'Math.abs(centre.glyphs[0]!.x - (300 - w) / 2) < 1');
  });

  test('vertical alignment and the first baseline: textPs puts the top of the character cell (the ink top of d) at the top', async () => {
    const top = await lay('\\fs100 Hx', { box: { width: 300, height: 200 } }, 'textps');
    const face = top.glyphs[0]!.face;
    const px = (units: number) => (units / face.metrics.unitsPerEm) * 50;
    const cell = px(face.metrics.cellAscender);
    const d = face.extents(face.shape('d', { rtl: false, kerning: true })[0]!.glyph)!;
    assert.ok(Math.abs(px(d.top) - cell) < 1e-9 && cell < px(face.metrics.ascender) - 5, `cell ${cell}, d ${px(d.top)}, ascender ${px(face.metrics.ascender)}`);
    assert.ok(Math.abs(top.glyphs[0]!.y - cell) < 0.5, `baseline ${top.glyphs[0]!.y}, cell ${cell}`);
    // text= keeps the ascender above its first baseline.
    const text = await lay('\\fs100 Hx', { box: { width: 300, height: 200 } }, 'text');
    assert.ok(Math.abs(text.glyphs[0]!.y - px(face.metrics.ascender)) < 0.5, `text= baseline ${text.glyphs[0]!.y}`);
    const bottom = await lay('\\vertalb\\fs100 Hx', { box: { width: 300, height: 200 } }, 'textps');
    const centre = await lay('\\vertalc\\fs100 Hx', { box: { width: 300, height: 200 } }, 'textps');
    const lineHeight = px(face.metrics.ascender - face.metrics.descender + face.metrics.lineGap);
    const block = lineHeight - (px(face.metrics.ascender) - cell);
    assert.ok(Math.abs(bottom.glyphs[0]!.y - (200 - block + cell)) < 0.5, `bottom baseline ${bottom.glyphs[0]!.y}`);
    assert.ok(Math.abs(centre.glyphs[0]!.y - ((200 - block) / 2 + cell)) < 0.5, `centre baseline ${centre.glyphs[0]!.y}`);
  });

  test('units: \\fs is half-points and textAttr\'s resolution scales them, px = pt x res / 72', async () => {
    const at72 = await lay('\\fs42 x');
    const at130 = await lay('\\fs42 x', { resolution: 130 });
    const em = (l: TextLayout) => l.glyphs[0]!.scale * l.glyphs[0]!.face.metrics.unitsPerEm;
    assert.ok(Math.abs(em(at72) - 21) < 1e-9, 'Math.abs(em(at72) - 21) < 1e-9');
    assert.ok(Math.abs(em(at130) - (21 * 130) / 72) < 1e-9, 'Math.abs(em(at130) - (21 * 130) / 72) < 1e-9');
  });

  test('textPs drops the lines that do not fit; text= keeps them for the box to clip', async () => {
    const rtf = '\\fs40 one\\line two\\line three\\line four';
    const ps = await lay(rtf, { box: { width: 300, height: 30 } }, 'textps');
    const box = await lay(rtf, { box: { width: 300, height: 30 } }, 'text');
    assert.equal(ps.lines, 1);
    assert.equal(box.lines, 4);
  });

  test('text= keeps raised text inside the box: it moves down where textPs clips (the reference\'s text positioning page)', async () => {
    const rtf = '\\fs40 Normal {\\up20 Raised} Normal';
    const text = await lay(rtf, { box: { width: 230, height: 50 } }, 'text');
    const ps = await lay(rtf, { box: { width: 230, height: 50 } }, 'textps');
    const inkTop = (l: TextLayout) => Math.min(...l.glyphs.map((g) => g.y - (g.face.extents(g.glyph)?.top ?? 0) * g.scale));
    assert.ok(inkTop(text) >= -0.01, `text= ink starts at ${inkTop(text)}`);
    assert.ok(inkTop(ps) < 0, `textPs ink starts at ${inkTop(ps)}`);
  });

  test('point text: the layer is the text, its anchor the alignment point on the first baseline', async () => {
    const l = await lay('\\fs60 Heading', {}, 'textps');
    assert.ok(l.anchor, 'l.anchor');
    assert.equal(l.anchor.x, 0);
    assert.ok(Math.abs(l.anchor.y - l.glyphs[0]!.y) < 1e-9, 'Math.abs(l.anchor.y - l.glyphs[0]!.y) < 1e-9');
    const right = await lay('\\qr\\fs60 Heading', {}, 'textps');
    assert.ok(Math.abs(right.anchor!.x - right.width) < 1, 'Math.abs(right.anchor!.x - right.width) < 1');
  });

  test('autoRes fills the box without clipping; maxRes lowers the resolution only when it must', async () => {
    const box = { width: 300, height: 60 };
    const auto = await lay('\\fs20 Grow me', { box, resMode: 'auto' });
    const fixed = await lay('\\fs20 Grow me', { box });
    assert.ok(auto.glyphs[0]!.scale > fixed.glyphs[0]!.scale * 2, 'auto.glyphs[0]!.scale > fixed.glyphs[0]!.scale * 2');
    const max = await lay('\\fs20 Grow me', { box, resMode: 'max' });
    assert.equal(max.glyphs[0]!.scale, fixed.glyphs[0]!.scale);
    const shrunk = await lay('\\fs200 Shrink me please', { box, resMode: 'max' });
    assert.ok(shrunk.glyphs[0]!.scale * shrunk.glyphs[0]!.face.metrics.unitsPerEm < 100, 'shrunk.glyphs[0]!.scale * shrunk.glyphs[0]!.face.metrics.unitsPerEm < 100');
    assert.equal(shrunk.lines, 1);
  });

  test('an Arabic line is shaped right to left with joined forms', async () => {
    const l = await lay('\\fs80 مرحبا');
    const face = l.glyphs[0]!.face;
    const isolated = [...'مرحبا'].map((ch) => face.shape(ch, { rtl: true, kerning: true })[0]!.glyph);
    const shown = l.glyphs.map((g) => g.glyph);
    // HarfBuzz returns glyphs in visual order: the first letter is the rightmost.
    const firstLetter = face.shape('مرحبا', { rtl: true, kerning: true }).findIndex((g) => g.cluster === 0);
    assert.equal(firstLetter, shown.length - 1, 'the first letter is drawn last, at the right');
    const joined = shown.filter((g) => !isolated.includes(g)).length;
    assert.ok(joined >= 3, `${joined} of ${shown.length} glyphs are joining forms`);
    assert.equal(face, l.glyphs.at(-1)!.face);
    assert.equal(Math.max(...l.glyphs.map((g) => g.x)), l.glyphs.at(-1)!.x);
  });

  test('Korean falls back to Nanum Gothic in a Latin font; each script in its own face', async () => {
    const l = await lay('\\fs40 Hi 안녕');
    const faces = new Set(l.glyphs.map((g) => g.face));
    assert.ok(faces.size >= 2, 'faces.size >= 2');
    assert.ok(l.glyphs.every((g) => g.glyph !== 0), 'no .notdef glyph');
  });
});

// https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-copy-fitting
describe('copy-fitting', () => {
  const box = { width: 300, height: 100 };
  const size = (l: TextLayout, i: number) => Math.round(l.glyphs[i]!.scale * l.glyphs[i]!.face.metrics.unitsPerEm * 100) / 100;
  const sizes = (l: TextLayout) => l.glyphs.map((_, i) => size(l, i));
  const big = (l: TextLayout) => Math.max(...sizes(l));
  const small = (l: TextLayout) => Math.min(...sizes(l));
  const little = 'A';
  const words = 'many words of text that fill the box at the smallest size and more words again and again and again and again and again until it is full';
  const much = `${words} ${words} ${words} ${words}`;

  test('the same ratio throughout the range: B is always twice the rest', async () => {
    for (const body of [little, much]) {
      const l = await lay(`{\\fs10\\copyfit100 ${body}{\\fs20\\copyfit200 B}${body}}`, { box }, 'textps');
      const a = small(l);
      const b = big(l);
      assert.ok(Math.abs(b / a - 2) < 0.01, `${body.length} characters: A at ${a} px, B at ${b} px`);
    }
    const few = await lay(`{\\fs10\\copyfit100 ${little}{\\fs20\\copyfit200 B}${little}}`, { box }, 'textps');
    assert.ok(small(few) > 25, `little text grows to ${small(few)} px`);
    const many = await lay(`{\\fs10\\copyfit100 ${much}{\\fs20\\copyfit200 B}${much}}`, { box }, 'textps');
    assert.ok(small(many) < small(few) / 2, 'small(many) < small(few) / 2');
  });

  test('converging to a common large size with little text, and the set ratio with much', async () => {
    const few = await lay(`{\\copyfit100\\fs10 x{\\fs20 B}x}`, { box: { width: 600, height: 300 } }, 'textps');
    assert.equal(size(few, 0), size(few, 1));
    assert.equal(size(few, 0), 50);
    const many = await lay(`{\\copyfit100\\fs10 ${much}{\\fs20 B}${much}}`, { box }, 'textps');
    assert.ok(big(many) / small(many) > 1.5, `B ${big(many)}, A ${small(many)}`);
  });

  test('converging to a common small size with much text', async () => {
    const l = await lay(`{\\fs10\\copyfit100 ${much}{\\copyfit200 B}${much} ${much}}`, { box }, 'textps');
    // Near the small end the two converge: the ratio falls from 2 towards 1.
    assert.ok(big(l) / small(l) < 1.25, `B ${big(l)}, A ${small(l)}`);
    assert.ok(small(l) < 10, 'small(l) < 10');
    const few = await lay(`{\\fs10\\copyfit100 x{\\copyfit200 B}x}`, { box: { width: 600, height: 300 } }, 'textps');
    assert.ok(Math.abs(size(few, 1) / size(few, 0) - 2) < 0.05, 'Math.abs(size(few, 1) / size(few, 0) - 2) < 0.05');
  });

  test('a span with \\copyfit0 keeps its size', async () => {
    const l = await lay(`{\\fs10\\copyfit100 ${little}{\\fs50\\copyfit0 B}${little}}`, { box }, 'textps');
    assert.equal(size(l, 1), 25);
    assert.ok(size(l, 0) > 25, 'size(l, 0) > 25');
  });

  test('\\copyfitlines keeps one line when it can and overflows when it cannot; \\copyfitmaxlines truncates', async () => {
    const one = await lay(`{\\fs10\\copyfit100 \\copyfitlines1 Short line}`, { box }, 'textps');
    assert.equal(one.lines, 1);
    const over = await lay(`{\\fs10\\copyfit100 \\copyfitlines1 ${much}}`, { box }, 'textps');
    assert.ok(over.lines > 1, 'over.lines > 1');
    const cut = await lay(`{\\fs10\\copyfit100 \\copyfitmaxlines1 ${much}}`, { box }, 'textps');
    assert.equal(cut.lines, 1);
  });

  test('text= ignores \\copyfit, as the reference\'s feature table says', async () => {
    const l = await lay('{\\fs10\\copyfit100 A}', { box }, 'text');
    assert.equal(size(l, 0), 5);
  });

  test('text that cannot fit even at the smallest size is a 403', async () => {
    await assert.rejects(lay(`{\\fs40\\copyfit80 ${words} ${words}}`, { box }, 'textps'), forbidden(/does not fit/));
  });
});

describe('font files are untrusted', () => {
  const arimo = readFileSync(join(REPO, 'node_modules/@fontsource/arimo/files/arimo-latin-400-normal.woff'));

  test('WOFF unwraps to the sfnt HarfBuzz reads', async () => {
    const face = await Face.open(arimo, 'arimo');
    assert.equal(face.metrics.unitsPerEm, 2048);
    assert.ok(face.covers(65), 'face.covers(65)');
    assert.equal(unwrapWoff(unwrapWoff(arimo, 'x'), 'x').length, unwrapWoff(arimo, 'x').length);
  });

  test('truncated, flipped and random bytes answer a 403 or open as some face, never crash (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: arimo.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), async (at, byte, truncate) => {
        const bytes = truncate ? arimo.subarray(0, at) : Uint8Array.from(arimo, (b, i) => (i === at ? byte : b));
        try {
          const face = await Face.open(bytes, 'damaged');
          face.shape('Hello', { rtl: false, kerning: true }).forEach((g) => face.outline(g.glyph));
        } catch (err) {
          assert.ok(err instanceof IsError && err.status === 403, String(err));
        }
      }),
      { numRuns: 400 },
    );
    await assert.rejects(Face.open(new Uint8Array(64).fill(7), 'noise'), forbidden(/cannot be read/));
  });
});

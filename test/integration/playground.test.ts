import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { COMMANDS } from '../../src/protocol/command-table.ts';
import { TEXT_EXAMPLE, TEXT_LAYER } from '../../src/server/playground.ts';
import { decodeImage } from '../helpers/pixels.ts';
import { REPO, startFixture } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots stay here after the run (CI keeps them as artifacts). */
const ARTIFACTS = join(REPO, 'test-artifacts');

const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
const until = (page: Page, fn: () => boolean) => page.waitForFunction(fn, undefined, { timeout: 15_000 });

for (const [label, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]] as const) {
  test(`the playground at ${viewport.width} px: live renders, errors and properties beside the image, the command table, saveToFile`, { skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (.ci/run installs Debian's chromium)` }, async () => {
    const f = await startFixture({ samples: true, files: { 'saves/saved/.keep': '' } });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(15_000);
      await page.goto(`${f.isle.url}/is/playground`);
      await until(page, () => /^\d+ x \d+ px/.test(document.getElementById('facts')!.textContent ?? ''));
      const options = await page.$$eval('#object option', (o) => o.map((x) => (x as HTMLOptionElement).value));
      assert.ok(options.includes('sample/landscape') && options.includes('landscape.jpg'), options.join(', '));

      // Typing renders, without a button: the last value wins.
      await page.selectOption('#object', 'sample/landscape');
      await page.fill('#modifiers', 'wid=12');
      await page.fill('#modifiers', 'wid=123&fmt=png');
      await until(page, () => /^123 x \d+ px, \d+ bytes, image\/png/.test(document.getElementById('facts')!.textContent ?? ''));
      assert.equal(await page.$eval('#image', (i) => (i as HTMLImageElement).naturalWidth), 123);
      assert.equal(await page.inputValue('#url'), `${f.isle.url}/is/image/sample/landscape?wid=123&fmt=png`);
      assert.match(await text(page, '#headers'), /content-type: image\/png/);
      assert.match(await text(page, '#props'), /^image\.width=123$/m, 'the properties beside the image');

      // The image column is on screen and nothing overflows sideways.
      const layout = await page.evaluate(() => {
        const image = document.getElementById('image')!.getBoundingClientRect();
        const side = document.getElementById('side')!.getBoundingClientRect();
        return { image: { left: image.left, right: image.right, top: image.top, width: image.width }, side: { top: side.top, left: side.left }, scroll: document.documentElement.scrollWidth, inner: window.innerWidth };
      });
      assert.ok(layout.image.width > 0 && layout.image.left >= 0 && layout.image.right <= layout.inner, JSON.stringify(layout));
      assert.ok(layout.scroll <= layout.inner, `no sideways scroll: ${layout.scroll} > ${layout.inner}`);
      if (label === 'phone') assert.ok(layout.side.top >= layout.image.top + 1, 'on a phone the facts go below the image');
      else assert.ok(layout.side.left > layout.image.left, 'on a desktop the facts sit beside the image');

      // Another image renders at once.
      await page.selectOption('#object', 'sample/logo');
      await until(page, () => (document.getElementById('url') as HTMLInputElement).value.includes('/sample/logo?'));
      await until(page, () => /image\.width=123/.test(document.getElementById('props')!.textContent ?? '') && (document.getElementById('image') as HTMLImageElement).src !== '');

      // A text layer typed over the image: its RTF goes encoded into the URL, and the image renders.
      await page.fill('#modifiers', 'wid=200&fmt=png');
      await page.fill('#text', '\\fs200\\b\\qc Sale {\\i today}');
      await until(page, () => (document.getElementById('url') as HTMLInputElement).value.includes('&text=%5Cfs200%5Cb%5Cqc%20Sale%20%7B%5Ci%20today%7D'));
      await until(page, () => /^200 x \d+ px, \d+ bytes, image\/png/.test(document.getElementById('facts')!.textContent ?? ''));
      assert.equal(await text(page, '#error'), '');
      await page.fill('#text', '{\\fonttbl{\\f0 Nowhere Sans;}}\\f0 x');
      await until(page, () => (document.getElementById('error')!.textContent ?? '').includes('Nowhere Sans'));
      await page.fill('#text', '');

      // An error shows its message, not a broken image.
      await page.fill('#modifiers', 'wid=abc');
      await until(page, () => (document.getElementById('error')!.textContent ?? '').includes('wid must be an integer'));
      assert.equal(await page.$eval('#image', (i) => (i as HTMLImageElement).hidden), true);
      assert.match(await text(page, '#error'), /^403: /);
      assert.ok(await page.isVisible('#error'));
      await page.screenshot({ path: join(ARTIFACTS, `playground-${label}-error.png`), fullPage: true });

      // The command table is the parser's, whole, and filters.
      await page.click('#reference summary');
      assert.equal(await page.$$eval('#commands tr', (rows) => rows.length), COMMANDS.size);
      await page.fill('#filter', 'op_usm');
      assert.deepEqual(await page.$$eval('#commands tr:not([hidden])', (rows) => rows.map((r) => (r as HTMLElement).dataset.name)), ['op_usm', 'op_usmr']);
      assert.match(await text(page, '#commands tr[data-name="wid"]'), /1\.\.2147483647 int/);

      await page.fill('#modifiers', 'wid=64&fmt=png');
      await until(page, () => /^64 x/.test(document.getElementById('facts')!.textContent ?? ''));
      await page.fill('#name', `from-playground-${label}.png`);
      await page.click('#save');
      await until(page, () => (document.getElementById('saved')!.textContent ?? '').includes('status=done'));
      assert.ok(readFileSync(join(f.saves, `saved/from-playground-${label}.png`)).length > 0);
      await page.screenshot({ path: join(ARTIFACTS, `playground-${label}.png`), fullPage: true });
    } finally {
      await browser.close();
      await f.close();
    }
  });
}

test('the playground can be switched off', async () => {
  const f = await startFixture({ samples: true, config: { 'playground-path': '' } });
  try {
    assert.equal((await f.get('/is/playground')).status, 404);
    assert.equal((await f.get('/is/playground/commands.json')).status, 404);
  } finally {
    await f.close();
  }
});

test('the root of the server points to the playground, unless the playground is off', async () => {
  const on = await startFixture({ samples: true });
  const off = await startFixture({ samples: true, config: { 'playground-path': '' } });
  try {
    const root = await on.get('/');
    assert.equal(root.status, 404);
    assert.match(root.text, /the playground at \/is\/playground/);
    assert.doesNotMatch((await off.get('/')).text, /playground/);
  } finally {
    await on.close();
    await off.close();
  }
});

test("the text field's example reads at the page's width and survives a centred fit=crop", async () => {
  const f = await startFixture({ samples: true });
  try {
    const render = async (extra: string) => {
      const r = await f.get(`/is/image/sample/landscape?wid=480&hei=240&fit=crop&fmt=png${extra}`);
      assert.equal(r.status, 200, r.text.slice(0, 120));
      return decodeImage(r.body);
    };
    const [plain, text] = [await render(''), await render(TEXT_LAYER + encodeURIComponent(TEXT_EXAMPLE))];
    // The rows and columns where the text changed the image: its ink, as the reply shows it.
    const rows = new Set<number>();
    const columns = new Set<number>();
    for (let i = 0; i < plain.data.length; i += 4) {
      if (Math.abs(plain.data[i]! - text.data[i]!) + Math.abs(plain.data[i + 1]! - text.data[i + 1]!) > 60) {
        rows.add(Math.floor(i / 4 / plain.width));
        columns.add((i / 4) % plain.width);
      }
    }
    const span = (s: Set<number>) => (s.size === 0 ? [0, 0] : [Math.min(...s), Math.max(...s)]);
    const [top, bottom] = span(rows);
    const [left, right] = span(columns);
    assert.ok(bottom - top >= 20, `text ${bottom - top} px tall`);
    assert.ok(top < 120 && bottom > 120 && left < 240 && right > 240, `the text spans the middle: rows ${top}-${bottom}, columns ${left}-${right}`);
  } finally {
    await f.close();
  }
});

mkdirSync(ARTIFACTS, { recursive: true });

test('the playground switches to delivery API URLs and shows the /is/image request each is served as', { skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (.ci/run installs Debian's chromium)` }, async () => {
  const f = await startFixture({ samples: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${f.isle.url}/is/playground`);
    await until(page, () => /^\d+ x \d+ px/.test(document.getElementById('facts')!.textContent ?? ''));
    await page.selectOption('#kind', 'delivery');
    // The sample catalog's AssetId column: sample/landscape's id.
    const landscape = 'urn:aaid:aem:7f3e2a10-5b4c-4d6e-9f80-1a2b3c4d5e6f';
    assert.ok((await page.$$eval('#object option', (o) => o.map((x) => (x as HTMLOptionElement).value))).includes(landscape));
    await page.selectOption('#object', landscape);
    await page.fill('#seo', 'hero.png');
    await page.fill('#modifiers', 'width=150&rotate=90');
    await until(page, () => /^150 x \d+ px, \d+ bytes, image\/png/.test(document.getElementById('facts')!.textContent ?? ''));
    assert.equal(await page.inputValue('#url'), `${f.isle.url}/adobe/assets/${landscape}/as/hero.png?width=150&rotate=90`);
    assert.equal(await page.inputValue('#translated'), '/is/image/sample/landscape?rotate=90&wid=150&fmt=png-alpha&bfc=off');
    assert.match(await text(page, '#props'), /^image\.width=150$/m, 'the properties of the request it is served as');
    // A bad parameter shows the problem document's detail.
    await page.fill('#modifiers', 'rotate=45');
    await until(page, () => (document.getElementById('error')!.textContent ?? '').startsWith('400: rotate must be 90, 180 or 270'));
  } finally {
    await browser.close();
    await f.close();
  }
});

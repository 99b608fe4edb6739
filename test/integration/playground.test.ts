import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { startFixture } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';

test('the playground renders a catalog image with its facts and URL, and saves it', { skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (.ci/run installs Debian's chromium)` }, async () => {
  const f = await startFixture({ samples: true, files: { 'saves/saved/.keep': '' } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${f.isle.url}/is/playground`);
    await page.waitForFunction(() => (document.getElementById('object') as HTMLSelectElement).options.length > 0);
    const options = await page.$$eval('#object option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    assert.ok(options.includes('sample/landscape') && options.includes('landscape.jpg'), options.join(', '));

    await page.selectOption('#object', 'sample/landscape');
    await page.fill('#modifiers', 'wid=123&fmt=png');
    await page.click('#render');
    await page.waitForFunction(() => /^123 x \d+ px, \d+ bytes, image\/png/.test(document.getElementById('facts')!.textContent ?? ''));
    assert.equal(await page.$eval('#image', (i) => (i as HTMLImageElement).naturalWidth), 123);
    assert.equal(await page.inputValue('#url'), `${f.isle.url}/is/image/sample/landscape?wid=123&fmt=png`);
    assert.match(await page.textContent('#headers') ?? '', /content-type: image\/png/);

    await page.fill('#modifiers', 'wid=abc');
    await page.click('#render');
    await page.waitForFunction(() => (document.getElementById('error')!.textContent ?? '').includes('wid must be an integer'));

    await page.fill('#modifiers', 'wid=64&fmt=png');
    await page.fill('#name', 'from-playground.png');
    await page.click('#save');
    await page.waitForFunction(() => (document.getElementById('saved')!.textContent ?? '').includes('status=done'));
    assert.ok(readFileSync(join(f.saves, 'saved/from-playground.png')).length > 0);
    await page.screenshot({ path: join(f.dir, 'playground.png') });
  } finally {
    await browser.close();
    await f.close();
  }
});

test('the playground can be switched off', async () => {
  const f = await startFixture({ samples: true, config: { 'playground-path': '' } });
  try {
    assert.equal((await f.get('/is/playground')).status, 404);
  } finally {
    await f.close();
  }
});

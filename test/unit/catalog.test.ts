import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { typedAttributes } from '../../src/catalog/catalog.ts';
import { decodeCatalogText, parseAttributes, parseRecords } from '../../src/catalog/files.ts';
import { resolveConfig } from '../../src/config/options.ts';
import { interpretRequest } from '../../src/protocol/layers.ts';
import { parseModifiers } from '../../src/protocol/url.ts';
import { requestDefaults } from '../../src/service/request-defaults.ts';
import { loadCatalogs } from '../../src/catalog/load.ts';
import { isInside, resolveObject } from '../../src/catalog/resolve.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { temporaryFolder } from '../helpers/temp.ts';

test('attribute files: case-insensitive names, comments, last duplicate wins, attribute:: prefix', () => {
  const a = parseAttributes('# comment\nSavePath=out\nMAXPIX=10,10\nattribute::RootId=acme\nmaxpix = 20,20\r\n');
  assert.deepEqual([...a], [['savepath', 'out'], ['maxpix', '20,20'], ['rootid', 'acme']]);
});

test('data files: tab-delimited, header names case-insensitive, dot columns ignored, later Id wins', () => {
  const r = parseRecords('ID\tPath\t.note\tModifier\nrose\ta.jpg\tx\twid=1\nrose\tb.jpg\ty\t\n');
  assert.equal(r.get('rose')?.get('path'), 'b.jpg');
  assert.equal(r.get('rose')?.has('.note'), false);
});

test('catalog text is UTF-8 with a BOM, ISO-8859-1 without', () => {
  assert.equal(decodeCatalogText(new Uint8Array([0xef, 0xbb, 0xbf, 0xc3, 0xa4])), 'ä');
  assert.equal(decodeCatalogText(new Uint8Array([0xe4])), 'ä');
});

function catalogs() {
  const dir = temporaryFolder('isle-cat-');
  writeFileSync(join(dir, 'default.ini'), 'DefaultExt=.jpg\nSavePath=out\nMaxPix=100,100\n');
  writeFileSync(join(dir, 'acme.ini'), 'RootId=acme\nRootPath=acme-images\nCatalogFile=acme.txt\nMaxPix=\n');
  writeFileSync(join(dir, 'acme.txt'), 'Id\tPath\tModifier\tPostModifier\nrose\tflowers/rose.png\twid=10\tfmt=png\nshoe:crop\tshoe.jpg\t\t\n');
  writeFileSync(join(dir, 'strict.ini'), 'RootId=strict\nFullMatch=1\nSavePath=\n');
  return loadCatalogs(dir);
}

test('attributes inherit from default.ini when undefined or empty; SavePath may be emptied', () => {
  const c = catalogs();
  const acme = c.byRootId.get('acme')!;
  assert.deepEqual(acme.attributes.maxSize, { width: 100, height: 100 });
  assert.equal(acme.attributes.savePath, 'out');
  assert.equal(c.byRootId.get('strict')!.attributes.savePath, '');
});

test('objects resolve through RootId, records, FullMatch and DefaultExt', () => {
  const c = catalogs();
  const rose = resolveObject(['acme', 'rose'], c, '/images');
  assert.equal(rose.file, '/images/acme-images/flowers/rose.png');
  assert.deepEqual(rose.modifiers, [{ name: 'wid', value: '10' }]);
  assert.deepEqual(rose.postModifiers, [{ name: 'fmt', value: 'png' }]);
  assert.equal(resolveObject(['acme', 'shoe:crop'], c, '/images').file, '/images/acme-images/shoe.jpg');
  // No record, FullMatch=0: the catalog's RootPath replaces the RootId.
  assert.equal(resolveObject(['acme', 'tulip'], c, '/images').file, '/images/acme-images/tulip.jpg');
  // No record, FullMatch=1: the default catalog, RootId kept in the path.
  const strict = resolveObject(['strict', 'tulip'], c, '/images');
  assert.equal(strict.file, '/images/strict/tulip.jpg');
  assert.equal(strict.catalog.rootId, '');
  // Not a RootId: a plain path in the default catalog; DefaultExt only for names without a suffix.
  assert.equal(resolveObject(['photos', 'a.png'], c, '/images').file, '/images/photos/a.png');
});

test('objects with ., .., slashes, backslashes or NUL in an element are refused', () => {
  const c = catalogs();
  for (const bad of [['..', 'etc'], ['a', '.'], ['a/../..', 'x'], ['a\\..', 'x'], ['x\0']]) {
    assert.throws(() => resolveObject(bad, c, '/images'), IsError, JSON.stringify(bad));
  }
});

test('a sibling folder whose name starts with the root name is outside the root', () => {
  assert.equal(isInside('/srv/images', '/srv/images-secret/a.png'), false);
  assert.equal(isInside('/srv/images', '/srv/images/a.png'), true);
  assert.equal(isInside('/srv/images', '/srv/images/..a/b.png'), true);
  assert.equal(isInside('/srv/images', '/srv/images'), false);
  assert.equal(isInside('/srv/images', '/srv'), false);
});

test("IccRenderIntent is the intent of a request whose icc= gives none; icc='s own intent wins; 0-3 only", () => {
  const attributes = (intent: string) => typedAttributes(new Map([['iccrenderintent', intent]]), 'test.ini');
  assert.equal(attributes('0').iccRenderIntent, 'perceptual');
  assert.equal(attributes('3').iccRenderIntent, 'absolute');
  assert.equal(typedAttributes(new Map(), 'test.ini').iccRenderIntent, 'relative');
  assert.throws(() => attributes('4'), /IccRenderIntent/);
  const defaults = requestDefaults(attributes('0'), resolveConfig({}, {}));
  const intentOf = (query: string) => interpretRequest(parseModifiers(query), defaults).output.icc?.intent;
  assert.equal(intentOf('wid=10'), 'perceptual');
  assert.equal(intentOf('icc=sRGB'), 'perceptual');
  assert.equal(intentOf('icc=sRGB,relative'), 'relative');
  assert.equal(interpretRequest(parseModifiers('wid=10'), requestDefaults(typedAttributes(new Map(), 'test.ini'), resolveConfig({}, {}))).output.icc, undefined);
});

test('duplicate ids and macros are warned of at load, naming which wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'isle-catalog-'));
  try {
    writeFileSync(join(dir, 'default.ini'), 'CatalogFile=records.txt\nMacroFile=macros.txt\n');
    writeFileSync(join(dir, 'records.txt'), 'Id\tPath\na\tfirst.png\nb\tb.png\na\tsecond.png\n');
    writeFileSync(join(dir, 'macros.txt'), 'Name\tDefinition\nm\twid=1\nm\twid=2\n');
    const catalogs = loadCatalogs(dir);
    assert.equal(catalogs.defaultCatalog.records.get('a')?.path, 'second.png');
    assert.deepEqual(catalogs.warnings, [
      'default.ini: records.txt line 4: Id a is defined again; this later record wins',
      'default.ini: macros.txt line 3: macro m is defined again; this later one wins',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalogs } from '../../src/catalog/load.ts';
import { clientAddress, parseAddressList } from '../../src/protocol/addresses.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { expandMacros } from '../../src/protocol/expand.ts';
import { footprint } from '../../src/planning/composite-footprint.ts';
import type { SinglePlan as RenderPlan } from '../../src/planning/plan.ts';

test('the client address: the peer unless it is a trusted proxy, then the right-most untrusted hop', () => {
  const trusted = parseAddressList('10.0.0.0/8,::1', 'test');
  const none = parseAddressList('', 'test');
  assert.equal(clientAddress('203.0.113.5', { 'x-forwarded-for': '198.51.100.1' }, trusted), '203.0.113.5', 'an untrusted peer is the client');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '198.51.100.1' }, none), '10.0.0.2', 'nothing is trusted by default');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '198.51.100.1' }, trusted), '198.51.100.1');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '1.2.3.4, 198.51.100.1, 10.0.0.7' }, trusted), '198.51.100.1', 'a forged left hop is ignored');
  assert.equal(clientAddress('::ffff:10.0.0.2', { 'x-forwarded-for': '198.51.100.1' }, trusted), '198.51.100.1', 'IPv4-mapped peers match');
  assert.equal(clientAddress('::1', { forwarded: 'for=192.0.2.43, for="[2001:db8::17]:4711";proto=https' }, trusted, 'forwarded'), '2001:db8::17');
  assert.equal(clientAddress('::1', { forwarded: 'for="192.0.2.60:8080"', 'x-forwarded-for': '1.1.1.1' }, trusted, 'forwarded'), '192.0.2.60', 'the named header wins');
  assert.equal(clientAddress('::1', { forwarded: 'for="192.0.2.60:8080"', 'x-forwarded-for': '1.1.1.1' }, trusted), '1.1.1.1', 'Forwarded is ignored by default');
  assert.equal(clientAddress('::1', { forwarded: 'for=_hidden' }, trusted, 'forwarded'), '_hidden', 'an obfuscated hop is kept, and allowed nowhere');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '10.0.0.9' }, trusted), '10.0.0.9', 'all hops trusted: the farthest');
  assert.equal(clientAddress('10.0.0.2', {}, trusted), '10.0.0.2');
});

test('macro expansion stops at the cap before it copies anything more', () => {
  const big = Array.from({ length: 100 }, () => ({ name: 'op_brightness', value: '1' }));
  const lookup = () => big;
  assert.equal(expandMacros([{ name: '$big$', value: undefined }, { name: '$big$', value: undefined }], lookup, 200).length, 200);
  assert.throws(() => expandMacros([{ name: '$big$', value: undefined }, { name: '$big$', value: undefined }, { name: 'wid', value: '1' }], lookup, 200), IsError);
  assert.throws(() => expandMacros(Array.from({ length: 1300 }, () => ({ name: '$big$', value: undefined })), lookup, 1000), /more than 1000 commands/);
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

/** A one-layer plan of `steps` on a PNG source (no shrink-on-load), or a JPEG shrunk by `shrunk`. */
const plan = (steps: RenderPlan['steps'], size = { width: 320, height: 240 }, shrink?: { factor: 2 | 4 | 8; steps: RenderPlan['steps'] }): RenderPlan => ({
  layers: [{ source: { format: shrink ? 'jpeg' : 'png', orientation: 1, size, shrink: shrink?.factor ?? 1 }, steps: [] }],
  steps: [...steps, { op: 'encode', output: { format: 'png' } as never }],
  output: size,
  ...(shrink ? { shrunk: [...shrink.steps, { op: 'encode', output: { format: 'png' } as never }] } : {}),
});

test('the footprint walks every step: the largest image and the peak bytes', () => {
  const extended = footprint(plan([{ op: 'extend', canvas: { width: 18320, height: 18240 }, x: 9000, y: 9000, background: { r: 0, g: 0, b: 0, a: 0 } }]));
  assert.equal(extended.largestPixels, 18320 * 18240);
  assert.ok(extended.peakBytes >= 18320 * 18240 * 8);
  const rotated = footprint(plan([{ op: 'rotate', degrees: 45 }], { width: 1000, height: 1000 }));
  assert.equal(rotated.largestPixels, 1415 * 1415);
  const turned = footprint(plan([{ op: 'crop', rect: { x: 0, y: 0, width: 100, height: 50 } }, { op: 'orient', orientation: 6 }, { op: 'resize', width: 10, height: 20, premultiply: false, filter: 'lanczos3' as never }]));
  assert.equal(turned.largestPixels, 320 * 240);
  assert.equal(turned.decodePixels, 320 * 240);
});

test('a JPEG shrunk on load is counted at its reduced size', () => {
  const size = { width: 8000, height: 6000 };
  const resize = { op: 'resize' as const, width: 500, height: 375, premultiply: false, filter: 'lanczos3' as never };
  const shrunk = footprint(plan([resize], size, { factor: 8, steps: [resize] }));
  assert.equal(shrunk.decodePixels, 1000 * 750);
  assert.equal(shrunk.fullDecodePixels, 8000 * 6000);
});

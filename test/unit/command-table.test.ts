import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { COMMANDS } from '../../src/protocol/command-table.ts';
import { interpretRequest } from '../../src/protocol/layers.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { REPO } from '../helpers/server.ts';

const defaults = { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3' as const, resolution: 72, formatAuto: true, browserFormatConversion: false };
// Commands of a layer other than 0 (pos=, posN=, sizeN=) or of an effect (op_grow=) are read in one.
const IN_LAYER: Record<string, [string, string][]> = {
  pos: [['layer', '1'], ['color', 'ffffff'], ['size', '9,9']],
  posn: [['layer', '1'], ['color', 'ffffff'], ['size', '9,9']],
  sizen: [['layer', '1'], ['color', 'ffffff']],
  op_grow: [['layer', '1'], ['color', 'ffffff'], ['size', '9,9'], ['effect', '-1']],
  textattr: [['layer', '1'], ['textps', 'x']],
  textangle: [['layer', '1'], ['textps', 'x']],
};
const parse = (query: Record<string, string>) =>
  interpretRequest(
    Object.entries(query).flatMap(([name, value]) => [...(IN_LAYER[name] ?? []), [name, value]]).map(([name, value]) => ({ name: name!, value })),
    defaults,
  );

test('every command the code reads is in the table', () => {
  const read = new Set<string>();
  for (const folder of ['src/protocol', 'src/server', 'src/catalog']) {
    for (const file of readdirSync(join(REPO, folder))) {
      const text = readFileSync(join(REPO, folder, file), 'utf8');
      for (const m of text.matchAll(/commands\.(?:get|has)\('([a-z0-9_]+)'\)/g)) read.add(m[1]!);
    }
  }
  assert.ok(read.size > 30, `${read.size} commands found`);
  assert.deepEqual([...read].filter((name) => !COMMANDS.has(name)), []);
});

// Commands whose numbers can be checked alone, with what else they need to be accepted.
const ALONE: Record<string, Record<string, string>> = { fit: {}, timeout: { req: 'saveToFile', name: 'x.jpg' } };

test('the parser accepts each number at the ends of its range in the table and refuses one just outside', () => {
  const single = [...COMMANDS.entries()].filter(([, spec]) => spec.numbers?.length === 1 && !['dpr', 'op_colorize', 'colorize', 'quantize', 'opac'].includes(spec.name.toLowerCase()));
  assert.ok(single.length > 15);
  for (const [name, spec] of single) {
    const range = spec.numbers![0]!;
    const parts = ['align', 'size', 'extend', 'extendn', 'anchor', 'anchorn', 'origin', 'originn', 'pos', 'posn', 'sizen'].includes(name) ? (name.startsWith('extend') ? 4 : 2) : name === 'op_colorbalance' ? 3 : 1;
    const value = (v: number) => Array(parts).fill(String(v)).join(',');
    const extra = ALONE[name] ?? {};
    const inside = range.aboveMin ? range.min + (range.integer ? 1 : 0.5) : range.min;
    assert.doesNotThrow(() => parse({ ...extra, [name]: value(inside) }), `${name}=${value(inside)}`);
    assert.doesNotThrow(() => parse({ ...extra, [name]: value(range.max) }), `${name}=${value(range.max)}`);
    const below = range.aboveMin || range.integer ? range.min - (range.aboveMin ? 0 : 1) : range.min - 0.001;
    for (const outside of [below, range.integer ? range.max + 1 : range.max * 1.001 + 0.001]) {
      assert.throws(() => parse({ ...extra, [name]: value(outside) }), (err) => err instanceof IsError && err.status === 403, `${name}=${value(outside)}`);
    }
  }
});

test('any integer inside wid and hei ranges parses to itself (property)', () => {
  const { min, max } = COMMANDS.get('wid')!.numbers![0]!;
  fc.assert(
    fc.property(fc.integer({ min, max }), (n) => parse({ wid: String(n), hei: String(n) }).view.width === n),
    { numRuns: 200 },
  );
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { OPTIONS, envName } from '../../src/config/options.ts';
import { PAGE, withOptionsTable } from '../../scripts/configuration-doc.ts';

test('docs/configuration.md holds the table `npm run docs:config` writes from the config table', () => {
  const page = readFileSync(PAGE, 'utf8');
  assert.equal(page, withOptionsTable(page), 'docs/configuration.md is behind src/config/options.ts: run npm run docs:config');
  for (const name of Object.keys(OPTIONS)) assert.ok(page.includes(`| \`--${name}\` | \`${envName(name)}\` |`), name);
});

test('a page whose table lost a row, or changed a help line, is not what the script writes', () => {
  const page = readFileSync(PAGE, 'utf8');
  const withoutPort = page.replace(/^\| `--port` .*\n/m, '');
  assert.notEqual(withoutPort, page);
  assert.notEqual(withOptionsTable(withoutPort), withoutPort);
  const edited = page.replace('address to listen on', 'where to listen');
  assert.notEqual(withOptionsTable(edited), edited);
  assert.throws(() => withOptionsTable('# Configuration\n'), /markers/);
});

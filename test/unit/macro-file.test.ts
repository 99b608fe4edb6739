import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalogs } from '../../src/catalog/load.ts';
import { temporaryFolder } from '../helpers/temp.ts';

test('a MacroFile name written with its dollar signs ($pdp$) defines the macro the URL calls, with a warning at load', () => {
  const dir = temporaryFolder('isle-macros-');
  writeFileSync(join(dir, 'default.ini'), 'MacroFile=macros.txt\n');
  writeFileSync(join(dir, 'macros.txt'), 'Name\tDefinition\n$pdp$\twid=300&hei=300\nthumb\twid=100\n');
  const catalogs = loadCatalogs(dir);
  assert.deepEqual([...catalogs.defaultCatalog.macros.keys()].sort(), ['pdp', 'thumb']);
  assert.deepEqual(catalogs.defaultCatalog.macros.get('pdp'), [
    { name: 'wid', value: '300' },
    { name: 'hei', value: '300' },
  ]);
  assert.deepEqual(catalogs.warnings, ['default.ini: macros.txt: macro $pdp$ is named with its dollar signs; it is defined as pdp (URLs call it $pdp$)']);
});

test('other characters in a macro name still refuse the MacroFile, naming it', () => {
  const dir = temporaryFolder('isle-macros-');
  writeFileSync(join(dir, 'default.ini'), 'MacroFile=macros.txt\n');
  writeFileSync(join(dir, 'macros.txt'), 'Name\tDefinition\npd p\twid=300\n');
  assert.throws(() => loadCatalogs(dir), /MacroFile macros\.txt: macro name pd p may use only/);
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILTIN_FAMILIES } from '../../src/text/builtin-fonts.ts';
import { REPO } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

const bin = (name: string) => join(REPO, 'node_modules/.bin', name);

test('the layers of src/ point one way, with no cycle, no orphan file and no unlisted or dev package (dependency-cruiser)', () => {
  const r = spawnSync('npm', ['run', '--silent', 'lint:layers'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the layer rules catch an image module that imports the server', () => {
  const dir = temporaryFolder('isle-layers-');
  for (const folder of ['src/image', 'src/server']) mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(join(dir, 'src/server/app.ts'), 'export const app = 1;\n');
  writeFileSync(join(dir, 'src/image/codec.ts'), "import { app } from '../server/app.ts';\nexport const codec = app;\n");
  writeFileSync(join(dir, 'tsconfig.check.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext' } }));
  copyFileSync(join(REPO, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  const r = spawnSync(bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /image-imports-only-protocol: src\/image\/codec\.ts → src\/server\/app\.ts/);
});

test('the rules catch a test that imports a bench and a bench that imports a test helper; tools/ serves both', () => {
  const dir = temporaryFolder('isle-layers-');
  const files: Record<string, string> = {
    'tools/mix.ts': 'export const mix = 1;\n',
    'bench/load.ts': "import { mix } from '../tools/mix.ts';\nexport const load = mix;\n",
    'bench/run.ts': "import { helper } from '../test/helpers/cli.ts';\nexport const run = helper;\n",
    'test/helpers/cli.ts': 'export const helper = 1;\n',
    'test/unit/a.test.ts': "import { load } from '../../bench/load.ts';\nimport { mix } from '../../tools/mix.ts';\nexport const a = load + mix;\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, 'tsconfig.check.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext' } }));
  copyFileSync(join(REPO, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  const r = spawnSync(bin('depcruise'), ['bench', 'test', 'tools', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /test-not-to-bench: test\/unit\/a\.test\.ts → bench\/load\.ts/);
  assert.match(r.stdout, /bench-not-to-test: bench\/run\.ts → test\/helpers\/cli\.ts/);
  assert.doesNotMatch(r.stdout, /→ tools\//, 'both may import tools/');
});

/** The npm packages the code imports, from dependency-cruiser's graph of every folder with code. */
function importedPackages(): Set<string> {
  const r = spawnSync(bin('depcruise'), ['src', 'bench', 'test', 'tools', 'wasm', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 2 ** 20,
  });
  assert.equal(r.status, 0, r.stderr);
  const graph = JSON.parse(r.stdout) as { modules: { dependencies: { module: string; dependencyTypes: string[] }[] }[] };
  const names = new Set<string>();
  for (const m of graph.modules) {
    for (const d of m.dependencies) {
      if (!d.dependencyTypes.some((t) => t.startsWith('npm'))) continue;
      const parts = d.module.split('/');
      names.add(d.module.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return names;
}

test('every listed dependency is used: imported, a binary of a script, or the types tsconfig names', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
  const tsconfig = JSON.parse(readFileSync(join(REPO, 'tsconfig.json'), 'utf8')) as { compilerOptions: { types: string[] } };
  const imported = importedPackages();
  const scripts = Object.values(pkg.scripts).join(' ');
  const binariesOf = (name: string) => {
    const manifest = join(REPO, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return [];
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
    return typeof bin === 'string' ? [name.split('/').pop()!] : Object.keys(bin ?? {});
  };
  // The built-in font map's packages are font files the server reads, not modules it imports.
  const fonts = new Set(BUILTIN_FAMILIES.map((f) => f.package));
  const used = (name: string) =>
    imported.has(name) ||
    fonts.has(name) ||
    binariesOf(name).some((b) => new RegExp(`(^|[\\s&;|(])${b}\\s`).test(scripts)) ||
    (name.startsWith('@types/') && tsconfig.compilerOptions.types.includes(name.slice('@types/'.length)));
  const listed = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];
  assert.deepEqual(listed.filter((name) => !used(name)), []);
  // A runtime dependency is shipped, so being a script's binary is no reason to list it there.
  assert.deepEqual(Object.keys(pkg.dependencies).filter((name) => !imported.has(name) && !fonts.has(name)), []);
});

/** Each floor of src/ with a rule, and the floors the rule lets it import (besides types/ and common/). */
function floorRules(): Map<string, string[]> {
  const config = createRequire(import.meta.url)(join(REPO, '.dependency-cruiser.cjs')) as { forbidden: { from: { path?: string }; to: { pathNot?: string[] } }[] };
  const rules = new Map<string, string[]>();
  for (const rule of config.forbidden) {
    const floor = /^\^src\/([a-z]+)\/$/.exec(rule.from.path ?? '')?.[1];
    if (!floor) continue;
    const allowed = (rule.to.pathNot ?? []).map((p) => /^\^src\/([a-z]+)\/$/.exec(p)?.[1]).filter((a): a is string => a !== undefined && a !== floor && a !== 'types' && a !== 'common');
    rules.set(floor, allowed.sort());
  }
  return rules;
}

test("docs/architecture.md names every folder of src/ and gives each floor the imports its rule allows", () => {
  const doc = readFileSync(join(REPO, 'docs/architecture.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const [, floor, imports] of doc.matchAll(/^\| \*\*([a-z]+)\*\* \| ([^|]+) \|/gm)) {
    rows.set(floor!, imports!.trim() === 'nothing' || imports!.trim() === 'any floor' ? [] : imports!.split(',').map((s) => s.trim()).sort());
  }
  const rules = floorRules();
  assert.ok(rules.size >= 10, `only ${rules.size} floor rules read from .dependency-cruiser.cjs`);
  for (const [floor, allowed] of rules) assert.deepEqual(rows.get(floor), allowed, `the table's row of ${floor}`);
  const folders = readdirSync(join(REPO, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.deepEqual(folders.filter((f) => !rows.has(f) && !doc.includes(`src/${f}/`)), []);
});

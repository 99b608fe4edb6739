/**
 * The layers of src/, lowest first: common (the bounded cache and the guarded zlib calls, which every layer may import; it imports
 * nothing of src), protocol (and config), catalog, image (pixel buffers, WASM
 * modules and kernels, codecs, file writers), text (RTF, fonts, layout), planning (pure), pipeline and its steps, host (the
 * worker threads), save, origin (foreign sources over HTTP), inputs (reading sources, profiles and fonts), observe (logs and
 * metrics), service (one request's life, shared by isle serve and isle render), server (node:http only), cli. A module may import its own layer and the ones its rule
 * allows, never one above; no file is left that nothing imports; test/ and bench/ share code only through
 * tools/. `npm test` runs this (test/unit/architecture.test.ts), which also checks the dependency list
 * against the imports.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.join('-') || 'itself'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/${name}/`, '^src/types/', '^src/common/', ...allowed.map((a) => `^src/${a}/`)] },
});

module.exports = {
  forbidden: [
    layer('common', []),
    layer('protocol', []),
    layer('config', ['protocol']),
    layer('catalog', ['protocol']),
    layer('image', ['protocol']),
    layer('text', ['protocol']),
    layer('planning', ['protocol', 'catalog', 'text']),
    layer('pipeline', ['protocol', 'planning', 'image']),
    layer('host', ['protocol', 'planning', 'pipeline', 'image']),
    layer('save', ['protocol', 'catalog']),
    layer('origin', ['protocol']),
    layer('inputs', ['protocol', 'catalog', 'image', 'text', 'planning']),
    layer('observe', ['protocol', 'host']),
    layer('service', ['protocol', 'config', 'catalog', 'image', 'text', 'planning', 'host', 'save', 'origin', 'inputs', 'observe']),
    layer('server', ['protocol', 'config', 'service', 'observe']),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    // The tests and the benches never import each other: what both need (the fixture generator, the
    // reference resizer, the load mix, the server launcher, the codecs that make sources) is in tools/,
    // which imports neither; src/ imports none of the three.
    { name: 'test-not-to-bench', severity: 'error', from: { path: '^test/' }, to: { path: '^bench/' } },
    { name: 'bench-not-to-test', severity: 'error', from: { path: '^bench/' }, to: { path: '^test/' } },
    { name: 'tools-not-to-test-or-bench', severity: 'error', from: { path: '^tools/' }, to: { path: '^(test|bench)/' } },
    { name: 'src-not-to-test-bench-or-tools', severity: 'error', from: { path: '^src/' }, to: { path: '^(test|bench|tools)/' } },
    // A file nothing imports is dead, unless it is an entry: the CLI, the worker script, the kernels'
    // roots and build script, the benches, the tests and their helpers' configs.
    {
      name: 'no-orphans',
      severity: 'error',
      from: { orphan: true, pathNot: ['^src/cli/main\\.ts$', '^src/host/thread\\.ts$', '^wasm/[^/]+\\.(ts|mjs)$', '^bench/', '\\.test\\.ts$', '\\.d\\.ts$', '\\.cjs$'] },
      to: {},
    },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    { name: 'src-not-to-dev-dependencies', severity: 'error', from: { path: '^src/' }, to: { dependencyTypes: ['npm-dev'] } },
    { name: 'no-unlisted-packages', severity: 'error', from: {}, to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    // Packages with an "exports" map (@cornerstonejs/codec-openjpeg/wasmjs) resolve through it.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};

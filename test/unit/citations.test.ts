import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/server.ts';

/*
 * No file of the repository cites material a reader of it cannot open: the folders of a local copy
 * of Adobe's reference (`CMD/r-icc.md`), the digests it was read with (`spec §1.6`, `wasm-notes`),
 * paths beside the clone (`../shared/…`). Adobe's pages are cited by their public address; a fact
 * we found is written down where it is used, or in docs/. The corpus the tests look for beside the
 * clone (`../shared/corpus`) is located by code, not cited, so it is the one such path allowed.
 */
const CITATIONS: [RegExp, string][] = [
  [/\b[A-Z]{2,5}\/[rc]-[a-z0-9-]+/, 'a page of a local copy of the reference, by its folder'],
  [/\b[rc]-[a-z0-9-]+\.md\b/, 'a page file of a local copy of the reference'],
  [/§/, 'a section of a document outside the repository'],
  [/wasm-notes|\b(?:protocol|composition|peers|openapi)\.md\b/, 'a digest outside the repository'],
  [/\.\.\/shared\/(?!corpus\/?)/, 'a path beside the clone'],
  [/\/work\//, 'an absolute path of a machine'],
];

const TEXT = /\.(?:ts|mjs|cjs|js|json|md|ini|txt|xml|yml|yaml|sh|service|env|html|css)$/;
const SELF = 'test/unit/citations.test.ts';

/** Every citation of `text` outside the repository, as `line: what it is (the match)`. */
function citationsIn(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const [pattern, what] of CITATIONS) {
      const m = pattern.exec(line);
      if (m) found.push(`${i + 1}: ${what} (${m[0]})`);
    }
  });
  return found;
}

test('the citation check recognises each kind of citation outside the repository', () => {
  for (const sample of ['(CMD/r-icc.md)', '(TXT/c-supported-rtf-commands-and-keywords)', 'r-textps.md', 'spec §1.6', 'wasm-notes, section 7', '../shared/spec/composition.md', '/work/shared/reference']) {
    assert.notDeepEqual(citationsIn(sample), [], sample);
  }
  for (const fine of ["resolve(REPO, '../shared/corpus/photos')", 'https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-icc', 'MP/s', 'HTTP/1.1']) {
    assert.deepEqual(citationsIn(fine), [], fine);
  }
});

test('no tracked text file cites a path outside the repository', (t) => {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  if (listed.status !== 0) {
    t.skip('not a git clone: the tracked files cannot be listed');
    return;
  }
  const files = listed.stdout.split('\0').filter((f) => TEXT.test(f) && f !== SELF && f !== 'package-lock.json');
  assert.ok(files.length > 100, `only ${files.length} tracked text files found`);
  const offenders = files.flatMap((f) => citationsIn(readFileSync(join(REPO, f), 'utf8')).map((c) => `${f}:${c}`));
  assert.deepEqual(offenders, []);
});

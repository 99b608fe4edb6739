import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/server.ts';

/*
 * No file of the repository cites material a reader of it cannot open: the folders and page files of
 * a local copy of Adobe's reference, the section marks and names of the digests it was read with,
 * paths beside the clone, absolute paths of a machine. Adobe's pages are cited by their public
 * address; a fact we found is written down where it is used, or in docs/. The corpus beside the
 * clone is located by code (tools/corpus.ts, from path segments), never cited. The patterns and the
 * samples below are made of pieces, so that this file cites nothing either.
 */
const join2 = (...parts: string[]) => parts.join('');
const CITATIONS: [RegExp, string][] = [
  [/\b[A-Z]{2,5}\/[rc]-[a-z0-9-]+/, 'a page of a local copy of the reference, by its folder'],
  [/\b[rc]-[a-z0-9-]+\.md\b/, 'a page file of a local copy of the reference'],
  [/\u00a7/, 'a section of a document outside the repository'],
  [new RegExp(join2('wasm', '-notes|\\b(?:protocol|composition|peers|openapi)\\.md\\b')), 'a digest outside the repository'],
  [new RegExp(join2('\\.\\./', 'sha', 'red/')), 'a path beside the clone'],
  [/\/work\//, 'an absolute path of a machine'],
];

const TEXT = /\.(?:ts|mjs|cjs|js|json|md|ini|txt|xml|yml|yaml|sh|service|env|html|css)$/;

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
  const samples = [
    join2('(CMD/r', '-icc.', 'md)'),
    join2('(TXT/', 'c-supported-rtf-commands-and-keywords)'),
    join2('r-', 'textps.md'),
    join2('spec ', '\u00a7', '1.6'),
    join2('wasm', '-notes, section 7'),
    join2('..', '/sha', 'red/sp', 'ec/', 'compo', 'sition.md'),
    join2('/wo', 'rk/sha', 'red/refer', 'ence'),
  ];
  for (const sample of samples) assert.notDeepEqual(citationsIn(sample), [], sample);
  for (const fine of ["resolve(import.meta.dirname, '..', '..', 'shared', 'corpus')", 'https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-icc', 'MP/s', 'HTTP/1.1']) {
    assert.deepEqual(citationsIn(fine), [], fine);
  }
});

test('no tracked text file cites a path outside the repository', (t) => {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  if (listed.status !== 0) {
    t.skip('not a git clone: the tracked files cannot be listed');
    return;
  }
  const files = listed.stdout.split('\0').filter((f) => TEXT.test(f) && f !== 'package-lock.json');
  assert.ok(files.length > 100, `only ${files.length} tracked text files found`);
  const offenders = files.flatMap((f) => citationsIn(readFileSync(join(REPO, f), 'utf8')).map((c) => `${f}:${c}`));
  assert.deepEqual(offenders, []);
});

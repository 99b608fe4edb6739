import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { IsError } from '../../src/protocol/errors.ts';
import { resolveSaveTarget, TEMP_PREFIX } from '../../src/save/path.ts';

const ROOT = '/srv/saves';

test('a name resolves under SaveDirectory/SavePath', () => {
  assert.deepEqual(resolveSaveTarget(ROOT, 'out', 'a/b.jpg'), { folder: resolve(ROOT, 'out'), file: resolve(ROOT, 'out/a/b.jpg') });
});

test('an empty SavePath disables saving', () => {
  assert.throws(() => resolveSaveTarget(ROOT, '', 'a.jpg'), (e: unknown) => e instanceof IsError && /SavePath is empty/.test(e.message));
});

test('every traversal and smuggling form is refused', () => {
  const bad = [
    '', '..', '../x.jpg', 'a/../../x.jpg', 'a/./b.jpg', '/etc/passwd', '\\..\\x.jpg', 'a\\b.jpg', 'x.jpg\0.png',
    '%2e%2e/x.jpg', '%252e%252e/x.jpg', 'a//b.jpg', 'dir/', 'C:x.jpg', 'line\nbreak.jpg', `${TEMP_PREFIX}1234`,
    `a/${TEMP_PREFIX}x`, 'x'.repeat(300), `${'a/'.repeat(600)}x`,
  ];
  for (const name of bad) assert.throws(() => resolveSaveTarget(ROOT, 'out', name), IsError, JSON.stringify(name));
});

test('a SavePath that leaves SaveDirectory is refused', () => {
  assert.throws(() => resolveSaveTarget(ROOT, '../elsewhere', 'x.jpg'), IsError);
});

test('names with spaces, unicode and dots inside are fine', () => {
  assert.equal(resolveSaveTarget(ROOT, 'out', 'my file..v2 ä.jpg').file, resolve(ROOT, 'out/my file..v2 ä.jpg'));
});

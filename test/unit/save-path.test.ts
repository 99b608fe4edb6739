import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { IsError } from '../../src/protocol/errors.ts';
import { resolveSaveTarget } from '../../src/save/path.ts';
import { TEMP_PREFIX } from '../../src/save/temp.ts';

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
    // Trailing dots and spaces, names of dots only, bidirectional controls, the temp prefix in another case.
    'x.jpg.', 'x.jpg ', 'dir./x.jpg', '...', 'a/..../b.jpg', 'gpj\u202e.exe', 'a\u2066b.jpg', 'x\u200f.jpg',
    '.ISLE-TMP-1234', `sub/${TEMP_PREFIX.toUpperCase()}x`,
  ];
  for (const name of bad) assert.throws(() => resolveSaveTarget(ROOT, 'out', name), IsError, JSON.stringify(name));
});

test('a SavePath that leaves SaveDirectory is refused', () => {
  assert.throws(() => resolveSaveTarget(ROOT, '../elsewhere', 'x.jpg'), IsError);
});

test('names with spaces, unicode and dots inside are fine', () => {
  assert.equal(resolveSaveTarget(ROOT, 'out', 'my file..v2 ä.jpg').file, resolve(ROOT, 'out/my file..v2 ä.jpg'));
});

test('temporary names carry their owner, and only abandoned ones are swept', async () => {
  const { isAbandoned, newTempName, tempOwner, THIS_PROCESS } = await import('../../src/save/temp.ts');
  const mine = newTempName();
  assert.ok(mine.startsWith(TEMP_PREFIX));
  assert.deepEqual(tempOwner(mine), THIS_PROCESS);
  const hour = 3_600_000;
  const alive = () => true;
  const dead = () => false;
  // Our own live file, and a live process's, are kept; a dead process's goes; old files go whoever made them.
  assert.equal(isAbandoned(mine, 10, hour, THIS_PROCESS, dead), false);
  const other = newTempName({ ...THIS_PROCESS, pid: THIS_PROCESS.pid + 1, instance: 'abcdef01' });
  assert.equal(isAbandoned(other, 10, hour, THIS_PROCESS, alive), false);
  assert.equal(isAbandoned(other, 10, hour, THIS_PROCESS, dead), true);
  assert.equal(isAbandoned(other, 2 * hour, hour, THIS_PROCESS, alive), true);
  // A file with our pid but another instance id was left by an earlier process that had this pid.
  assert.equal(isAbandoned(newTempName({ ...THIS_PROCESS, instance: '00000000' }), 10, hour, THIS_PROCESS, alive), true);
  // Another host's files, and names of an older form, are judged by age alone.
  const remote = newTempName({ ...THIS_PROCESS, host: 'ffffffff' });
  assert.equal(isAbandoned(remote, 10, hour, THIS_PROCESS, dead), false);
  assert.equal(isAbandoned(`${TEMP_PREFIX}legacy`, 10, hour, THIS_PROCESS, dead), false);
  assert.equal(isAbandoned(`${TEMP_PREFIX}legacy`, 2 * hour, hour, THIS_PROCESS, dead), true);
});

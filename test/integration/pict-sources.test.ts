import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorMessage, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';
import { codecs } from '../helpers/pixels.ts';

/**
 * PICT sources are recognised (the 512-byte file header, then the version opcodes) and refused by
 * name, as docs/compatibility.md records; the server serves on.
 */
const dir = temporaryFolder('isle-pict-sources-');
let fixture: Fixture;

/** A PICT file's start: the 512-byte header, picSize, picFrame (0 0 16 16), then the version. */
function pict(version: number[]): Uint8Array {
  const b = new Uint8Array(512 + 2 + 8 + version.length + 4);
  b.set([0, 0, 0, 0, 0, 16, 0, 16], 514);
  b.set(version, 522);
  b.set([0x00, 0xff], b.length - 2); // EndOfPicture
  return b;
}

before(async () => {
  await codecs();
  fixture = await startFixture({ config: { root: dir } });
});
after(() => fixture?.close());

test('a PICT (version 1 or 2) answers 403 "PICT sources are not supported"; other bytes still the list of formats', async () => {
  writeFileSync(join(dir, 'v2.pct'), pict([0x00, 0x11, 0x02, 0xff, 0x0c, 0x00]));
  writeFileSync(join(dir, 'v1.pct'), pict([0x11, 0x01]));
  writeFileSync(join(dir, 'zeros.bin'), new Uint8Array(600));
  for (const file of ['v2.pct', 'v1.pct']) {
    const reply = await fixture.get(`/is/image/${file}?wid=20&fmt=png`);
    assert.equal(reply.status, 403, file);
    assert.equal(errorMessage(reply.text), 'PICT sources are not supported');
  }
  const other = await fixture.get('/is/image/zeros.bin?wid=20&fmt=png');
  assert.equal(other.status, 403);
  assert.match(errorMessage(other.text), /The source is not a JPEG, PNG/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeImage } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, startFixture } from '../helpers/server.ts';

test('png-level sets the compression of PNG replies; fmt=png is RGB, png-alpha RGBA', async () => {
  const url = '/is/image/fixtures/orientation-3.jpg?wid=300';
  const bodies: Buffer[] = [];
  for (const level of ['0', '9']) {
    const f = await startFixture({ files: { ...FIXTURE_CATALOG }, config: { 'png-level': level } });
    try {
      const png = await f.get(`${url}&fmt=png`);
      assert.equal(png.status, 200);
      assert.equal(png.body[25], 2, 'IHDR colour type of fmt=png');
      bodies.push(png.body);
      const alpha = await f.get(`${url}&fmt=png-alpha`);
      assert.equal(alpha.body[25], 6, 'IHDR colour type of fmt=png-alpha');
    } finally {
      await f.close();
    }
  }
  const [stored, smallest] = bodies as [Buffer, Buffer];
  assert.ok(stored.length > smallest.length * 1.2, `level 0: ${stored.length} bytes, level 9: ${smallest.length}`);
  assert.deepEqual((await decodeImage(stored)).data, (await decodeImage(smallest)).data);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeImage } from '../helpers/pixels.ts';
import { startFixture } from '../helpers/server.ts';

test('rotate= by any angle: the corners it opens are transparent, or bgColor= when the request gives one', async () => {
  const f = await startFixture({ samples: true });
  try {
    const corner = async (query: string) => {
      const r = await f.get(`/is/image/sample/landscape?wid=200&rotate=30&fmt=png-alpha${query}`);
      assert.equal(r.status, 200, r.text.slice(0, 120));
      return [...(await decodeImage(r.body)).data.subarray(0, 4)];
    };
    assert.deepEqual(await corner(''), [0, 0, 0, 0]);
    assert.deepEqual(await corner('&bgColor=ff0000'), [255, 0, 0, 255]);
  } finally {
    await f.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pngChunk } from '../../src/image/metadata.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/** A counter's value on /metrics, 0 when it is not there. */
async function counter(f: Fixture, name: string, label: string): Promise<number> {
  const text = (await f.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** A valid PNG with `count` empty private chunks (12 bytes each, CRCs right) between its header and its data. */
async function manyChunks(count: number): Promise<Uint8Array> {
  const png = Buffer.from(await encodeImage(synth(40, 30, () => [10, 200, 30, 255]), 'png'));
  const empty = pngChunk('prVt', new Uint8Array(0));
  const chunks = Buffer.alloc(empty.length * count);
  for (let i = 0; i < count; i++) empty.copy(chunks, i * empty.length);
  return Buffer.concat([png.subarray(0, 33), chunks, png.subarray(33)]);
}

test('a PNG of 200,000 empty chunks is refused by max-header-chunks, its walk stopped there; one of 50 renders', async () => {
  const f = await startFixture({
    files: { 'images/walk.png': await manyChunks(200_000), 'images/few.png': await manyChunks(50) },
  });
  try {
    for (const query of ['wid=20&fmt=png', 'req=imageprops']) {
      const r = await f.get(`/is/image/walk.png?${query}`);
      assert.equal(r.status, 403, r.text);
      assert.match(r.text, /limit of 25000 source header blocks walked \(PNG chunks, .*\) \(max-header-chunks\)/);
    }
    assert.equal(await counter(f, 'isle_account_refusals_total', 'limit="max-header-chunks"'), 2);
    const few = await f.get('/is/image/few.png?wid=20&fmt=png');
    assert.equal(few.status, 200, few.text);
    assert.ok((await counter(f, 'isle_account_charged_total', 'meter="chunks"')) >= 50);
  } finally {
    await f.close();
  }
});

test('the limit counts the chunks of every source a request reads', async () => {
  const f = await startFixture({ files: { 'images/a.png': await manyChunks(60), 'images/b.png': await manyChunks(60) }, config: { 'max-header-chunks': '100' } });
  try {
    const both = await f.get('/is/image/a.png?wid=20&fmt=png&layer=1&src=b.png');
    assert.equal(both.status, 403, both.text);
    assert.match(both.text, /max-header-chunks/);
    assert.equal((await f.get('/is/image/b.png?wid=20&fmt=png')).status, 200, 'each alone is within it');
  } finally {
    await f.close();
  }
});

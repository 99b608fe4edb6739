import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runMix } from '../../tools/load-mix.ts';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, startFixture } from '../helpers/server.ts';

const SECONDS = 15;
const CONNECTIONS = 16;

test(`load: ${SECONDS} s of mixed valid, corrupt, oversized and saving requests over ${CONNECTIONS} connections`, async (t) => {
  const f = await startFixture({
    files: {
      'catalogs/default.ini': 'SavePath=out\nMaxPix=2000,2000\n',
      ...FIXTURE_CATALOG,
      'images/pic.png': await encodeImage(synth(800, 600, (x, y) => [x % 256, y % 256, (x + y) % 256, 255]), 'png'),
      'saves/out/.keep': '',
    },
    config: { workers: '2', 'max-queue': '4' },
  });
  try {
    const result = await runMix(f.isle.url, SECONDS, CONNECTIONS);
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    t.diagnostic(`${total} requests in ${SECONDS} s (${(total / SECONDS).toFixed(1)}/s): ${JSON.stringify(result.counts)}`);
    t.diagnostic(`peak RSS ${(result.peakRss / 2 ** 20).toFixed(0)} MiB; ${result.saved.length} saves`);
    assert.deepEqual(result.unexpected, [], 'only the expected status, or 503 with Retry-After');
    assert.ok(Object.keys(result.counts).every((s) => ['200', '304', '403', '503'].includes(s)));
    assert.ok((result.counts['200'] ?? 0) > 50, 'the server did real work');
    assert.ok(result.saved.length > 5);
    for (const name of result.saved) {
      const file = join(f.saves, 'out', name);
      assert.ok(existsSync(file), `lost save ${name}`);
      assert.ok((await decodeImage(readFileSync(file))).width >= 64, name);
    }
    // Every request's hold on source files and foreign bodies ended with it, refused ones included.
    const metrics = (await f.get('/metrics')).text;
    for (const gauge of ['isle_source_held_bytes', 'isle_origin_held_bytes']) assert.match(metrics, new RegExp(`^${gauge} 0$`, 'm'), gauge);
    assert.equal((await f.get('/is/image/pic.png?wid=10')).status, 200, 'still serving');
  } finally {
    await f.close();
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, startFixture } from '../helpers/server.ts';

test('every example URL of the README answers as the README says, on the bundled samples', async () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const urls = [...readme.matchAll(/^\| http:\/\/127\.0\.0\.1:8080(\/\S+) \| (.*) \|$/gm)].map((m) => ({ path: m[1]!, says: m[2]! }));
  assert.ok(urls.length >= 10, `${urls.length} example URLs`);
  const f = await startFixture({ samples: true, files: { 'saves/saved/.keep': '' } });
  try {
    for (const { path, says } of urls) {
      const r = await f.get(path);
      assert.equal(r.status, says.startsWith('403') ? 403 : 200, `${path}: ${r.text.slice(0, 120)}`);
    }
  } finally {
    await f.close();
  }
});

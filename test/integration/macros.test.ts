import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { errorMessage as message, startFixture } from '../helpers/server.ts';

describe('one URL cannot amplify a catalog macro', () => {
  test('a URL repeating a large macro gets 403 at once while /healthz keeps answering; an oversized macro is refused at load', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `op_brightness=${i % 10}`).join('&');
    const huge = Array.from({ length: 1200 }, () => 'op_contrast=1').join('&');
    const f = await startFixture({
      files: {
        'catalogs/default.ini': 'MacroFile=macros.txt\n',
        'catalogs/macros.txt': `Name\tDefinition\nbig\t${hundred}\nhuge\t${huge}\nsmall\twid=20\n`,
        'images/a.png': await encodeImage(synth(40, 40, () => [5, 5, 5, 255]), 'png'),
      },
    });
    try {
      assert.ok(f.isle.context.catalogs.warnings.some((w) => /macro huge expands to more than 1000 commands/.test(w)));
      const amplified = f.get(`/is/image/a.png?${Array.from({ length: 15 }, () => '$big$').join('&')}`);
      const repeated = f.get(`/is/image/a.png?${Array.from({ length: 1300 }, () => '$big$').join('&')}`);
      const health = await f.get('/healthz');
      assert.equal(health.status, 200);
      const r = await amplified;
      assert.equal(r.status, 403);
      assert.match(message(r.text), /more than 1000 commands once macros are expanded/);
      assert.match(message((await repeated).text), /more than 1000 commands/);
      assert.equal((await f.get('/is/image/a.png?$huge$')).status, 403);
      assert.equal((await f.get('/is/image/a.png?$small$&$big$')).status, 200, 'macros under the cap still work');
    } finally {
      await f.close();
    }
  });
});

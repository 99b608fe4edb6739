import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { startFixture } from '../helpers/server.ts';

const RULES = `<?xml version="1.0" encoding="UTF-8"?>
<ruleset>
  <rule Name="edge" OnMatch="continue"><expression>\\$Edge-Control=</expression><header Name="Edge-Control">$Edge-Control$</header></rule>
  <rule Name="named" OnMatch="continue"><expression>\\$hname=</expression><header Name="$hname$">set</header></rule>
</ruleset>
`;

/** The raw status line, as a proxy would read it. */
function statusLine(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(`HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no reply within 10 s')));
    req.on('error', reject).end();
  });
}

test('a rule-set header whose value or name HTTP cannot carry is dropped; the reply is otherwise unchanged', async () => {
  const f = await startFixture({
    files: {
      'images/pic.png': await encodeImage(synth(20, 10, () => [1, 2, 3, 255]), 'png'),
      'catalogs/default.ini': 'RuleSetFile=rules.xml\n',
      'catalogs/rules.xml': RULES,
    },
  });
  try {
    const snowman = await f.get('/is/image/pic.png?fmt=png&$Edge-Control=%E2%98%83');
    assert.equal(snowman.status, 200, snowman.text);
    assert.equal(snowman.headers['edge-control'], undefined);
    assert.equal(snowman.headers['content-type'], 'image/png');
    assert.equal(snowman.body.readUInt32BE(16), 20, 'the image itself');
    assert.equal(await statusLine(`${f.isle.url}/is/image/pic.png?fmt=png&$Edge-Control=%E2%98%83`), 'HTTP/1.1 200 OK');
    const badName = await f.get('/is/image/pic.png?fmt=png&$hname=a%20b');
    assert.equal(badName.status, 200, badName.text);
    const fine = await f.get('/is/image/pic.png?fmt=png&$Edge-Control=no-store&$hname=X-Named');
    assert.equal(fine.headers['edge-control'], 'no-store', 'a header HTTP can carry is still sent');
    assert.equal(fine.headers['x-named'], 'set');
  } finally {
    await f.close();
  }
});

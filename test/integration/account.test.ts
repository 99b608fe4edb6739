import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startFixture, type Fixture } from '../helpers/server.ts';

/** A counter's value on /metrics, 0 when it is not there. */
async function counter(f: Fixture, name: string, label: string): Promise<number> {
  const text = (await f.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const percent = (s: string) => encodeURIComponent(s);

describe('the request account', () => {
  test('nested requests that substitute the outer variables again are refused by max-query-bytes, and the server keeps serving', async () => {
    const f = await startFixture({ samples: true });
    try {
      // A value made of references to itself: each level's substitution makes 33 references of each,
      // so three levels of a 99-byte value would grow a 1 KB URL past a hundred megabytes.
      const refs = '$v$'.repeat(33);
      const level3 = `is{?text=${refs}}`;
      const level2 = `is{?layer=1&src=${level3}}`;
      const url = `/is/image/sample/landscape?$v=${percent(refs)}&layer=1&src=${percent(`is{?layer=1&src=${level2}}`)}&wid=100`;
      const refused = await f.get(url);
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.text, /max-query-bytes/);
      assert.equal((await f.get('/healthz')).status, 200);
      assert.equal((await f.get('/is/image/sample/landscape?wid=50')).status, 200);
      assert.equal(await counter(f, 'isle_account_refusals_total', 'limit="max-query-bytes"'), 1);
      assert.ok((await counter(f, 'isle_account_charged_total', 'meter="query"')) > 0);
    } finally {
      await f.close();
    }
  });

  test('a text= that repeats a variable 200 times is refused before it is built; the same text within the limit renders', async () => {
    const f = await startFixture({ samples: true });
    try {
      const many = '$v$'.repeat(200);
      const r = await f.get(`/is/image/sample/landscape?$v=${'y'.repeat(3000)}&layer=1&text=${percent(many)}&wid=100`);
      assert.equal(r.status, 403);
      assert.match(r.text, /limit of 65536 bytes of expanded query and text \(max-query-bytes\)/);
      const ok = await f.get(`/is/image/sample/landscape?$v=${'y'.repeat(10)}&layer=1&text=${percent('$v$'.repeat(20))}&wid=100`);
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await f.close();
    }
  });

  test('max-glyphs counts the characters of every text layer of the request', async () => {
    // Each text's paragraph and run count 16 characters more: 2 x (40 + 32) fit in 200, 2 x (80 + 32) do not.
    const f = await startFixture({ samples: true, config: { 'max-glyphs': '200' } });
    try {
      const fits = await f.get(`/is/image/sample/landscape?layer=1&text=${'a'.repeat(40)}&layer=2&text=${'b'.repeat(40)}&wid=100`);
      assert.equal(fits.status, 200, fits.text);
      const over = await f.get(`/is/image/sample/landscape?layer=1&text=${'a'.repeat(80)}&layer=2&text=${'b'.repeat(80)}&wid=100`);
      assert.equal(over.status, 403);
      assert.match(over.text, /max-glyphs/);
      assert.equal(await counter(f, 'isle_account_refusals_total', 'limit="max-glyphs"'), 1);
    } finally {
      await f.close();
    }
  });

  test('max-request-pixels counts the pixels every layer decodes', async () => {
    const f = await startFixture({ samples: true, config: { 'max-request-pixels': '500000' } });
    try {
      // The sample landscape is 800x1200 (0.96 MP at full size): a small view decodes at 1/4 or 1/8.
      assert.equal((await f.get('/is/image/sample/landscape?wid=100')).status, 200);
      const full = await f.get('/is/image/sample/landscape?scl=1');
      assert.equal(full.status, 403);
      assert.match(full.text, /max-request-pixels/);
    } finally {
      await f.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

let f: Fixture;
before(async () => {
  f = await startFixture({ files: { 'images/a.png': await encodeImage(synth(20, 20, () => [5, 5, 5, 255]), 'png') } });
});
after(() => f.close());

/** Runs a javascript reply as a page's `<script src>` would (its `error` object given); throws on a syntax error. */
function evaluate(body: string): { error: Record<string, unknown>; pwned?: unknown } {
  const scope = createContext({ error: {} });
  runInContext(body, scope, { timeout: 1000 });
  return scope as { error: Record<string, unknown>; pwned?: unknown };
}

test('the javascript reply format escapes as a JavaScript string literal: no value can run code', async () => {
  const r = await f.get('/is/image/a.png?req=props,javascript&icc=x%5C%27;globalThis.pwned=1;//');
  assert.equal(r.status, 403);
  const scope = evaluate(r.text);
  assert.equal(scope.pwned, undefined, r.text);
  assert.match(String(scope.error.message), /^icc=x\\';globalThis\.pwned=1;\/\/: /, 'the value comes back whole');
});

test('a javascript reply carrying an apostrophe parses, and the value comes back whole', async () => {
  const r = await f.get("/is/image/a.png?req=props,javascript&icc=it's");
  assert.equal(r.status, 403);
  assert.match(String(evaluate(r.text).error.message), /^icc=it's: /);
});

test('no reply format echoes a client\'s markup in an error', async () => {
  for (const format of ['text', 'javascript', 'xml', 'json']) {
    for (const query of [`req=props,${format}&icc=<script>alert(1)</script>`, `req=props,${format}&icc=%3Cscript%3Ealert(1)%3C/script%3E`]) {
      const r = await f.get(`/is/image/a.png?${query}`);
      assert.equal(r.status, 403, query);
      assert.doesNotMatch(r.text, /<script|<\/script/i, `${query}: ${r.text}`);
    }
  }
  // An image request's error body, and a viewer's JSONP error.
  for (const path of ['/is/image/a.png?wid=10&icc=<script>x', '/is/image/a.png?req=set,json&imageSet=<script>x&wid=-1']) {
    const r = await f.get(path);
    assert.doesNotMatch(r.text, /<script/i, `${path}: ${r.status} ${r.text}`);
  }
});

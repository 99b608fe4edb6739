import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { baseFiles } from '../helpers/files.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { errorMessage as message, rawGet, startFixture, type Fixture } from '../helpers/server.ts';

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

describe('CR/LF and markup in a request', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ files: await baseFiles(), config: { 'save-allow': '127.0.0.1' } });
  });
  after(() => f.close());

  test('CR/LF never reaches a header', async () => {
    for (const target of [
      '/is/image/small.png?req=saveToFile&name=a%0d%0aSet-Cookie:%20x=1',
      '/is/image/small%0d%0aSet-Cookie:%20x=1.png',
      '/is/image/small.png?fmt=png%0d%0aSet-Cookie:%20x=1',
      '/is/image/small.png?wid=10&x=%0d%0aSet-Cookie:%20x=1',
    ]) {
      const r = await f.get(target);
      assert.equal(r.headers['set-cookie'], undefined, target);
      assert.ok(!Object.values(r.headers).some((v) => v.includes('x=1')), target);
    }
  });

  test('error messages do not echo markup or long input', async () => {
    for (const target of ['/is/image/small.png?fmt=<script>alert(1)</script>', '/is/image/small.png?%3Cscript%3E=1&wid=<b>', '/is/image/%3Cimg%20src=x%3E']) {
      const r = await rawGet(f.isle.url, target);
      assert.equal(r.status, 403, target);
      assert.ok(!/<script|<img|<b>/i.test(r.text), `${target}: ${r.text}`);
    }
  });
});

describe('handler=', () => {
  test('a JSONP handler name may contain only letters and digits', async () => {
    const f = await startFixture({ files: await baseFiles() });
    try {
      assert.equal((await f.get('/is/image/small.png?handler=myCallback2')).status, 200);
      for (const bad of ['alert(1)', 'a.b', 'x%0d%0ay', '', 'a-b']) {
        const r = await f.get(`/is/image/small.png?handler=${bad}`);
        assert.equal(r.status, 403, bad);
        assert.match(message(r.text), /handler may contain only letters and digits/);
      }
    } finally {
      await f.close();
    }
  });
});

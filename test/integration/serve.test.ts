import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { get, properties, rawGet, startFixture, type Fixture } from '../helpers/server.ts';

describe('serving the protocol over HTTP', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ samples: true });
  });
  after(() => f.close());

  test('GET /is/image alone answers the #S7Z OK banner, not cacheable', async () => {
    const r = await f.get('/is/image');
    assert.equal(r.status, 200);
    assert.match(r.text, /^#S7Z OK\n#\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\ncopyright=/);
    assert.equal(r.headers['cache-control'], 'no-cache, no-store');
  });

  test('an image request answers the image with the Content-Type of its fmt', async () => {
    const jpeg = await f.get('/is/image/sample/landscape?wid=100');
    assert.equal(jpeg.status, 200);
    assert.equal(jpeg.headers['content-type'], 'image/jpeg');
    assert.deepEqual([...jpeg.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    for (const fmt of ['png', 'png-alpha', 'PNG']) {
      const png = await f.get(`/is/image/sample/landscape?wid=100&fmt=${fmt}`);
      assert.equal(png.headers['content-type'], 'image/png', fmt);
      assert.equal(png.body.subarray(1, 4).toString(), 'PNG');
    }
    assert.equal((await f.get('/is/image/sample/landscape?wid=100&fmt=jpg')).headers['content-type'], 'image/jpeg');
  });

  test('HEAD answers the same headers and no body', async () => {
    const g = await f.get('/is/image/sample/landscape?wid=120');
    const h = await get(`${f.isle.url}/is/image/sample/landscape?wid=120`, {}, 'HEAD');
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    assert.equal(h.headers['content-length'], String(g.body.length));
    assert.equal(h.headers['content-type'], 'image/jpeg');
  });

  test('other contexts answer 404 and other methods 405, both in the error form', async () => {
    const r = await f.get('/is/other/x');
    assert.equal(r.status, 404);
    assert.ok(properties(r.text).has('error.message'));
    const post = await request(`${f.isle.url}/is/image/sample/landscape`, { method: 'POST', body: '' });
    assert.equal(post.statusCode, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    await post.body.dump();
  });

  test('unknown commands, empty modifiers and .comments are ignored', async () => {
    const plain = await f.get('/is/image/sample/landscape?wid=90');
    for (const q of ['?&&wid=90&&', '?ts=1705312480003&wid=90&playlog=abc', '?.ts=123&wid=90&.cache-buster', '?WID=90', '?wid=10&wid=90']) {
      const r = await f.get(`/is/image/sample/landscape${q}`);
      assert.equal(r.status, 200, q);
      assert.deepEqual(r.body, plain.body, q);
    }
  });

  test('an encoded comma is a comma: qlt=90%2c1 equals qlt=90,1', async () => {
    const a = await f.get('/is/image/sample/landscape?wid=90&qlt=90%2c1');
    const b = await f.get('/is/image/sample/landscape?wid=90&qlt=90,1');
    assert.deepEqual(a.body, b.body);
  });

  test('bad values of known commands answer 403 with an error.message', async () => {
    const cases: [string, RegExp][] = [
      ['wid=abc', /wid must be an integer/],
      ['wid=0', /wid must be between/],
      ['hei=-5', /hei must be between/],
      ['scl=0', /scl must be greater than 0/],
      ['fit=sideways&wid=5&hei=5', /fit must be one of/],
      ['fit=crop,2&wid=5&hei=5', /upscale flag must be 0 or 1/],
      ['align=2,0&wid=5&hei=5', /align must be/],
      ['bgc=notacolor', /Invalid bgc/],
      ['qlt=101', /qlt quality must be between 1 and 100/],
      ['qlt=80,7', /chroma flag must be 0 or 1/],
      ['fmt=heic', /fmt=heic is not supported/],
      ['fmt=bmp', /unknown format/],
      ['fmt=png,gray', /gray is supported for jpeg, tif, pdf, jpeg2000 and eps only/],
      ['rect=0,0,10', /rect needs/],
      ['req=bogus', /req=bogus is not supported/],
      ['wid=%zz', /Malformed URL encoding/],
    ];
    for (const [q, message] of cases) {
      const r = await f.get(`/is/image/sample/landscape?${q}`);
      assert.equal(r.status, 403, q);
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(r.headers['cache-control'], 'no-cache, no-store', q);
      assert.match(properties(r.text).get('error.message') ?? '', message, q);
    }
  });

  test('catalog records: Modifier is overridden by the URL, PostModifier overrides the URL', async () => {
    // hero: Modifier wid=800&hei=300&fit=crop
    const hero = await f.get('/is/image/sample/hero?fmt=png');
    assert.equal(hero.body.readUInt32BE(16), 800);
    const override = await f.get('/is/image/sample/hero?fmt=png&wid=400');
    assert.equal(override.body.readUInt32BE(16), 400);
    // thumb: PostModifier wid=160&hei=160&fit=crop
    const thumb = await f.get('/is/image/sample/thumb?fmt=png&wid=500&hei=20');
    assert.deepEqual([thumb.body.readUInt32BE(16), thumb.body.readUInt32BE(20)], [160, 160]);
  });

  test('the default catalog serves plain paths under the root and adds DefaultExt', async () => {
    const withExt = await f.get('/is/image/landscape.jpg?wid=50');
    const withoutExt = await f.get('/is/image/landscape?wid=50');
    assert.equal(withExt.status, 200);
    assert.deepEqual(withExt.body, withoutExt.body);
    assert.equal((await f.get('/is/image/logo.png?wid=50')).status, 200);
  });

  test('missing images answer 403 without naming server paths', async () => {
    for (const path of ['/is/image/sample/nothing', '/is/image/nothing.png', '/is/image/sample']) {
      const r = await f.get(path);
      assert.equal(r.status, 403, path);
      assert.equal(properties(r.text).get('error.message'), 'Image not found');
      assert.ok(!r.text.includes(f.dir), 'no server path in the message');
    }
  });

  test('URLs longer than max-url-length answer 403', async () => {
    const r = await f.get(`/is/image/sample/landscape?wid=10&.x=${'a'.repeat(9000)}`);
    assert.equal(r.status, 403);
    assert.match(r.text, /longer than 8192 bytes/);
  });

  test('traversal in the object path never reads outside the root', async () => {
    for (const path of [
      '/is/image/../../etc/passwd',
      '/is/image/sample/../../../etc/passwd',
      '/is/image/%2e%2e/%2e%2e/etc/passwd',
      '/is/image/..%2f..%2fetc%2fpasswd',
      '/is/image/..%5c..%5cetc%5cpasswd',
      '/is/image/%252e%252e/etc/passwd',
      '/is/image/%c0%ae%c0%ae/etc/passwd',
      '/is/image/a%00.jpg',
    ]) {
      const r = await rawGet(f.isle.url, path);
      assert.equal(r.status, 403, path);
      assert.ok(!r.text.includes('root:'), path);
    }
  });
});

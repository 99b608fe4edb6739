import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { refusedAddress } from '../../src/origin/address-policy.ts';
import { fetchSource } from '../../src/origin/fetch.ts';
import { parseAddressList } from '../../src/protocol/addresses.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

const NONE = parseAddressList('', 'test');

test('the address classifier refuses loopback, private, link-local, metadata and reserved addresses unless allowed', () => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '64:ff9b::a00:1']) {
    assert.ok(refusedAddress(a, NONE), `${a} refused`);
  }
  for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) assert.equal(refusedAddress(a, NONE), undefined, `${a} allowed`);
  assert.equal(refusedAddress('127.0.0.1', parseAddressList('127.0.0.0/8', 'test')), undefined, 'the operator allow-list names it');
  assert.ok(refusedAddress('not-an-ip', NONE));
});

test('a name that resolves to a private address is refused in the lookup, before any connection', async () => {
  const asked: string[] = [];
  const lookup = ((hostname: string, _options: unknown, callback: (err: null, addresses: { address: string; family: number }[]) => void) => {
    asked.push(hostname);
    callback(null, [{ address: '10.0.0.7', family: 4 }]);
  }) as never;
  const policy = { allow: NONE, maxBytes: 1e6, timeoutMs: 2000, permits: () => true, lookup };
  await assert.rejects(fetchSource(new URL('http://images.example.test/a.png'), policy), (err) => err instanceof IsError && /10\.0\.0\.7 is a loopback, private/.test(err.message));
  assert.deepEqual(asked, ['images.example.test']);
  await assert.rejects(fetchSource(new URL('http://169.254.169.254/latest/meta-data'), policy), /169\.254\.169\.254 is a loopback/);
  await assert.rejects(fetchSource(new URL('file:///etc/passwd'), policy), /only http and https/);
});

describe('foreign sources from an HTTP origin', () => {
  let origin: Server;
  let base: string;
  const seen: { url: string; conditional: boolean }[] = [];
  let f: Fixture;
  let strict: Fixture;
  before(async () => {
    const png = await encodeImage(synth(40, 30, () => [0, 0, 255, 255]), 'png');
    origin = createServer((req, res) => {
      seen.push({ url: req.url ?? '', conditional: req.headers['if-none-match'] !== undefined });
      if (req.url === '/img/blue.png') {
        if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
        return res.writeHead(200, { 'content-type': 'image/png', etag: '"v1"' }).end(png);
      }
      if (req.url === '/img/page.png') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      if (req.url === '/img/away') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      if (req.url === '/img/out') return res.writeHead(302, { location: '/elsewhere/blue.png' }).end();
      if (req.url === '/img/big.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(3 * 1024 * 1024));
      if (req.url === '/img/slow.png') return; // never answers
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    const catalogs = {
      'catalogs/default.ini': 'DefaultPix=0,0\n',
      'catalogs/web.ini': `RootId=web\nRootUrl=${base}/img/\n`,
      'catalogs/open.ini': `RootId=open\nRootUrl=${base}/img/\nAllowDirectUrls=1\n`,
    };
    f = await startFixture({ files: catalogs, config: { 'origin-allow': '127.0.0.1/32', 'origin-timeout': '500', 'origin-max-bytes': '1' } });
    strict = await startFixture({ files: catalogs });
  });
  after(async () => {
    await f.close();
    await strict.close();
    origin.closeAllConnections();
    await new Promise((r) => origin.close(r));
  });
  const layered = (src: string) => `layer=0&color=ffffff&size=60,40&layer=1&src=${src}&fmt=png`;

  test('src=(relative) renders from RootUrl; a repeat revalidates with a 304 instead of downloading', async () => {
    seen.length = 0;
    const r = await f.get(`/is/image/web?${layered('(blue.png)')}`);
    assert.equal(r.status, 200, r.text);
    const image = await decodeImage(r.body);
    assert.deepEqual(pixelAt(image, 30, 20).slice(0, 3), [0, 0, 255]);
    assert.deepEqual(pixelAt(image, 2, 2).slice(0, 3), [255, 255, 255]);
    const again = await f.get(`/is/image/web?${layered('(blue.png)')}&wid=30`);
    assert.equal(again.status, 200);
    assert.deepEqual(seen, [{ url: '/img/blue.png', conditional: false }, { url: '/img/blue.png', conditional: true }]);
    const metrics = (await f.get('/metrics')).text;
    assert.match(metrics, /^isle_origin_revalidations_total 1$/m);
    assert.match(metrics, /^isle_origin_fetches_total 1$/m);
  });

  test('every SSRF case answers 403 without the origin being contacted where it must not be', async () => {
    seen.length = 0;
    const refused = async (fixture: Fixture, catalog: string, src: string, message: RegExp) => {
      const r = await fixture.get(`/is/image/${catalog}?${layered(src)}`);
      assert.equal(r.status, 403, src);
      assert.match(properties(r.text).get('error.message') ?? '', message, src);
    };
    await refused(strict, 'web', '(blue.png)', /127\.0\.0\.1 is a loopback/);
    await refused(f, 'web', `(${base}/img/blue.png)`, /absolute foreign URLs need AllowDirectUrls/);
    await refused(f, '', '(blue.png)', /not enabled on this catalog/);
    await refused(f, 'open', '(http://169.254.169.254/latest/meta-data)', /169\.254\.169\.254 is a loopback/);
    await refused(f, 'open', '(file:///etc/passwd)', /only http and https/);
    assert.equal(seen.length, 0, 'the origin saw none of them');
    await refused(f, 'web', '(away)', /a redirect left the allowed URLs|169\.254/);
    await refused(f, 'web', '(out)', /a redirect left the allowed URLs/);
    await refused(f, 'web', '(page.png)', /content type is text\/html/);
    await refused(f, 'web', '(big.png)', /limit is 1048576|over 1048576/);
    await refused(f, 'web', '(slow.png)', /no answer within 500 ms/);
    assert.deepEqual(seen.map((s) => s.url), ['/img/away', '/img/out', '/img/page.png', '/img/big.png', '/img/slow.png'], 'no redirect was followed out');
    assert.equal((await f.get(`/is/image/web?${layered('(blue.png)')}`)).status, 200, 'and the server still serves');
  });

  test('an absolute URL where AllowDirectUrls allows it', async () => {
    const r = await f.get(`/is/image/open?${layered(`(${base}/img/blue.png)`)}`);
    assert.equal(r.status, 200, r.text);
  });
});

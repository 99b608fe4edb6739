import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pngChunk } from '../../src/image/metadata.ts';
import { REPO, startFixture, type Fixture } from '../helpers/server.ts';

/** A counter's value on /metrics, 0 when it is not there. */
async function counter(f: Fixture, name: string, label: string): Promise<number> {
  const text = (await f.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

// The sample logo (68 KB) with a private chunk of 360 KB after its image data: a valid PNG of
// 428 KB, so two fit in 1 MiB and three do not.
const logo = readFileSync(`${REPO}/samples/images/logo.png`);
const body = Buffer.concat([logo.subarray(0, -12), pngChunk('prVt', new Uint8Array(360 * 1024)), logo.subarray(-12)]);
const layers = (n: number, tag = '') => Array.from({ length: n }, (_, i) => `layer=${i + 1}&src=(logo.png%3Fn=${tag}${i})`).join('&');

/**
 * A server whose catalog `open` takes its sources from a loopback origin that serves `body` at any
 * URL (as distinct query strings on one object of an origin), with `config`.
 */
function withOrigin(config: Record<string, string>): { f: () => Fixture } {
  let origin: Server;
  let f: Fixture;
  before(async () => {
    origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png', etag: '"b1"' }).end(body));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    f = await startFixture({
      files: { 'catalogs/default.ini': 'DefaultPix=0,0\n', 'catalogs/open.ini': `RootId=open\nRootUrl=${base}/img/\n` },
      config: { 'origin-allow': '127.0.0.1/32', ...config },
    });
  });
  after(async () => {
    await f.close();
    origin.closeAllConnections();
    await new Promise((r) => origin.close(r));
  });
  return { f: () => f };
}

describe('max-fetch-bytes: the foreign sources one request may hold', () => {
  const { f: server } = withOrigin({ 'max-fetch-bytes': '1' });

  test('three layers of 428 KB from an origin pass 1 MiB and are refused, naming the limit; two render', async () => {
    const f = server();
    const over = await f.get(`/is/image/open?layer=0&color=ffffff&size=60,40&${layers(3)}&fmt=png`);
    assert.equal(over.status, 403, over.text);
    assert.match(over.text, /max-fetch-bytes/);
    assert.equal(await counter(f, 'isle_account_refusals_total', 'limit="max-fetch-bytes"'), 1);
    const fits = await f.get(`/is/image/open?layer=0&color=ffffff&size=60,40&${layers(2)}&fmt=png`);
    assert.equal(fits.status, 200, fits.text);
    // The refused request's two bodies and the served one's two were charged.
    assert.equal(await counter(f, 'isle_account_charged_total', 'meter="fetched"'), 4 * body.byteLength);
  });

  test('a URL named by many layers is held once and charged once', async () => {
    const f = server();
    const same = Array.from({ length: 5 }, (_, i) => `layer=${i + 1}&src=(logo.png%3Fn=same)`).join('&');
    const r = await f.get(`/is/image/open?layer=0&color=ffffff&size=60,40&${same}&fmt=png`);
    assert.equal(r.status, 200, r.text);
  });
});

describe('max-fetch-held: the foreign sources all requests in progress may hold', () => {
  const { f: server } = withOrigin({ 'max-fetch-held': '1' });

  test('past it the server is full (503 with Retry-After), and what a request held is let go when it ends, served or refused', async () => {
    const f = server();
    const full = await f.get(`/is/image/open?layer=0&color=ffffff&size=60,40&${layers(3, 'a')}&fmt=png`);
    assert.equal(full.status, 503, full.text);
    assert.equal(full.headers['retry-after'], '1');
    const metrics = async () => Number(/^isle_origin_held_bytes (\S+)$/m.exec((await f.get('/metrics')).text)?.[1]);
    assert.equal(await metrics(), 0, 'the refused request let its two bodies go');
    for (const tag of ['b', 'c']) {
      const served = await f.get(`/is/image/open?layer=0&color=ffffff&size=60,40&${layers(2, tag)}&fmt=png`);
      assert.equal(served.status, 200, served.text);
    }
    assert.equal(await metrics(), 0, 'served requests let theirs go');
  });
});

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { lockValue } from '../../src/protocol/lock.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, rawGet, startFixture, type Fixture, errorMessage as message } from '../helpers/server.ts';

const PHOTO = 'fixtures/photo-2725x2225.jpg';
/** An upscale of the 2725x2225 photo to 20 MP and a PNG encode: seconds of work. */
const SLOW = 'wid=5000&fmt=png';

const baseFiles = async () => ({
  'catalogs/default.ini': 'MaxPix=0,0\nSavePath=out\n',
  ...FIXTURE_CATALOG,
  'images/small.png': await encodeImage(synth(64, 48, (x) => [x * 4, 0, 0, 255]), 'png'),
  'saves/out/.keep': '',
});

describe('render time, queue and worker limits', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: await baseFiles(),
      config: { 'render-timeout': '300', 'max-reply-pixels': '100000000' },
    });
  });
  after(() => f.close());

  test('a reply that takes longer than render-timeout answers 503 with Retry-After and its worker is replaced', async () => {
    const restarts = f.isle.context.pool.stats().restarts;
    const r = await f.get(`/is/image/${PHOTO}?${SLOW}`);
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '1');
    assert.match(message(r.text), /took too long/);
    assert.equal(f.isle.context.pool.stats().restarts, restarts + 1);
    // With a 300 ms render limit, a request must not count the replacement worker's start-up against it.
    await f.isle.context.pool.ready();
    assert.equal((await f.get('/is/image/small.png?wid=32')).status, 200);
  });
});

describe('worker replacement', () => {
  test('requests queued behind a failing worker are served by its replacement', async () => {
    const g = await startFixture({ files: await baseFiles(), config: { 'max-reply-pixels': '100000000' } });
    try {
      const [bad, good] = await Promise.all([
        g.get('/is/image/small.png?wid=40000&hei=40000&fit=stretch,1&fmt=png'),
        g.get('/is/image/small.png?wid=20'),
      ]);
      assert.equal(bad.status, 403);
      assert.equal(good.status, 200);
    } finally {
      await g.close();
    }
  });
});

describe('queue limit', () => {
  test('a full queue answers 503 with Retry-After at once; the queued request is still served', async () => {
    const f = await startFixture({ files: await baseFiles(), config: { 'max-queue': '1' } });
    try {
      // One worker, a queue of one: the slow request renders, one waits, the rest are refused.
      const slow = f.get(`/is/image/${PHOTO}?wid=1500&fmt=png`);
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      const quick = await Promise.all([30, 31, 33].map((w) => f.get(`/is/image/small.png?wid=${w}`)));
      const statuses = quick.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 503, 503]);
      for (const r of quick.filter((q) => q.status === 503)) {
        assert.equal(r.headers['retry-after'], '1');
        assert.match(message(r.text), /busy/);
      }
      assert.equal((await slow).status, 200);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await f.close();
    }
  });
});

describe('saveToFile concurrency', () => {
  test('max-concurrent-saves: a save waits for a place within its own timeout', async () => {
    const f = await startFixture({ files: await baseFiles(), config: { 'max-concurrent-saves': '1', 'max-queue': '4' } });
    try {
      const slow = f.get(`/is/image/${PHOTO}?req=saveToFile&name=slow.png&${SLOW}`);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(f.isle.context.saves.inProgress, 1);
      const impatient = await f.get('/is/image/small.png?req=saveToFile&name=quick.png&fmt=png&timeout=100');
      assert.equal(impatient.status, 403);
      assert.match(message(impatient.text), /timed out after 100 ms/);
      const patient = f.get('/is/image/small.png?req=saveToFile&name=later.png&fmt=png&timeout=60000');
      assert.equal((await slow).status, 200);
      assert.equal((await patient).status, 200);
    } finally {
      await f.close();
    }
  });
});

describe('slow clients', () => {
  test('a client that never finishes its headers is cut off after headers-timeout', async () => {
    const f = await startFixture({ files: await baseFiles(), config: { 'headers-timeout': '500' } });
    try {
      const { port } = new URL(f.isle.url);
      const started = Date.now();
      const reply = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /is/image HTTP/1.1\r\nHost: x\r\n'));
        let data = '';
        socket.on('data', (d) => (data += d));
        socket.on('close', () => resolve(data));
      });
      const elapsed = Date.now() - started;
      assert.match(reply, /^HTTP\/1.1 408/);
      assert.ok(elapsed >= 400 && elapsed < 3000, `${elapsed} ms`);
    } finally {
      await f.close();
    }
  });
});

describe('access control', () => {
  let f: Fixture;
  before(async () => {
    const files = await baseFiles();
    f = await startFixture({
      files: {
        ...files,
        'catalogs/closed.ini': 'RootId=closed\nClientAddressFilter=10.0.0.0/8, 192.168.2.117\n',
        'catalogs/open.ini': 'RootId=open\nClientAddressFilter=10.0.0.0/8,127.0.0.1/32\n',
        'catalogs/locked.ini': 'RootId=locked\nRequestLock=1\n',
      },
      config: { 'save-allow': '10.1.0.0/16' },
    });
  });
  after(() => f.close());

  test('ClientAddressFilter refuses unlisted clients and admits listed ones', async () => {
    const refused = await f.get('/is/image/closed/small.png');
    assert.equal(refused.status, 403);
    assert.match(message(refused.text), /client address is not allowed/);
    assert.equal((await f.get('/is/image/open/small.png')).status, 200);
  });

  test('saveToFile is limited to the --save-allow addresses', async () => {
    const r = await f.get('/is/image/small.png?req=saveToFile&name=x.png');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /may not save/);
  });

  test('RequestLock: the &xxxx lock over the encoded modifiers is required and checked', async () => {
    const query = 'wid=20&fmt=png&bgc=255%2c0%2c0';
    const lock = lockValue(query).toString(16).padStart(4, '0');
    assert.equal((await f.get(`/is/image/locked/small.png?${query}&${lock}`)).status, 200);
    assert.equal((await f.get(`/is/image/locked/small.png?${query}&${lock.toUpperCase()}`)).status, 200);
    for (const q of [query, `${query}&${((parseInt(lock, 16) + 1) & 0xffff).toString(16).padStart(4, '0')}`, `wid=21&fmt=png&bgc=255%2c0%2c0&${lock}`]) {
      const r = await f.get(`/is/image/locked/small.png?${q}`);
      assert.equal(r.status, 403, q);
      assert.equal(message(r.text), 'Invalid lock');
    }
    assert.equal((await f.get(`/is/image/small.png?${query}`)).status, 200, 'catalogs without RequestLock are unaffected');
  });
});

describe('hostile values', () => {
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

describe('size and time settings', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: await baseFiles(),
      config: { 'max-reply-pixels': '3072', 'max-save-pixels': '2000', 'request-timeout': '600', 'headers-timeout': '500' },
    });
  });
  after(() => f.close());

  test('max-reply-pixels caps replies whatever MaxPix allows', async () => {
    assert.equal((await f.get('/is/image/small.png?wid=64')).status, 200, '64x48 = 3072 pixels');
    const r = await f.get('/is/image/small.png?wid=65');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /reply image would have 3185 pixels; the limit is 3072/);
  });

  test('max-save-pixels caps saved images', async () => {
    assert.equal((await f.get('/is/image/small.png?req=saveToFile&name=ok.png&wid=40&timeout=60000')).status, 200, '40x30 = 1200 pixels');
    const r = await f.get('/is/image/small.png?req=saveToFile&name=big.png&wid=64&timeout=60000');
    assert.equal(r.status, 403);
    assert.match(message(r.text), /saved image would have 3072 pixels; the limit is 2000/);
  });

  test('save-timeout applies when timeout= is absent', async () => {
    const g = await startFixture({ files: await baseFiles(), config: { 'save-timeout': '40' } });
    try {
      const r = await g.get(`/is/image/${PHOTO}?req=saveToFile&name=slow.png&wid=2000&fmt=png`);
      assert.equal(r.status, 403);
      assert.match(message(r.text), /timed out after 40 ms/);
    } finally {
      await g.close();
    }
  });

  test('request-timeout cuts off a client that trickles its request body (1000 bytes at 10 a second)', async () => {
    const { port } = new URL(f.isle.url);
    const started = Date.now();
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /is/image HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
        const drip = setInterval(() => socket.write('x'), 100);
        socket.on('close', () => clearInterval(drip));
      });
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
      socket.on('error', () => undefined);
    });
    const elapsed = Date.now() - started;
    assert.match(reply, /^HTTP\/1.1 405/, 'answered at once');
    // The body would take 100 s; the server closes the connection once request-timeout passes.
    assert.ok(elapsed >= 500 && elapsed < 5000, `${elapsed} ms`);
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

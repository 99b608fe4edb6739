import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { within } from '../../tools/launch.ts';
import { baseFiles } from '../helpers/files.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { rawConnection, startFixture, type Fixture } from '../helpers/server.ts';

describe('clients that read nothing', () => {
  test('their replies are capped in total (503 past it) and their connections closed after send-timeout', async () => {
    // Noise does not compress: a 1500x1500 png-alpha at level 0 is a 9 MB reply.
    const noise = synth(1500, 1500, (x, y) => [(x * 2654435761 + y * 40503) % 256, (x * 97 + y * 31) % 256, (x * y) % 256, 255]);
    const f = await startFixture({
      files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/noise.png': await encodeImage(noise, 'png'), 'images/tiny.png': await encodeImage(synth(8, 8, () => [1, 2, 3, 255]), 'png') },
      config: { 'send-timeout': '1000', 'max-unsent-bytes': '2', 'png-level': '0' },
    });
    const slow = rawConnection(f.isle.url);
    try {
      slow.write('GET /is/image/noise.png?scl=1&fmt=png-alpha HTTP/1.1\r\nHost: x\r\n\r\n');
      slow.pause();
      let busy: Awaited<ReturnType<typeof f.get>> | undefined;
      for (let i = 0; i < 100 && busy?.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 50));
        busy = await f.get('/is/image/tiny.png');
      }
      assert.equal(busy?.status, 503, 'past the cap of unsent bytes');
      assert.equal(busy?.headers['retry-after'], '1');
      // The idle reply's connection is closed, its bytes given back: new requests are served again.
      let again = busy;
      for (let i = 0; i < 100 && again?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        again = await f.get('/is/image/tiny.png');
      }
      assert.equal(again?.status, 200);
      const closed = new Promise<number>((resolve) => {
        let received = 0;
        slow.on('data', (c: Buffer) => (received += c.length));
        slow.on('close', () => resolve(received));
        slow.on('error', () => {});
      });
      slow.resume();
      const received = await within(closed, 10_000, 'the idle connection closing');
      assert.ok(received < 9_000_000, `the reply was cut off (${received} bytes)`);
    } finally {
      slow.destroy();
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

describe('request-timeout', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ files: await baseFiles(), config: { 'request-timeout': '600', 'headers-timeout': '500' } });
  });
  after(() => f.close());

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

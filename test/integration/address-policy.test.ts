import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { properties, startFixture } from '../helpers/server.ts';

test('src=(http://[::127.0.0.1]:port/…) under AllowDirectUrls is refused before any connection is attempted', async () => {
  let connections = 0;
  const listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  // Dual-stack where the host has IPv6, so a mapped or compatible address reaching 127.0.0.1 would be seen.
  await new Promise<void>((resolve) => {
    listener.once('error', () => listener.listen(0, '127.0.0.1', resolve));
    listener.listen(0, '::', resolve);
  });
  const port = (listener.address() as { port: number }).port;
  const f = await startFixture({ files: { 'catalogs/open.ini': `RootId=open\nRootUrl=http://127.0.0.1:${port}/\nAllowDirectUrls=1\n` } });
  try {
    for (const host of ['[::127.0.0.1]', '[::ffff:127.0.0.1]', '[::ffff:0:127.0.0.1]', '[64:ff9b:1::7f00:1]', '[2002:7f00:1::1]']) {
      const r = await f.get(`/is/image/open?layer=0&color=ffffff&size=60,40&layer=1&src=(http://${host}:${port}/x.png)&fmt=png`);
      assert.equal(r.status, 403, host);
      assert.match(properties(r.text).get('error.message') ?? '', /is a loopback, private, link-local, reserved or IPv4-embedding address/, host);
    }
    assert.equal(connections, 0, 'the local listener saw no connection');
  } finally {
    await f.close();
    await new Promise((r) => listener.close(r));
  }
});

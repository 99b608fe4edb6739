import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baseFiles } from '../helpers/files.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { errorMessage as message, startFixture, type Fixture } from '../helpers/server.ts';

const files = async () => ({
  'catalogs/default.ini': 'SavePath=out\n',
  'catalogs/locked.ini': 'RootId=locked\nClientAddressFilter=10.9.9.9/32,198.51.100.0/24\nCatalogFile=locked.txt\n',
  'catalogs/locked.txt': 'Id\tPath\nsecret\ta.png\n',
  'catalogs/open.ini': 'RootId=open\nCatalogFile=open.txt\n',
  'catalogs/open.txt': 'Id\tPath\nshown\ta.png\n',
  'images/a.png': await encodeImage(synth(20, 20, () => [5, 5, 5, 255]), 'png'),
  'saves/out/.keep': '',
});

test('behind a trusted proxy only the named forwarding header is believed; the other is ignored entirely', async () => {
  const refused = { forwarded: 'for=10.9.9.9', 'x-forwarded-for': '203.0.113.9' };
  const f = await startFixture({ files: await files(), config: { 'trusted-proxies': '127.0.0.1/32', 'save-allow': '10.9.9.9' } });
  try {
    // The client's own Forwarded reaches Isle unchanged through a proxy that sets only X-Forwarded-For.
    const filtered = await f.get('/is/image/locked/secret', refused);
    assert.equal(filtered.status, 403, filtered.text);
    assert.match(filtered.text, /not allowed for this catalog/);
    const save = await f.get('/is/image/a.png?req=saveToFile&name=x.png&fmt=png', refused);
    assert.equal(save.status, 403, save.text);
    assert.match(save.text, /may not save/);
    assert.equal((await f.get('/is/image/locked/secret', { 'x-forwarded-for': '10.9.9.9' })).status, 200, 'X-Forwarded-For is believed');
  } finally {
    await f.close();
  }
  const g = await startFixture({ files: await files(), config: { 'trusted-proxies': '127.0.0.1/32', 'forwarded-header': 'Forwarded' } });
  try {
    assert.equal((await g.get('/is/image/locked/secret', refused)).status, 200, '--forwarded-header forwarded believes Forwarded');
    assert.equal((await g.get('/is/image/locked/secret', { forwarded: 'for=203.0.113.9', 'x-forwarded-for': '10.9.9.9' })).status, 403, 'and ignores X-Forwarded-For');
  } finally {
    await g.close();
  }
});

test('replies of a ClientAddressFilter catalog are Cache-Control: private, remembered ones too; others stay public', async () => {
  const f = await startFixture({ files: await files(), config: { 'trusted-proxies': '127.0.0.1/32' } });
  try {
    const allowed = { 'x-forwarded-for': '198.51.100.20' };
    for (const path of ['/is/image/locked/secret?wid=10', '/is/image/locked/secret?wid=10', '/is/image/locked/secret?req=props']) {
      const r = await f.get(path, allowed);
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers['cache-control'] ?? '', /^private, max-age=\d+$/, path);
    }
    const props = await f.get('/is/image/locked?req=catalogprops', allowed);
    assert.equal(props.status, 200, props.text);
    assert.match(props.headers['cache-control'] ?? '', /^private, /, 'req=catalogprops too');
    const refused = await f.get('/is/image/locked?req=catalogprops', { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(refused.status, 403, 'and the filter applies to it');
    const content = await f.get('/is/content/locked/a.png', allowed);
    assert.equal(content.status, 200, content.text);
    assert.match(content.headers['cache-control'] ?? '', /^private, /, '/is/content too');
    assert.equal((await f.get('/is/content/locked/a.png', { 'x-forwarded-for': '203.0.113.9' })).status, 403, 'and the filter applies to it');
    const open = await f.get('/is/image/open/shown?wid=10');
    assert.match(open.headers['cache-control'] ?? '', /^public, max-age=\d+$/);
  } finally {
    await f.close();
  }
});

test('the playground lists no record of a catalog whose ClientAddressFilter refuses the client, nor the root files then', async () => {
  const f = await startFixture({
    // A catalog inherits the default catalog's filter unless it sets its own.
    files: { ...(await files()), 'catalogs/default.ini': 'ClientAddressFilter=198.51.100.0/24\n', 'catalogs/open.ini': 'RootId=open\nCatalogFile=open.txt\nClientAddressFilter=0.0.0.0/0,::/0\n' },
    config: { 'trusted-proxies': '127.0.0.1/32' },
  });
  try {
    const images = async (client: string) => {
      const r = await f.get('/is/playground/images.json', { 'x-forwarded-for': client });
      assert.equal(r.status, 200);
      return (JSON.parse(r.text) as { images: string[] }).images;
    };
    assert.deepEqual((await images('198.51.100.20')).sort(), ['a.png', 'locked/secret', 'open/shown']);
    assert.deepEqual(await images('203.0.113.9'), ['open/shown']);
  } finally {
    await f.close();
  }
});

test("a ClientAddressFilter catalog's images are refused as layers, masks and nested requests of another catalog's request", async () => {
  const f = await startFixture({ files: await files() });
  try {
    for (const query of ['layer=1&src=locked/secret', 'layer=1&src=is{locked/secret}', 'layer=1&src=a.png&mask=locked/secret']) {
      const r = await f.get(`/is/image/open/shown?${query}&fmt=png`);
      assert.equal(r.status, 403, `${query}: ${r.text}`);
      assert.match(r.text, /not allowed for this catalog/, query);
    }
    assert.equal((await f.get('/is/image/open/shown?layer=1&src=open/shown&fmt=png')).status, 200, 'an open catalog still layers');
  } finally {
    await f.close();
  }
});

describe('behind a trusted proxy', () => {
  test('the forwarded client address is the one save-allow and ClientAddressFilter see; untrusted peers cannot forge it', async () => {
    const files = {
      'catalogs/default.ini': 'SavePath=out\n',
      'catalogs/locked.ini': 'RootId=locked\nClientAddressFilter=198.51.100.0/24\n',
      'images/a.png': await encodeImage(synth(20, 20, () => [5, 5, 5, 255]), 'png'),
      'saves/out/.keep': '',
    };
    const save = (fx: Fixture, headers: Record<string, string>, n: string) => fx.get(`/is/image/a.png?req=saveToFile&name=${n}.png&fmt=png`, headers);
    const trusting = await startFixture({ files, config: { 'trusted-proxies': '127.0.0.1', 'save-allow': '198.51.100.7' } });
    try {
      assert.equal((await save(trusting, { 'x-forwarded-for': '198.51.100.7' }, 'a')).status, 200);
      assert.equal((await save(trusting, { forwarded: 'for="198.51.100.7:4711";proto=http' }, 'b')).status, 403, 'Forwarded is not the named header');
      // The right-most untrusted hop wins: a client cannot prepend an allowed address.
      assert.equal((await save(trusting, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' }, 'c')).status, 403);
      assert.equal((await save(trusting, {}, 'd')).status, 403, 'the proxy itself is not allowed to save');
      assert.equal((await trusting.get('/is/image/locked/a.png', { 'x-forwarded-for': '198.51.100.20' })).status, 200);
      assert.equal((await trusting.get('/is/image/locked/a.png', { 'x-forwarded-for': '203.0.113.9' })).status, 403);
    } finally {
      await trusting.close();
    }
    const plain = await startFixture({ files, config: { 'save-allow': '198.51.100.7' } });
    try {
      assert.equal((await save(plain, { 'x-forwarded-for': '198.51.100.7' }, 'e')).status, 403, 'no proxy is trusted by default');
    } finally {
      await plain.close();
    }
  });
});

describe('ClientAddressFilter and --save-allow', () => {
  let f: Fixture;
  before(async () => {
    const files = await baseFiles();
    f = await startFixture({
      files: {
        ...files,
        'catalogs/closed.ini': 'RootId=closed\nClientAddressFilter=10.0.0.0/8, 192.168.2.117\n',
        'catalogs/open.ini': 'RootId=open\nClientAddressFilter=10.0.0.0/8,127.0.0.1/32\n',
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
});

test("a filtered catalog's ErrorImage is not served to the clients its filter refuses", async () => {
  const f = await startFixture({ files: { ...(await files()), 'catalogs/locked.ini': 'RootId=locked\nClientAddressFilter=10.9.9.9/32\nCatalogFile=locked.txt\nErrorImage=a.png\n' } });
  try {
    const r = await f.get('/is/image/locked/missing?wid=10&fmt=png');
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /not allowed for this catalog/);
  } finally {
    await f.close();
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { convertedFormat, hintedPixelRatio, negotiatedFormat } from '../../src/protocol/negotiate.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

test('Accept: explicit types with q > 0 count, wildcards promise nothing', () => {
  assert.equal(negotiatedFormat('image/avif,image/webp,*/*', false, 'jpeg'), 'avif');
  assert.equal(negotiatedFormat('image/avif;q=0,image/webp;q=0.9', false, 'jpeg'), 'webp');
  assert.equal(negotiatedFormat('image/*,*/*;q=0.8', false, 'jpeg'), 'jpeg');
  assert.equal(negotiatedFormat(undefined, true, 'png-alpha'), 'png-alpha');
  assert.equal(negotiatedFormat('IMAGE/WEBP', true, 'png-alpha'), 'webp-alpha');
  assert.equal(convertedFormat('image/avif', 'png-alpha'), 'avif-alpha');
  assert.equal(convertedFormat('image/avif', 'gif'), 'gif', 'bfc leaves other formats alone');
  assert.equal(hintedPixelRatio('2.5', undefined), 2.5);
  assert.equal(hintedPixelRatio(undefined, '3'), 3);
  assert.equal(hintedPixelRatio('abc', undefined), undefined);
  assert.equal(hintedPixelRatio('50', undefined), undefined, 'an absurd hint is ignored');
});

describe('smart imaging over HTTP', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'images/photo.jpg': await encodeImage(synth(400, 200, (x, y) => [x % 256, y % 256, 90, 255]), 'jpeg'),
        'images/logo.png': await encodeImage(synth(40, 40, (x) => [255, 0, 0, x < 20 ? 0 : 255]), 'png'),
        'catalogs/default.ini': 'DefaultPix=0,0\n',
        'catalogs/smart.ini': 'RootId=smart\nBrowserFormatConversion=1\nClientHints=0\n',
      },
      config: { 'fmt-auto': 'true' },
    });
  });
  after(() => f.close());
  const AVIF = { accept: 'image/avif,image/webp,*/*' };

  test('fmt=auto: AVIF, WebP or JPEG by Accept; transparency kept; Vary: Accept; an ETag per variant', async () => {
    const avif = await f.get('/is/image/photo.jpg?wid=100&fmt=auto', AVIF);
    const webp = await f.get('/is/image/photo.jpg?wid=100&fmt=auto', { accept: 'image/webp' });
    const jpeg = await f.get('/is/image/photo.jpg?wid=100&fmt=auto', { accept: 'text/html,*/*' });
    assert.deepEqual([avif.headers['content-type'], webp.headers['content-type'], jpeg.headers['content-type']], ['image/avif', 'image/webp', 'image/jpeg']);
    for (const r of [avif, webp, jpeg]) assert.equal(r.headers.vary, 'Accept');
    assert.equal(new Set([avif.headers.etag, webp.headers.etag, jpeg.headers.etag]).size, 3);
    const revalidated = await f.get('/is/image/photo.jpg?wid=100&fmt=auto', { ...AVIF, 'if-none-match': avif.headers.etag! });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.headers.vary, 'Accept', 'a 304 names what it varies on too');
    const logo = await f.get('/is/image/logo.png?fmt=auto', { accept: '*/*' });
    assert.equal(logo.headers['content-type'], 'image/png', 'a source with alpha falls back to PNG, not JPEG');
    const props = properties((await f.get('/is/image/photo.jpg?wid=100&fmt=auto&req=props', { accept: 'image/webp' })).text);
    assert.equal(props.get('image.type'), 'image/webp', 'req=props says what req=img would send');
  });

  test('bfc=on converts JPEG and PNG replies; bfc=off and other formats stay; a catalog may switch it on', async () => {
    assert.equal((await f.get('/is/image/photo.jpg?wid=50&bfc=on', AVIF)).headers['content-type'], 'image/avif');
    assert.equal((await f.get('/is/image/logo.png?fmt=png-alpha&bfc=on', { accept: 'image/webp' })).headers['content-type'], 'image/webp');
    assert.equal((await f.get('/is/image/photo.jpg?wid=50&bfc=on&fmt=gif', AVIF)).headers['content-type'], 'image/gif');
    const plain = await f.get('/is/image/photo.jpg?wid=50', AVIF);
    assert.equal(plain.headers['content-type'], 'image/jpeg', 'off by default (--bfc)');
    assert.equal(plain.headers.vary, undefined);
    assert.equal((await f.get('/is/image/smart/photo.jpg?wid=50', AVIF)).headers['content-type'], 'image/avif', 'BrowserFormatConversion=1');
    assert.equal((await f.get('/is/image/smart/photo.jpg?wid=50&bfc=off', AVIF)).headers['content-type'], 'image/jpeg', 'the URL wins');
    const saved = await f.get('/is/image/photo.jpg?wid=50&bfc=on&fmt=jpeg,gray', AVIF);
    assert.equal(saved.headers['content-type'], 'image/jpeg', 'gray JPEG is not converted');
  });

  test('dpr=on reads Sec-CH-DPR or DPR, asks for them with Accept-CH, and varies on them; a catalog may switch hints off', async () => {
    const width = (r: { body: Buffer }) => r.body.readUInt32BE(16);
    const two = await f.get('/is/image/photo.jpg?wid=100&dpr=on&fmt=png', { 'sec-ch-dpr': '2' });
    assert.equal(width(two), 200);
    assert.equal(two.headers['accept-ch'], 'Sec-CH-DPR, DPR');
    assert.equal(two.headers.vary, 'Sec-CH-DPR, DPR');
    assert.equal(width(await f.get('/is/image/photo.jpg?wid=100&dpr=on&fmt=png', { dpr: '1.5' })), 150);
    assert.equal(width(await f.get('/is/image/photo.jpg?wid=100&dpr=on&fmt=png')), 100, 'no hint: 1');
    assert.equal(width(await f.get('/is/image/photo.jpg?wid=100&dpr=on,3&fmt=png', { 'sec-ch-dpr': '2' })), 300, 'a value in the URL wins');
    assert.equal(width(await f.get('/is/image/smart/photo.jpg?wid=100&dpr=on&fmt=png', { 'sec-ch-dpr': '2' })), 100, 'ClientHints=0');
  });
});

test('--fmt-auto false refuses fmt=auto; --client-hints false ignores the hints', async () => {
  const f = await startFixture({
    files: { 'images/photo.jpg': await encodeImage(synth(40, 20, () => [9, 9, 9, 255]), 'jpeg') },
    config: { 'fmt-auto': 'false', 'client-hints': 'false' },
  });
  try {
    const r = await f.get('/is/image/photo.jpg?fmt=auto', { accept: 'image/avif' });
    assert.equal(r.status, 403);
    assert.equal(properties(r.text).get('error.message'), 'fmt=auto is not enabled on this server');
    const hinted = await f.get('/is/image/photo.jpg?wid=20&dpr=on&fmt=png', { 'sec-ch-dpr': '2' });
    assert.equal(hinted.body.readUInt32BE(16), 20);
    assert.equal(hinted.headers['accept-ch'], undefined);
  } finally {
    await f.close();
  }
});

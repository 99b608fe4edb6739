import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { rawConnection, startFixture, type Fixture } from '../helpers/server.ts';

// What one delivery request may cost the server: the original route on a file far larger than the
// replies the server may hold for slow clients (--max-unsent-bytes) is streamed from disk, so a
// client that does not read it holds a read buffer, not the file, and others are still served.
const U1 = '0b6b5c4e-1f2a-4c3d-9e8f-7a6b5c4d3e2f';
const U2 = '1c7c6d5f-2a3b-4d4e-8f9a-8b7c6d5e4f3a';
const FAT_BYTES = 48 * 1024 * 1024;

/** A valid 8x8 JPEG whose first segment after SOI is followed by `bytes` of APP15 segments. */
async function fatJpeg(bytes: number): Promise<Uint8Array> {
  const jpeg = await encodeImage(synth(8, 8, () => [10, 20, 30, 255]), 'jpeg');
  const segment = Buffer.alloc(65537);
  segment.set([0xff, 0xef, 0xff, 0xff]);
  const count = Math.ceil(bytes / segment.length);
  return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: count }, () => segment), jpeg.subarray(2)]);
}

describe('delivery API limits', () => {
  let f: Fixture;
  let fat: Uint8Array;
  before(async () => {
    fat = await fatJpeg(FAT_BYTES);
    f = await startFixture({
      files: {
        'images/fat.jpg': fat,
        'images/small.png': await encodeImage(synth(20, 10, () => [0, 0, 255, 255]), 'png'),
        'catalogs/default.ini': 'DefaultPix=0,0\nCatalogFile=default.txt\n',
        'catalogs/default.txt': `Id\tPath\n${U1}\tfat.jpg\n${U2}\tsmall.png\n`,
      },
      config: { 'max-unsent-bytes': '1' },
    });
  });
  after(() => f?.close());

  test('an original larger than --max-unsent-bytes is streamed: a client that does not read it leaves the server free', async () => {
    const socket = rawConnection(f.isle.url);
    try {
      // The reply's head arrives; then the client stops reading, with the most of the file unsent.
      const head = await new Promise<string>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('data', (chunk: Buffer) => {
          socket.pause();
          resolve(chunk.toString('latin1'));
        });
        socket.write(`GET /adobe/assets/urn:aaid:aem:${U1}/original/as/fat.jpg HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      assert.match(head, /^HTTP\/1\.1 200/);
      assert.match(head, new RegExp(`content-length: ${fat.byteLength}`, 'i'));
      assert.match(head, /content-type: image\/jpeg/i);
      // Held whole, the unread original would fill --max-unsent-bytes and every other request would get 503.
      const other = await f.get(`/adobe/assets/urn:aaid:aem:${U2}/original/as/small.png`);
      assert.equal(other.status, 200, other.text);
      const meta = await f.get(`/adobe/assets/urn:aaid:aem:${U1}/metadata`);
      assert.equal(meta.status, 200, meta.text);
      assert.equal(JSON.parse(meta.text).repositoryMetadata['repo:size'], fat.byteLength);
    } finally {
      socket.destroy();
    }
  });

  test('the streamed original arrives whole, and its ETag answers If-None-Match with 304', async () => {
    const first = await f.get(`/adobe/assets/urn:aaid:aem:${U1}/original/as/fat.jpg`);
    assert.equal(first.status, 200);
    assert.equal(first.body.byteLength, fat.byteLength);
    assert.ok(first.body.equals(Buffer.from(fat)), 'the original arrives byte for byte');
    const etag = first.headers.etag;
    assert.ok(etag, 'an ETag');
    const again = await f.get(`/adobe/assets/urn:aaid:aem:${U1}/original/as/fat.jpg`, { 'if-none-match': etag });
    assert.equal(again.status, 304);
  });
});

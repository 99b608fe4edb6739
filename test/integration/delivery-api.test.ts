import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchIsle } from '../../tools/launch.ts';
import { decodeImage, decodeWebp, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { get, startFixture, type Fixture, type Reply } from '../helpers/server.ts';

// A 200x100 image of four quadrants: red, green above; blue, white below.
const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];
const quadrant = (x: number, y: number, w = 200, h = 100): [number, number, number, number] =>
  [...(y < h / 2 ? (x < w / 2 ? RED : GREEN) : x < w / 2 ? BLUE : WHITE), 255] as [number, number, number, number];

const U1 = '0b6b5c4e-1f2a-4c3d-9e8f-7a6b5c4d3e2f';
const U2 = '1c7c6d5f-2a3b-4d4e-8f9a-8b7c6d5e4f3a';
const U3 = '2d8d7e6a-3b4c-4e5f-9a0b-9c8d7e6f5a4b';
const U4 = '3e9e8f7b-4c5d-4f6a-8b1c-0d9e8f7a6b5c';
const U5 = '4f0f9a8c-5d6e-4a7b-9c2d-1e0f9a8b7c6d';
const U6 = '5a1a0b9d-6e7f-4b8c-8d3e-2f1a0b9c8d7e';
const SECRET = 'catalog-secret';

const urn = (u: string) => `urn:aaid:aem:${u}`;
const dm = (u: string) => `dm-aid--${u}`;

async function rgb(r: Reply): Promise<Awaited<ReturnType<typeof decodeImage>>> {
  return r.headers['content-type'] === 'image/webp' ? decodeWebp(r.body) : decodeImage(r.body);
}

/** The colour at a point, each channel within 40 of the expected (JPEG and WebP are lossy). */
function assertColour(image: Awaited<ReturnType<typeof decodeImage>>, x: number, y: number, expected: number[], what: string) {
  const got = pixelAt(image, x, y).slice(0, 3);
  assert.ok(got.every((v, i) => Math.abs(v - expected[i]!) <= 40), `${what}: ${got} at ${x},${y}, expected ${expected}`);
}

function problem(r: Reply, status: number): { type: string; title: string; status: number; detail: string } {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers['content-type'], 'application/problem+json');
  const doc = JSON.parse(r.text);
  assert.equal(doc.status, status);
  assert.equal(typeof doc.type, 'string');
  assert.equal(typeof doc.title, 'string');
  assert.equal(typeof doc.detail, 'string');
  return doc;
}

async function files() {
  const quad = await encodeImage(synth(200, 100, (x, y) => quadrant(x, y)), 'png');
  const black = await encodeImage(synth(20, 20, () => [0, 0, 0, 255]), 'png');
  return {
    'images/quad.png': quad,
    'images/black.png': black,
    'catalogs/default.ini': 'DefaultPix=0,0\nMaxPix=2000,2000\n',
    'catalogs/acme.ini': 'RootId=acme\nCatalogFile=acme.txt\nMacroFile=acme.mac\n',
    'catalogs/acme.txt': [
      'Id\tPath\tModifier\tAssetId\tUserData',
      `${U1}\tquad.png\t\t\t`,
      `quad\tquad.png\t\t${urn(U2)}\t`,
      `${U1}:Square\tquad.png\tcrop=0,0,100,100\t\tSmartCropDef=Square`,
      `gone\tgone.png\t\t${U3}\t`,
    ].join('\n'),
    'catalogs/acme.mac': 'Name\tDefinition\nthumb\twid=40&hei=40&fit=stretch&fmt=png\n',
    // A later catalog by name with the same UUID: acme keeps it.
    'catalogs/zeta.ini': 'RootId=zeta\nCatalogFile=zeta.txt\n',
    'catalogs/zeta.txt': `Id\tPath\n${U1}\tblack.png\n`,
    'catalogs/locked.ini': `RootId=locked\nCatalogFile=locked.txt\nDeliveryTokenSecret=${SECRET}\n`,
    'catalogs/locked.txt': `Id\tPath\n${U4}\tquad.png\n`,
    'catalogs/filtered.ini': 'RootId=filtered\nCatalogFile=filtered.txt\nClientAddressFilter=10.0.0.0/8\n',
    'catalogs/filtered.txt': `Id\tPath\n${U5}\tquad.png\n`,
    'catalogs/lockedis.ini': 'RootId=lockedis\nCatalogFile=lockedis.txt\nRequestLock=1\n',
    'catalogs/lockedis.txt': `Id\tPath\n${U6}\tquad.png\n`,
  };
}

describe('Dynamic Media with OpenAPI delivery URLs', () => {
  let f: Fixture;
  const image = (query = '', id = urn(U1), name = 'quad.png') => f.get(`/adobe/assets/${id}/as/${name}${query ? `?${query}` : ''}`);
  before(async () => {
    f = await startFixture({ files: await files() });
  });
  after(() => f.close());

  test('both asset id forms on both image routes; an explicit AssetId column; the first catalog by name wins a shared UUID', async () => {
    for (const path of [`/adobe/assets/${urn(U1)}/as/quad.png`, `/adobe/assets/${dm(U1)}/as/quad.png`, `/adobe/dynamicmedia/deliver/${dm(U1)}/quad.png`, `/adobe/dynamicmedia/deliver/${urn(U1)}/hero.png`, `/adobe/assets/${dm(U2)}/as/quad.png`]) {
      const r = await f.get(path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.equal(r.headers['content-type'], 'image/png');
      const img = await rgb(r);
      assert.deepEqual([img.width, img.height], [200, 100], path);
      assertColour(img, 5, 5, RED, path);
      assertColour(img, 195, 95, WHITE, path);
      assert.match(r.headers['cache-control'] ?? '', /max-age=36000/, 'the catalog\'s Expiration (10 hours, built in)');
    }
    assert.ok(f.isle.context.catalogs.warnings.some((w) => w.includes(U1) && w.includes('zeta')), 'the shared UUID is logged at load');
  });

  test('rotate, then crop in the turned image, then flip, whatever the order in the URL', async () => {
    const turned = await rgb(await image('rotate=90'));
    assert.deepEqual([turned.width, turned.height], [100, 200]);
    assertColour(turned, 5, 5, BLUE, 'rotate=90 brings the lower left to the top left');
    assertColour(await rgb(await image('rotate=180')), 5, 5, WHITE, 'rotate=180');
    assertColour(await rgb(await image('rotate=270')), 5, 5, GREEN, 'rotate=270');
    const a = await image('rotate=90&crop=50,0,50,100');
    const b = await image('crop=50,0,50,100&rotate=90');
    assert.deepEqual(a.body, b.body, 'the order of the parameters changes nothing');
    const cropped = await rgb(a);
    assert.deepEqual([cropped.width, cropped.height], [50, 100]);
    assertColour(cropped, 2, 2, RED, 'the crop is taken in the turned image');
    assertColour(cropped, 47, 97, RED, 'the crop is taken in the turned image');
    assertColour(await rgb(await image('flip=h')), 5, 5, GREEN, 'flip=h');
    assertColour(await rgb(await image('flip=v')), 5, 5, BLUE, 'flip=v');
    assertColour(await rgb(await image('flip=hv')), 5, 5, WHITE, 'flip=hv');
    // Turned, then mirrored: the turned image's top right (red) comes to the left.
    assertColour(await rgb(await image('flip=h&rotate=90')), 5, 5, RED, 'rotate=90 then flip=h');
  });

  test('crops in pixels and in percentages (wcm.io writes them 16.7p, often encoded)', async () => {
    const px = await rgb(await image('crop=100,0,100,50'));
    assert.deepEqual([px.width, px.height], [100, 50]);
    assertColour(px, 50, 25, GREEN, 'pixel crop');
    const pc = await rgb(await image('crop=50.0p,50.0p,50.0p,50.0p'));
    assert.deepEqual([pc.width, pc.height], [100, 50]);
    assertColour(pc, 50, 25, WHITE, 'percent crop');
    const wcm = await rgb(await image('crop=16.7p%2C0.0p%2C66.7p%2C100.0p&width=100'));
    assert.deepEqual([wcm.width, wcm.height], [100, 75]);
    const turned = await rgb(await image('rotate=90&crop=0.0p,0.0p,50.0p,50.0p'));
    assert.deepEqual([turned.width, turned.height], [50, 100]);
    assertColour(turned, 25, 50, BLUE, 'percent crop of the turned image');
  });

  test('width, height, size; both sides keep the aspect ratio inside them', async () => {
    const sizes: [string, number, number][] = [
      ['width=100', 100, 50],
      ['height=25', 50, 25],
      ['size=100,50', 100, 50],
      ['width=50&height=50', 50, 25],
      ['size=400,400&width=80', 80, 40],
    ];
    for (const [query, w, h] of sizes) {
      const img = await rgb(await image(query));
      assert.deepEqual([img.width, img.height], [w, h], query);
    }
  });

  test('quality sets the JPEG quality; the extension sets the format', async () => {
    const low = await image('quality=10', urn(U1), 'q.jpg');
    const high = await image('quality=95', urn(U1), 'q.jpg');
    assert.equal(low.headers['content-type'], 'image/jpeg');
    // The luma table's first step, libjpeg's 16 scaled by quality (5000 / 10 and 200 - 2 * 95 percent).
    const dc = (jpeg: Buffer) => jpeg[jpeg.indexOf(Buffer.from([0xff, 0xdb])) + 5];
    assert.deepEqual([dc(low.body), dc(high.body)], [80, 2]);
    assert.ok(low.body.length < high.body.length, `${low.body.length} vs ${high.body.length}`);
    assert.equal((await image('', urn(U1), 'q.webp')).headers['content-type'], 'image/webp');
    assert.equal((await image('', urn(U1), 'q.gif')).headers['content-type'], 'image/gif');
    assert.equal((await image('', urn(U1), 'q.jpeg')).headers['content-type'], 'image/jpeg');
  });

  test('preferwebp=true: WebP where Accept lists it, the extension otherwise, Vary: Accept either way', async () => {
    const webp = await image('preferwebp=true&width=100', urn(U1), 'q.jpg').then((r) => r);
    assert.equal(webp.headers['content-type'], 'image/jpeg', 'no Accept: the extension');
    assert.match(webp.headers.vary ?? '', /Accept/);
    const r = await f.get(`/adobe/assets/${urn(U1)}/as/q.jpg?preferwebp=true&width=100`, { accept: 'image/avif,image/webp,*/*' });
    assert.equal(r.headers['content-type'], 'image/webp');
    assert.match(r.headers.vary ?? '', /Accept/);
    const img = await rgb(r);
    assert.deepEqual([img.width, img.height], [100, 50]);
    const gif = await f.get(`/adobe/assets/${urn(U1)}/as/q.gif?preferwebp=true`, { accept: 'image/webp' });
    assert.equal(gif.headers['content-type'], 'image/gif', 'a GIF stays a GIF');
    assert.doesNotMatch(gif.headers.vary ?? '', /Accept/);
  });

  test('the convenience route: width 1024, quality 65, JPEG or WebP by Accept', async () => {
    const jpeg = await f.get(`/adobe/assets/${urn(U1)}/as/quad`);
    assert.equal(jpeg.headers['content-type'], 'image/jpeg');
    const img = await rgb(jpeg);
    assert.deepEqual([img.width, img.height], [1024, 512]);
    const q65 = await image('width=1024&quality=65', urn(U1), 'q.jpg');
    assert.deepEqual(jpeg.body, q65.body, 'the same as quality=65&width=1024');
    const webp = await f.get(`/adobe/assets/${urn(U1)}/as/quad`, { accept: 'image/webp' });
    assert.equal(webp.headers['content-type'], 'image/webp');
    assert.match(webp.headers.vary ?? '', /Accept/);
  });

  test('smartcrop=<name> is the asset:Crop record <id>:<name>; an unknown name is 404', async () => {
    for (const name of ['Square', 'square']) {
      const img = await rgb(await image(`smartcrop=${name}`));
      assert.deepEqual([img.width, img.height], [100, 100], name);
      assertColour(img, 50, 25, RED, 'the smart crop region: the left half');
      assertColour(img, 50, 75, BLUE, 'the smart crop region: the left half');
    }
    // wcm.io's shape.
    const wcm = await rgb(await image('quality=60&smartcrop=Square&width=50', urn(U1), 'q.jpg'));
    assert.deepEqual([wcm.width, wcm.height], [50, 50]);
    assert.match(problem(await image('smartcrop=Wide'), 404).detail, /smart crop/);
    problem(await image('smartcrop=Square&crop=0,0,10,10'), 400);
  });

  test('renditions are the catalog $preset$ macros by name; an unknown one is 404', async () => {
    const r = await f.get(`/adobe/assets/${urn(U1)}/renditions/thumb/as/t.png`);
    assert.equal(r.status, 200, r.text);
    const img = await rgb(r);
    assert.deepEqual([img.width, img.height], [40, 40]);
    problem(await f.get(`/adobe/assets/${urn(U1)}/renditions/poster/as/t.png`), 404);
  });

  test('the original file as it is, and the metadata with Adobe field names', async () => {
    const original = await f.get(`/adobe/assets/${urn(U1)}/original/as/anything.png`);
    assert.equal(original.status, 200);
    assert.equal(original.headers['content-type'], 'image/png');
    assert.deepEqual(original.body, readFileSync(join(f.images, 'quad.png')));
    const meta = await f.get(`/adobe/assets/${dm(U1)}/metadata`);
    assert.equal(meta.headers['content-type'], 'application/json');
    const doc = JSON.parse(meta.text);
    assert.equal(doc.assetId, urn(U1));
    assert.equal(doc.repositoryMetadata['repo:name'], 'quad.png');
    assert.equal(doc.repositoryMetadata['repo:size'], original.body.length);
    assert.equal(doc.repositoryMetadata['dc:format'], 'image/png');
    assert.ok(!Number.isNaN(Date.parse(doc.repositoryMetadata['repo:modifyDate'])));
    assert.equal(doc.assetMetadata['tiff:ImageWidth'], 200);
    assert.equal(doc.assetMetadata['tiff:ImageLength'], 100);
  });

  test('ETag and If-None-Match: 304', async () => {
    for (const path of [`/adobe/assets/${urn(U1)}/as/q.jpg?width=60`, `/adobe/assets/${urn(U1)}/metadata`, `/adobe/assets/${urn(U1)}/original/as/q.png`]) {
      const first = await f.get(path);
      assert.ok(first.headers.etag, path);
      const again = await f.get(path, { 'if-none-match': first.headers.etag! });
      assert.equal(again.status, 304, path);
      const head = await get(f.isle.url + path, {}, 'HEAD');
      assert.equal(head.status, 200, path);
      assert.equal(head.body.length, 0);
      assert.equal(head.headers.etag, first.headers.etag, 'HEAD answers as GET does, without the body');
    }
  });

  test('bad parameters are 400 problem documents; unknown assets, routes and video are 404', async () => {
    assert.match(problem(await image('', urn(U1), 'q.tiff'), 400).detail, /jpg, jpeg, png, webp, gif, avif/);
    for (const query of ['rotate=45', 'rotate=0', 'flip=x', 'crop=150,0,100,100', 'crop=60p,0p,50p,10p', 'crop=1,2,3', 'crop=1p,2,3p,4p', 'width=5000', 'height=2001', 'quality=0', 'quality=101', 'preferwebp=maybe', 'width=-3', 'size=10']) {
      problem(await image(query), 400);
    }
    const unknown = problem(await f.get(`/adobe/assets/${urn('9f9f9f9f-9f9f-4f9f-9f9f-9f9f9f9f9f9f')}/as/q.jpg`), 404);
    assert.equal(unknown.title, 'Not Found');
    problem(await f.get('/adobe/assets/not-an-asset-id/as/q.jpg'), 404);
    problem(await f.get(`/adobe/assets/${urn(U3)}/as/q.jpg`), 404);
    problem(await f.get(`/adobe/assets/${urn(U1)}/play`), 404);
    problem(await f.get(`/adobe/assets/${urn(U1)}/manifest.m3u8`), 404);
    problem(await f.get(`/adobe/assets/${urn(U1)}/somewhere`), 404);
  });

  test('the request log and /metrics count delivery requests by their asset\'s catalog', async () => {
    await image('width=30');
    const metrics = (await f.get('/metrics')).text;
    assert.match(metrics, /isle_requests_total\{catalog="acme",req="delivery",status="200"\} [1-9]/);
  });

  test('names the API does not know (raw /is/image commands among them) are ignored', async () => {
    const img = await rgb(await image('wid=10&req=props&fmt=gif&token=x&expiryTime=1'));
    assert.deepEqual([img.width, img.height], [200, 100]);
  });

  test('the experimental prefix: dpr, blur, sharpen, max-quality and auto-format (on by default)', async () => {
    const exp = (query: string, headers: Record<string, string> = {}, name = 'q.jpg') => f.get(`/adobe/experimental/advancemodifiers-expires-20991231/assets/${urn(U1)}/as/${name}?${query}`, headers);
    const dpr = await exp('width=50&dpr=2');
    assert.equal(dpr.headers['content-type'], 'image/jpeg');
    assert.deepEqual([(await rgb(dpr)).width, (await rgb(dpr)).height], [100, 50]);
    const avif = await exp('width=50', { accept: 'image/avif,image/webp' });
    assert.equal(avif.headers['content-type'], 'image/avif');
    assert.match(avif.headers.vary ?? '', /Accept/);
    assert.equal((await exp('width=50&auto-format=false', { accept: 'image/avif,image/webp' })).headers['content-type'], 'image/jpeg');
    const plain = await rgb(await exp('width=100', {}, 'q.png'));
    const blurred = await rgb(await exp('width=100&blur=8', {}, 'q.png'));
    assert.ok(pixelAt(blurred, 47, 10)[1]! > pixelAt(plain, 47, 10)[1]! + 30, 'blur mixes green into red near the edge');
    const sharp = await exp('width=37&sharpen=true', {}, 'q.png');
    assert.notDeepEqual(sharp.body, (await exp('width=37', {}, 'q.png')).body);
    assert.deepEqual((await exp('quality=95&max-quality=10')).body, (await exp('quality=10')).body);
    // The stable API ignores the experimental names.
    assert.equal((await rgb(await image('width=50&dpr=2'))).width, 50);
    problem(await exp('dpr=0'), 400);
    problem(await f.get(`/adobe/experimental/advancemodifiers-expires-soon/assets/${urn(U1)}/as/q.jpg`), 404);
  });

  test("AEM's generated shape: width, preferwebp=true, quality on the live route", async () => {
    const r = await f.get(`/adobe/dynamicmedia/deliver/${dm(U1)}/hero.jpg?width=1600&preferwebp=true&quality=85`, { accept: 'image/webp' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/webp');
    const img = await rgb(r);
    assert.deepEqual([img.width, img.height], [1600, 800]);
  });

  test('a catalog with a DeliveryTokenSecret: the HMAC-SHA256 of path and expiry; missing, wrong or expired is 403', async () => {
    const path = `/adobe/assets/${urn(U4)}/as/q.jpg`;
    const sign = (p: string, expiry: number) => createHmac('sha256', SECRET).update(`${p}\n${expiry}`).digest('hex');
    const future = Math.floor(Date.now() / 1000) + 3600;
    const ok = await f.get(`${path}?width=20&token=${sign(path, future)}&expiryTime=${future}`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await rgb(ok)).width, 20);
    problem(await f.get(`${path}?width=20`), 403);
    problem(await f.get(`${path}?token=${sign(path, future)}&expiryTime=${future + 1}`), 403);
    problem(await f.get(`${path}?token=${sign(`${path}x`, future)}&expiryTime=${future}`), 403);
    const past = Math.floor(Date.now() / 1000) - 10;
    assert.match(problem(await f.get(`${path}?token=${sign(path, past)}&expiryTime=${past}`), 403).detail, /expired/);
    // Without a secret, tokens are not looked at (the other tests send none).
  });

  test("a catalog's ClientAddressFilter refuses other clients with 403", async () => {
    problem(await f.get(`/adobe/assets/${urn(U5)}/as/q.jpg`), 403);
    problem(await f.get(`/adobe/assets/${urn(U5)}/metadata`), 403);
  });

  test('a RequestLock catalog: its /is/image URLs need the lock, its delivery URLs are served (the translation carries it)', async () => {
    assert.equal((await f.get(`/is/image/lockedis/${U6}?wid=30`)).status, 403);
    const r = await image('width=30&rotate=90', urn(U6));
    assert.equal(r.status, 200, r.text);
    const img = await rgb(r);
    assert.deepEqual([img.width, img.height], [30, 60]);
  });
});

describe('delivery URLs under the limits', () => {
  test("the request's account refuses with 403; a render past its time is 503 with Retry-After", async () => {
    const big = await encodeImage(synth(400, 400, (x, y) => [x & 255, y & 255, (x * y) & 255, 255]), 'png');
    const f = await startFixture({
      files: { 'images/small.png': await encodeImage(synth(100, 100, () => [9, 9, 9, 255]), 'png'), 'images/big.png': big, 'catalogs/default.ini': `CatalogFile=a.txt\n`, 'catalogs/a.txt': `Id\tPath\n${U6}\tbig.png\n${U1}\tsmall.png\n` },
      config: { 'max-request-pixels': '50000', 'render-timeout': '1' },
    });
    try {
      problem(await f.get(`/adobe/assets/${urn(U6)}/as/q.png?width=300`), 403);
      const busy = problem(await f.get(`/adobe/assets/${urn(U1)}/as/q.png?width=1500`), 503);
      assert.equal(busy.title, 'Service Unavailable');
      const again = await f.get(`/adobe/assets/${urn(U1)}/as/q.png?width=1500`);
      assert.equal(again.headers['retry-after'], '1');
    } finally {
      await f.close();
    }
  });
});

test('the asset index is rebuilt when the catalogs reload', async () => {
  const f = await startFixture({ files: { 'images/quad.png': await encodeImage(synth(40, 20, (x, y) => quadrant(x, y, 40, 20)), 'png'), 'catalogs/a.ini': 'RootId=a\nCatalogFile=a.txt\n', 'catalogs/a.txt': 'Id\tPath\nold\tquad.png\n' } });
  try {
    problem(await f.get(`/adobe/assets/${urn(U2)}/as/q.png`), 404);
    writeFileSync(join(f.catalogs, 'a.txt'), `Id\tPath\tAssetId\nold\tquad.png\t${U2}\n`);
    let r = await f.get(`/adobe/assets/${urn(U2)}/as/q.png`);
    for (let i = 0; i < 50 && r.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      r = await f.get(`/adobe/assets/${urn(U2)}/as/q.png`);
    }
    assert.equal(r.status, 200, 'the new AssetId is served once the catalogs reload');
    assert.equal((await rgb(r)).width, 40);
  } finally {
    await f.close();
  }
});

test('a catalog with a Watermark serves its assets marked and refuses their originals (403)', async () => {
  const f = await startFixture({
    files: {
      'images/quad.png': await encodeImage(synth(200, 100, (x, y) => quadrant(x, y)), 'png'),
      'images/mark.png': await encodeImage(synth(20, 20, () => [0, 0, 0, 255]), 'png'),
      'catalogs/default.ini': 'DefaultPix=0,0\nCatalogFile=default.txt\nWatermark=wm\n',
      'catalogs/default.txt': `Id\tPath\n${U1}\tquad.png\nwm\tmark.png\n`,
    },
  });
  try {
    const marked = await rgb(await f.get(`/adobe/assets/${urn(U1)}/as/quad.png`));
    assertColour(marked, 100, 50, [0, 0, 0], 'the watermark at the centre');
    assert.match(problem(await f.get(`/adobe/assets/${urn(U1)}/original/as/quad.png`), 403).detail, /Watermark/);
  } finally {
    await f.close();
  }
});

test('isle serve on the samples: a delivery URL of the sample catalog renders and its log line names the /is/image request it was served as', async () => {
  const isle = await launchIsle(['--workers', '1']);
  try {
    const path = '/adobe/assets/urn:aaid:aem:7f3e2a10-5b4c-4d6e-9f80-1a2b3c4d5e6f/as/landscape.jpg?width=120';
    const r = await get(isle.base + path);
    assert.equal(r.status, 200, r.text);
    assert.equal((await decodeImage(r.body)).width, 120);
    let line: { url: string; servedAs?: string; req: string } | undefined;
    for (let i = 0; i < 40 && !line; i++) {
      line = isle.output().split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l)).find((l) => l.url === path);
      if (!line) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(line?.servedAs, '/is/image/sample/landscape?wid=120&fmt=jpeg&bfc=off');
    assert.equal(line?.req, 'delivery');
  } finally {
    await isle.stop();
  }
});

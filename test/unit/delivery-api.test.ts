import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { indexAssets } from '../../src/catalog/asset-index.ts';
import { toRecord, typedAttributes, type Catalog } from '../../src/catalog/catalog.ts';
import { assetUuid, deliveryCommands, imageTargetOf, parseDeliveryPath, parseDeliveryQuery, type TranslationInput } from '../../src/protocol/delivery-api.ts';
import { checkDeliveryToken, deliveryToken, tokenParams } from '../../src/protocol/delivery-token.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { preferredWebp } from '../../src/protocol/negotiate.ts';

const UUID = '0b6b5c4e-1f2a-4c3d-9e8f-7a6b5c4d3e2f';
const INPUT: TranslationInput = { format: 'jpeg', negotiate: false, maxSize: { width: 2000, height: 2000 }, baseQuality: 80, source: { width: 200, height: 100 } };
const target = (query: string, input: Partial<TranslationInput> = {}, experimental = false) =>
  imageTargetOf(['acme', 'rec'], deliveryCommands(parseDeliveryQuery(query, experimental), { ...INPUT, ...input }));
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof IsError) return err.status;
    throw err;
  }
  return 200;
};

test('asset ids: urn:aaid:aem:<uuid> and dm-aid--<uuid>, in any case; anything else is none', () => {
  assert.equal(assetUuid(`urn:aaid:aem:${UUID}`), UUID);
  assert.equal(assetUuid(`DM-AID--${UUID.toUpperCase()}`), UUID);
  assert.equal(assetUuid(UUID), undefined);
  assert.equal(assetUuid(`urn:aaid:aem:${UUID}x`), undefined);
});

test('the routes: image, live deliver, experimental prefix, original, renditions, metadata, video; others 404', () => {
  const id = `urn:aaid:aem:${UUID}`;
  assert.deepEqual(parseDeliveryPath(`/adobe/assets/${id}/as/hero.webp`), { kind: 'image', assetId: id, seoName: 'hero.webp', format: 'webp-alpha', experimental: false });
  assert.equal(parseDeliveryPath(`/adobe/assets/${id}/as/hero`).kind, 'image');
  assert.equal((parseDeliveryPath(`/adobe/assets/${id}/as/hero`) as { format?: string }).format, undefined, 'the convenience route has no format');
  assert.equal((parseDeliveryPath(`/adobe/dynamicmedia/deliver/dm-aid--${UUID}/a.b.JPG`) as { format?: string }).format, 'jpeg', 'the last extension, any case');
  assert.equal((parseDeliveryPath(`/adobe/experimental/advancemodifiers-expires-20250101/assets/${id}/as/x.png`) as { experimental: boolean }).experimental, true);
  assert.equal(parseDeliveryPath(`/adobe/assets/${id}/original/as/x.pdf`).kind, 'original');
  assert.deepEqual(parseDeliveryPath(`/adobe/assets/${id}/renditions/thumb/as/t`), { kind: 'rendition', assetId: id, rendition: 'thumb', seoName: 't', format: undefined, experimental: false });
  assert.equal(parseDeliveryPath(`/adobe/assets/${encodeURIComponent(id)}/metadata`).kind, 'metadata');
  assert.equal(parseDeliveryPath(`/adobe/assets/${id}/play`).kind, 'video');
  assert.equal(parseDeliveryPath(`/adobe/assets/${id}/manifest.mpd`).kind, 'video');
  for (const bad of [`/adobe/assets/${id}`, `/adobe/assets/${id}/as`, `/adobe/other/${id}/as/x.jpg`, `/adobe/experimental/x/assets/${id}/as/x.jpg`, `/adobe/assets/${UUID}/as/x.jpg`]) {
    assert.equal(status(() => parseDeliveryPath(bad)), 404, bad);
  }
  assert.equal(status(() => parseDeliveryPath(`/adobe/assets/${id}/as/x.bmp`)), 400);
  assert.equal(status(() => parseDeliveryPath(`/adobe/assets/${id}/as/%E0%A4%A.jpg`)), 400);
});

test('the fixed order: the same commands whatever the order of the query', () => {
  const a = target('width=100&flip=h&crop=10,20,30,40&rotate=90&quality=70');
  const b = target('quality=70&rotate=90&crop=10,20,30,40&flip=h&width=100');
  assert.equal(a, b);
  // Rotated 90 clockwise, the 100x200 image's (10,20) 30x40 is the source's (20,60) 40x30; the mirror is then up-down.
  assert.equal(a, '/is/image/acme/rec?crop=20,60,40,30&flip=ud&rotate=90&wid=100&fmt=jpeg&qlt=70&bfc=off');
});

test('a percentage crop is turned back into the source as fractions (cropN)', () => {
  assert.match(target('crop=16.7p,0.0p,66.7p,100.0p'), /cropN=0\.167,0,0\.667,1&/);
  assert.match(target('rotate=180&crop=0p,0p,25p,50p'), /cropN=0\.75,0\.5,0\.25,0\.5&/);
  assert.match(target('rotate=270&crop=0p,0p,25p,50p'), /cropN=0\.5,0,0\.5,0\.25&/);
});

test('bad values are 400s; crops outside the image and sizes past MaxPix too', () => {
  for (const query of ['rotate=91', 'flip=vh', 'crop=0,0,0,10', 'crop=10p,0p,95p,10p', 'crop=0p,0p,0.00001p,10p', 'quality=1.5', 'size=1', 'width=0', 'preferwebp=yes', 'smartcrop=a/b', 'smartcrop=x&crop=1,1,1,1']) {
    assert.equal(status(() => target(query)), 400, query);
  }
  assert.equal(status(() => target('crop=150,0,60,10')), 400, 'past the 200 px width');
  assert.equal(status(() => target('rotate=90&crop=0,0,150,10')), 400, 'past the turned image\'s 100 px width');
  assert.equal(status(() => target('width=2001')), 400);
  assert.equal(status(() => target('width=5000', { maxSize: { width: 0, height: 0 } })), 200, 'MaxPix 0,0 is no limit');
});

test('the experimental names only on the experimental route; max-quality caps quality; auto-format is bfc=on', () => {
  assert.equal(target('dpr=2&blur=3&sharpen=true&width=10'), '/is/image/acme/rec?wid=10&fmt=jpeg&bfc=off');
  const q = parseDeliveryQuery('dpr=2&blur=3&sharpen=true&width=10&max-quality=50&quality=90', true);
  assert.equal(q.autoFormat, true, 'on by default there');
  assert.equal(imageTargetOf(['r'], deliveryCommands(q, { ...INPUT, negotiate: q.autoFormat })), '/is/image/r?wid=10&dpr=on,2&op_blur=3&op_sharpen=1&fmt=jpeg&qlt=50&bfc=on');
  assert.match(target('max-quality=40', {}, true), /qlt=40/);
  assert.match(target('max-quality=90', {}, true), /qlt=80/, 'the catalog quality when it is lower');
});

test('the convenience defaults, and width and height replacing size', () => {
  assert.equal(target('', { defaults: { quality: 65, width: 1024 } }), '/is/image/acme/rec?wid=1024&fmt=jpeg&qlt=65&bfc=off');
  assert.equal(target('height=50', { defaults: { quality: 65, width: 1024 } }), '/is/image/acme/rec?hei=50&fmt=jpeg&qlt=65&bfc=off');
  assert.equal(target('', { defaults: { quality: 65, width: 1024 }, maxSize: { width: 800, height: 800 } }), '/is/image/acme/rec?wid=800&fmt=jpeg&qlt=65&bfc=off', 'within MaxPix, no 400 for a width nobody asked for');
  assert.equal(target('size=300,200&height=20'), '/is/image/acme/rec?wid=300&hei=20&fit=constrain,1&fmt=jpeg&bfc=off');
});

test('preferwebp: WebP for JPEG and PNG where Accept lists it', () => {
  assert.equal(preferredWebp('image/webp,*/*', 'jpeg'), 'webp');
  assert.equal(preferredWebp('image/webp', 'png-alpha'), 'webp-alpha');
  assert.equal(preferredWebp('image/webp;q=0,*/*', 'jpeg'), 'jpeg');
  assert.equal(preferredWebp('image/webp', 'gif'), 'gif');
});

test('tokens: HMAC-SHA256 hex over the path, a line feed and the expiry; wrong, missing or expired is 403', () => {
  const path = `/adobe/assets/urn:aaid:aem:${UUID}/as/a.jpg`;
  assert.equal(deliveryToken('k', path, '100'), createHmac('sha256', 'k').update(`${path}\n100`).digest('hex'));
  assert.doesNotThrow(() => checkDeliveryToken('k', path, deliveryToken('k', path, '100'), '100', 99));
  assert.equal(status(() => checkDeliveryToken('k', path, deliveryToken('k', path, '100'), '100', 101)), 403);
  assert.equal(status(() => checkDeliveryToken('k', path, deliveryToken('j', path, '100'), '100', 1)), 403);
  assert.equal(status(() => checkDeliveryToken('k', path, undefined, '100', 1)), 403);
  assert.equal(status(() => checkDeliveryToken('k', path, 'ab', '1e9', 1)), 403);
  assert.deepEqual(tokenParams('width=1&token=a&expiryTime=5&token=b'), { token: 'b', expiryTime: '5' });
});

test('the asset index: UUID Ids and the AssetId column; the first catalog by name keeps a shared UUID, the rest are warnings', () => {
  const catalog = (rootId: string, rows: [string, string][]): Catalog => ({
    rootId,
    attributes: typedAttributes(new Map(), `${rootId}.ini`),
    records: new Map(rows.map(([id, assetId]) => [id, toRecord(id, new Map([['path', 'x.png'], ['assetid', assetId]]))])),
    staticRecords: new Map(),
    macros: new Map(),
    fonts: [],
    iccProfiles: new Map(),
  });
  const other = '1c7c6d5f-2a3b-4d4e-8f9a-8b7c6d5e4f3a';
  const warnings: string[] = [];
  const zeta = catalog('zeta', [[UUID, '']]);
  const acme = catalog('acme', [[UUID.toUpperCase(), ''], ['named', `dm-aid--${other}`], ['bad', 'not-a-uuid']]);
  const index = indexAssets(catalog('', []), new Map([['zeta', zeta], ['acme', acme]]), warnings);
  assert.equal(index.get(UUID)?.catalog, acme);
  assert.equal(index.get(other)?.recordId, 'named');
  assert.equal(index.size, 2);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.ok(warnings.some((w) => w.includes('zeta') && w.includes(UUID)));
  assert.ok(warnings.some((w) => w.includes('not-a-uuid')));
});

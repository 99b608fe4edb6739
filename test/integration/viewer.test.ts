import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

/**
 * The viewers' requests on a catalog with an image, an image set, a swatch
 * set, a spin set and a media set; replies parsed the way AEM and the viewer SDK parse them.
 */

// AEM Core Components' image component (imageDynamicMedia.js): the JSONP wrapper, then JSON.parse.
const AEM_JSONP = /^(?:\/\*jsonp\*\/)?\s*([^()]+)\(([\s\S]+),\s*"[0-9]*"\);?$/;
function aemParse(text: string): { set: Record<string, unknown> } {
  const m = AEM_JSONP.exec(text);
  assert.ok(m, `AEM's regex matches: ${text.slice(0, 120)}`);
  assert.match(m[2]!, /^{[\s\S]*}$/);
  return JSON.parse(m[2]!);
}

// The viewer SDK's JSONP callbacks: s7jsonResponse(obj, id) and s7jsonError(obj, id).
function sdkCall(text: string): { callback: string; value: unknown; id: string } {
  let call: { callback: string; value: unknown; id: string } | undefined;
  const s7jsonResponse = (value: unknown, id: string) => (call = { callback: 's7jsonResponse', value, id });
  const s7jsonError = (value: unknown, id: string) => (call = { callback: 's7jsonError', value, id });
  new Function('s7jsonResponse', 's7jsonError', text)(s7jsonResponse, s7jsonError);
  assert.ok(call, 'the script calls a callback');
  return call;
}

const items = (set: Record<string, unknown>) => {
  const item = set.item as unknown;
  return (Array.isArray(item) ? item : [item]) as Record<string, any>[];
};

describe('viewer requests', () => {
  let f: Fixture;
  before(async () => {
    const png = (w: number, h: number, c: number) => encodeImage(synth(w, h, () => [c, 0, 0, 255]), 'png');
    const records = [
      'Id\tPath\tImageSet\tAssetType\tUserData\tTargets\tMap',
      'shirt\tshirt.png\t\t\tlabel=Red shirt??SmartSwatchColor=0xff0000\tTarget.1.rect=10,10,40,40??Target.1.label=Collar\t<AREA SHAPE="RECT" COORDS="0,0,10,10" HREF="/collar">',
      'shirt:Large\tshirt.png\t\t\tSmartCropDef=Large??SmartCropWidth=1200.0??SmartCropHeight=600.0\t\t',
      'shirt:Small\tshirt.png\t\t\tSmartCropDef=Small??SmartCropWidth=400.0\t\t',
      'back\tback.png\t\t\tlabel=Back\t\t',
      'chip\tchip.png\t\t\t\t\t',
      'pair\t\tacme/shirt,acme/back\t\t\t\t',
      'swatches\t\tacme/shirt;acme/chip,acme/back;{0xff8800 Orange}\t\t\t\t',
      'spin\t\tacme/shirt;acme/back;acme/shirt\tSPINSET\t\t\t',
      'media\t\tacme/shirt;;advanced_image;,acme/spin;;spin;,acme/swatches;;advanced_swatchset;\tMEDIASET\t\t\t',
      'bad\tbad.png\t\t\t\t\t',
      'gappy\t\tacme/shirt,acme/gone,acme/bad,acme/back\t\t\t\t',
      'gappyswatch\t\tacme/shirt;acme/gone,acme/gone;acme/chip\t\t\t\t',
      'gappyspin\t\tacme/shirt;acme/gone;acme/back\tSPINSET\t\t\t',
      'gone-all\t\tacme/gone,acme/bad\t\t\t\t',
    ].join('\n');
    f = await startFixture({
      files: {
        'images/shirt.png': await png(300, 200, 200),
        'images/back.png': await png(120, 240, 100),
        'images/chip.png': await png(16, 16, 50),
        'images/bad.png': Buffer.from('not an image at all'),
        'catalogs/acme.ini': 'RootId=acme\nCatalogFile=acme.txt\n',
        'catalogs/acme.txt': `${records}\n`,
      },
    });
  });
  after(() => f.close());

  const set = async (object: string, extra = '') => {
    const r = await f.get(`/is/image/acme/${object}?req=set,json&id=1234${extra}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    const call = sdkCall(r.text);
    assert.equal(call.callback, 's7jsonResponse');
    assert.equal(call.id, '1234', 'the id the SDK routes by is echoed');
    return aemParse(r.text).set;
  };

  test('req=set,json of an image: one item as an object, dx/dy/iv, and the smart crops AEM reads in set.relation', async () => {
    const s = await set('shirt');
    assert.equal(s.type, 'img');
    assert.equal(s.pv, '1.0');
    const item = s.item as Record<string, any>;
    assert.ok(!Array.isArray(item), 'a single item is an object');
    assert.deepEqual([item.i.n, item.dx, item.dy], ['acme/shirt', '300', '200']);
    const props = properties((await f.get('/is/image/acme/shirt?req=props')).text);
    assert.equal(item.iv, props.get('image.version'), 'iv is req=props image.version');
    const relation = s.relation as { n: string; userdata: Record<string, string> }[];
    // What imageDynamicMedia.js does with it: a srcset of `:SmartCropDef` URLs by SmartCropWidth.
    const srcset = relation.map((r) => `/is/image/acme/shirt:${r.userdata.SmartCropDef} ${parseInt(r.userdata.SmartCropWidth!, 10)}w`);
    assert.deepEqual(srcset.sort(), ['/is/image/acme/shirt:Large 1200w', '/is/image/acme/shirt:Small 400w']);
  });

  test('an image set, a swatch set (image and colour swatches) and a spin set', async () => {
    const pair = await set('pair');
    assert.equal(pair.type, 'img_set');
    assert.deepEqual(items(pair).map((i) => [i.i.n, i.dx, i.dy]), [['acme/shirt', '300', '200'], ['acme/back', '120', '240']]);
    const swatches = await set('swatches', '&labelkey=label');
    assert.equal(swatches.type, 'img_set');
    const [first, second] = items(swatches);
    assert.deepEqual(first!.s, { n: 'acme/chip' });
    assert.equal(first!.i.l, 'Red shirt', 'labelkey= takes the label from UserData');
    assert.deepEqual(second!.s, { c: '0xff8800', l: 'Orange' });
    const spin = await set('spin');
    assert.equal(spin.type, 'spin');
    assert.deepEqual(items(spin).map((i) => i.i.n), ['acme/shirt', 'acme/back', 'acme/shirt']);
  });

  test('a media set: items typed, nested sets described inside', async () => {
    const media = await set('media');
    assert.equal(media.type, 'media_set');
    const [image, spin, swatches] = items(media);
    assert.equal(image!.type, 'img');
    assert.equal(image!.i.n, 'acme/shirt');
    assert.equal(spin!.type, 'spin');
    assert.equal((spin!.set as Record<string, unknown>).type, 'spin');
    assert.equal(items(spin!.set).length, 3);
    assert.equal(swatches!.type, 'img_set');
    assert.equal(items(swatches!.set).length, 2);
  });

  test('req=set in xml (the default form), and imageSet= in the request', async () => {
    const xml = await f.get('/is/image/acme/pair?req=set');
    assert.equal(xml.headers['content-type'], 'text/xml; charset=utf-8');
    assert.match(xml.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<set pv="1.0" type="img_set" n="acme\/pair">/);
    assert.match(xml.text, /<item dx="300" dy="200" iv="[^"]+"><i n="acme\/shirt"\/><userdata label="Red shirt" SmartSwatchColor="0xff0000"\/><\/item>/);
    const inline = await f.get('/is/image/acme?imageSet={acme/back,acme/chip}&req=set,json');
    const s = aemParse(inline.text).set;
    assert.deepEqual(items(s).map((i) => i.i.n), ['acme/back', 'acme/chip']);
    const encoding = await f.get('/is/image/acme/shirt?req=set,json,UTF-8');
    assert.equal(encoding.status, 200, 'an encoding after json is accepted');
  });

  test('a failing req=set,json calls s7jsonError with 200; the xml form answers 403', async () => {
    const colon = await f.get('/is/image/acme/shirt:Large?req=set,json&id=77');
    assert.equal(colon.status, 200);
    const call = sdkCall(colon.text);
    assert.equal(call.callback, 's7jsonError');
    assert.equal(call.id, '77');
    assert.match((call.value as { message: string }).message, /colon character is not allowed/);
    const missing = await f.get('/is/image/acme/nothere?req=set,xml');
    assert.equal(missing.status, 403);
  });

  test('a member that cannot be read is left out; the set lists the others (r-set, decision)', async () => {
    // A missing file and a file that is no image, among readable members.
    const gappy = await set('gappy');
    assert.equal(gappy.type, 'img_set');
    assert.deepEqual(items(gappy).map((i) => [i.i.n, i.dx, i.dy]), [['acme/shirt', '300', '200'], ['acme/back', '120', '240']]);
    const xml = await f.get('/is/image/acme/gappy?req=set');
    assert.equal(xml.status, 200);
    assert.doesNotMatch(xml.text, /gone|acme\/bad/);
    // An unreadable swatch leaves its image without a swatch; an unreadable image drops its item.
    const [shirt, ...rest] = items(await set('gappyswatch'));
    assert.equal(shirt!.i.n, 'acme/shirt');
    assert.equal(shirt!.s, undefined);
    assert.equal(rest.length, 0);
    assert.deepEqual(items(await set('gappyspin')).map((i) => i.i.n), ['acme/shirt', 'acme/back']);
    // Nothing readable: an empty set, still a response the SDK's callback receives.
    assert.equal((await set('gone-all')).type, 'empty');
  });

  test('req=imageset, req=targets, req=map, req=xmp, req=ctx, req=fvctx', async () => {
    assert.equal((await f.get('/is/image/acme/pair?req=imageset')).text, 'acme/shirt,acme/back\r\n');
    const json = sdkCall((await f.get('/is/image/acme/pair?req=imageset,json&id=5')).text);
    assert.deepEqual(json.value, { IMAGE_SET: 'acme/shirt,acme/back' }, 'legacy clients read IMAGE_SET');
    assert.equal((await f.get('/is/image/acme/shirt?req=imageset')).text, '\r\n', 'no set: an empty line');
    assert.equal((await f.get('/is/image/acme/shirt?req=targets')).text, 'Target.1.rect=10,10,40,40\r\nTarget.1.label=Collar\r\n');
    const targets = sdkCall((await f.get('/is/image/acme/shirt?req=targets,json')).text);
    assert.deepEqual(targets.value, { 'Target.1.rect': '10,10,40,40', 'Target.1.label': 'Collar' });
    assert.match((await f.get('/is/image/acme/shirt?req=targets,xml')).text, /<prop-group name="Target">\n    <property name="1.rect" value="10,10,40,40" \/>/);
    assert.equal((await f.get('/is/image/acme/shirt?req=map')).text, '<AREA SHAPE="RECT" COORDS="0,0,10,10" HREF="/collar">');
    assert.deepEqual(sdkCall((await f.get('/is/image/acme/shirt?req=map,json')).text).value, [{ shape: 'RECT', coords: '0,0,10,10', href: '/collar' }]);
    const xmp = await f.get('/is/image/acme/shirt?req=xmp');
    assert.equal(xmp.headers['content-type'], 'text/xml; charset=utf-8');
    assert.equal(xmp.text, '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>', 'no XMP in the file: an empty packet');
    const ctx = sdkCall((await f.get('/is/image/acme/shirt?req=ctx,json&scl=1')).text).value as Record<string, string>;
    assert.equal(ctx['image.rect'], '0,0,300,200');
    assert.match((await f.get('/is/image/acme/shirt?req=fvctx,xml,UTF-8,4&scl=1')).text, /<fset iv="[^"]+" dx="300" dy="200"><i n="acme\/shirt"\/><\/fset>/);
  });
});

test('req=tile: a 256-pixel pyramid at every level reassembles into the view rendered whole, exactly', async () => {
  const f = await startFixture({
    files: {
      'images/big.png': await encodeImage(synth(1001, 699, (x, y) => [(x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256, 255]), 'png'),
      // MaxPix limits each tile, not the view it is cut from; the whole view comes from a catalog without it.
      'catalogs/default.ini': 'DefaultPix=400,400\nMaxPix=256,256\n',
      'catalogs/whole.ini': 'RootId=whole\nMaxPix=0,0\n',
    },
  });
  try {
    // The zoom viewers' levels: scl doubling until the view fits one tile; 8 also takes the box pre-shrink.
    for (const scl of [1, 2, 4, 8]) {
      const whole = await decodeImage((await f.get(`/is/image/whole/big.png?scl=${scl}&fmt=png`)).body);
      let worst = 0;
      let tiles = 0;
      for (let y = 0; y < whole.height; y += 256) {
        for (let x = 0; x < whole.width; x += 256) {
          const w = Math.min(256, whole.width - x);
          const h = Math.min(256, whole.height - y);
          const r = await f.get(`/is/image/big.png?req=tile&rect=${x},${y},${w},${h}&scl=${scl}&fmt=png&id=v1`);
          assert.equal(r.status, 200, r.text);
          const tile = await decodeImage(r.body);
          assert.deepEqual([tile.width, tile.height], [w, h]);
          tiles++;
          for (let ty = 0; ty < h; ty++) {
            for (let tx = 0; tx < w * 4; tx++) {
              worst = Math.max(worst, Math.abs(tile.data[ty * w * 4 + tx]! - whole.data[((y + ty) * whole.width + x) * 4 + tx]!));
            }
          }
        }
      }
      assert.equal(worst, 0, `scl=${scl}: ${tiles} tiles of a ${whole.width}x${whole.height} view`);
    }
    const over = await f.get('/is/image/big.png?req=tile&rect=0,0,300,300&scl=1&fmt=png');
    assert.equal(over.status, 403, 'a tile larger than MaxPix');
  } finally {
    await f.close();
  }
});

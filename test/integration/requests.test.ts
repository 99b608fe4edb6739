import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, pixelAt, synth } from '../helpers/pixels.ts';
import { properties, rawGet, startFixture, type Fixture } from '../helpers/server.ts';

const pngWidth = (body: Buffer) => body.readUInt32BE(16);

describe('macros, variables, request types and HTTP caching', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'MacroFile=default.mac\nExpiration=10\nNonImgExpiration=0.1\n',
        'catalogs/default.mac': 'Name\tDefinition\nview\twid=480&fmt=png\nBig\t$view$&wid=800\n',
        'catalogs/shop.ini': 'RootId=shop\nCatalogFile=shop.txt\nMacroFile=shop.mac\nExpiration=-1\n',
        'catalogs/shop.mac': 'Name\tDefinition\ntile\t$view$&wid=64&hei=64&fit=crop\n',
        'catalogs/shop.txt': 'Id\tPath\tModifier\tUserData\nshoe\tpic.png\t$w=100\tcolor=red??size=42\n',
        'catalogs/now.ini': 'RootId=now\nExpiration=0\n',
        'images/pic.png': await encodeImage(synth(1000, 500, (x, y) => [x % 256, y % 256, 99, 255]), 'png'),
      },
    });
  });
  after(() => f.close());

  test('macros expand in place: commands before are overridden, commands after override', async () => {
    assert.equal(pngWidth((await f.get('/is/image/pic.png?$view$')).body), 480);
    assert.equal(pngWidth((await f.get('/is/image/pic.png?$view$&wid=300')).body), 300);
    assert.equal(pngWidth((await f.get('/is/image/pic.png?wid=300&$view$')).body), 480);
    assert.equal(pngWidth((await f.get('/is/image/pic.png?%24VIEW%24')).body), 480, 'encoded, any case');
    assert.equal(pngWidth((await f.get('/is/image/pic.png?$big$')).body), 800, 'nested');
    assert.equal(pngWidth((await f.get('/is/image/shop/shoe?$tile$')).body), 64, "a catalog's own macro using the default's");
    // An undefined macro is left out like an unknown command (docs/compatibility.md, leniency).
    assert.equal(pngWidth((await f.get('/is/image/pic.png?fmt=png&wid=300&$nothing$')).body), 300);
    assert.equal(pngWidth((await f.get('/is/image/pic.png?$view$=')).body), 480, '$name$= is the macro too');
  });

  test('variables: defined before use, from the URL or the catalog Modifier; $object$ is predefined', async () => {
    assert.equal(pngWidth((await f.get('/is/image/pic.png?fmt=png&$W=250&wid=$w$')).body), 250);
    assert.equal(pngWidth((await f.get('/is/image/shop/shoe?fmt=png&wid=$w$')).body), 100, 'from catalog::Modifier');
    const literal = await f.get('/is/image/pic.png?wid=$nope$');
    assert.equal(literal.status, 403, 'an undefined reference stays literal, and wid=$nope$ is no number');
  });

  test('req=resolve shows the request after catalog, macros and variables; not cacheable', async () => {
    const r = await f.get('/is/image/shop/shoe?$view$&wid=$w$&qlt=90%2c1&.c=1&name=$object$&req=resolve');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'shop/shoe?wid=480&fmt=png&wid=100&qlt=90,1&name=shop/shoe&req=resolve\n');
    assert.equal(r.headers['cache-control'], 'no-cache, no-store');
  });

  test('req=validate: request.isValid=1, or the standard error in the requested format', async () => {
    assert.equal(properties((await f.get('/is/image/pic.png?wid=5&req=validate')).text).get('request.isValid'), '1');
    const bad = await f.get('/is/image/pic.png?wid=x&req=validate,json&id=7');
    assert.equal(bad.status, 403);
    assert.equal(bad.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(bad.text, '/*jsonp*/s7jsonResponse({"error.message":"wid must be an integer"},"7");');
  });

  test('req=props describes the reply image without rendering it', async () => {
    const r = await f.get('/is/image/pic.png?wid=300&fmt=png-alpha&req=props');
    const p = properties(r.text);
    assert.equal(p.get('image.width'), '300');
    assert.equal(p.get('image.height'), '150');
    assert.equal(p.get('image.type'), 'image/png');
    assert.equal(p.get('image.bgc'), 'ffffff');
    assert.match(p.get('image.version') ?? '', /^[\w-]{22}$/);
    assert.equal(r.headers['cache-control'], 'public, max-age=360', 'NonImgExpiration 0.1 h');
  });

  test('req=imageprops in each format: text, javascript, xml and JSONP byte for byte', async () => {
    const text = properties((await f.get('/is/image/shop/shoe?req=imageprops')).text);
    assert.equal(text.get('image.width'), '1000');
    assert.equal(text.get('image.modifier'), '$w=100');
    assert.equal(text.get('image.translatedId'), 'shoe');
    const js = (await f.get('/is/image/pic.png?req=imageprops,javascript')).text;
    assert.match(js, /^image\.anchor='500,250';\n/m);
    assert.match(js, /^image\.width='1000';$/m);
    const xml = (await f.get('/is/image/pic.png?req=imageprops,xml')).text;
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8" \?>\n<prop-group>\n {2}<prop-group name="image">\n {4}<property name="anchor" value="500,250" \/>\n/);
    const json = await f.get('/is/image/pic.png?req=imageprops,json&handler=cb1&id=42');
    assert.match(json.text, /^\/\*jsonp\*\/cb1\(\{"image\.anchor":"500,250",.*\},"42"\);$/);
    const body = JSON.parse(/^\/\*jsonp\*\/cb1\((\{.*\}),"42"\);$/.exec(json.text)![1]!);
    assert.equal(body['image.height'], '500');
  });

  test('req=exists: 1 for records and files, 0 otherwise; the JSONP form clients test for', async () => {
    const exists = async (path: string) => properties((await f.get(`${path}?req=exists`)).text).get('catalogRecord.exists');
    assert.equal(await exists('/is/image/shop/shoe'), '1');
    assert.equal(await exists('/is/image/pic.png'), '1');
    assert.equal(await exists('/is/image/shop/nothing'), '0');
    const json = await f.get('/is/image/nothing.png?req=exists,json');
    assert.equal(json.text, '/*jsonp*/s7jsonResponse({"catalogRecord.exists":"0"},"");');
  });

  test('req=userdata: ?? becomes line breaks and CR/LF ends the text; a non-record is just CR/LF', async () => {
    assert.equal((await f.get('/is/image/shop/shoe?req=userdata')).text, 'color=red\r\nsize=42\r\n');
    assert.equal((await f.get('/is/image/pic.png?req=userdata')).text, '\r\n');
    assert.equal((await f.get('/is/image/shop/shoe?req=userdata,json')).text, '/*jsonp*/s7jsonResponse({"color":"red","size":"42"},"");');
  });

  test('req=catalogprops for the default catalog and a named one', async () => {
    const d = properties((await f.get('/is/image?req=catalogprops')).text);
    assert.equal(d.get('catalog.maxPix'), '2000,2000');
    assert.equal(d.get('catalog.expiration'), '10');
    assert.equal(properties((await f.get('/is/image/shop?req=catalogprops')).text).get('catalog.expiration'), '-1');
  });

  test('req=message answers an empty, non-cacheable body; req=loadcache answers image.length', async () => {
    const m = await f.get('/is/image/pic.png?req=message&message=This%20is%20the%20message');
    assert.equal(m.status, 200);
    assert.equal(m.text, '');
    assert.equal(m.headers['cache-control'], 'no-cache, no-store');
    const image = await f.get('/is/image/pic.png?wid=77');
    const load = properties((await f.get('/is/image/pic.png?wid=77&req=loadcache')).text);
    assert.equal(load.get('image.length'), String(image.body.length));
  });

  test('images: ETag is the quoted MD5 of the body; If-None-Match answers 304 without a body', async () => {
    const r = await f.get('/is/image/pic.png?wid=120');
    const etag = `"${createHash('md5').update(r.body).digest('hex')}"`;
    assert.equal(r.headers.etag, etag);
    assert.equal(r.headers['cache-control'], 'public, max-age=36000', 'Expiration 10 h');
    const expires = Date.parse(r.headers.expires!);
    assert.ok(Math.abs(expires - (Date.now() + 36000e3)) < 5000);
    const again = await f.get('/is/image/pic.png?wid=120', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    assert.equal((await f.get('/is/image/pic.png?wid=120', { 'if-none-match': '"other"' })).status, 200);
  });

  test('Expiration 0 means no-cache, -1 a year; cache=off makes a reply non-cacheable', async () => {
    assert.equal((await f.get('/is/image/now/pic.png?wid=10')).headers['cache-control'], 'no-cache');
    assert.equal((await f.get('/is/image/shop/shoe?wid=10')).headers['cache-control'], 'public, max-age=31536000');
    const off = await f.get('/is/image/pic.png?wid=10&cache=off');
    assert.equal(off.headers['cache-control'], 'no-cache, no-store');
    assert.equal(off.headers.etag, undefined);
    assert.equal((await f.get('/is/image/pic.png?wid=10&cache=sometimes')).status, 403);
  });
});

describe('req=tmb, req=mask and default images', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'DefaultImage=fallback.png\nDefaultExpiration=1\nDefaultThumbPix=80,60\nThumbType=2\nThumbBkgColor=ff0000\n',
        'catalogs/crop.ini': 'RootId=crop\nThumbType=1\nDefaultImageMode=1\n',
        'catalogs/tex.ini': 'RootId=tex\nThumbType=3\nThumbHorizAlign=1\nThumbVertAlign=1\nDefaultImage=\n',
        'images/wide.png': await encodeImage(synth(400, 100, (x) => [x % 256, 50, 50, 255]), 'png'),
        'images/fallback.png': await encodeImage(synth(50, 50, () => [0, 0, 255, 255]), 'png'),
        'images/dot.png': await encodeImage(synth(20, 20, (x, y) => ((x - 10) ** 2 + (y - 10) ** 2 < 36 ? [9, 9, 9, 255] : [0, 0, 0, 0])), 'png'),
      },
    });
  });
  after(() => f.close());

  const image = async (path: string) => {
    const r = await f.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    return decodeImage(r.body);
  };

  test('req=tmb: DefaultThumbPix, ThumbType fit pads with ThumbBkgColor, crop fills, texture places unscaled', async () => {
    const fit = await image('/is/image/wide.png?req=tmb&fmt=png');
    assert.deepEqual([fit.width, fit.height], [80, 60]);
    assert.deepEqual(pixelAt(fit, 40, 2), [255, 0, 0, 255], 'ThumbBkgColor bands');
    const crop = await image('/is/image/crop/wide.png?req=tmb&fmt=png&wid=40&hei=40');
    assert.deepEqual([crop.width, crop.height], [40, 40]);
    assert.notDeepEqual(pixelAt(crop, 20, 2), [255, 0, 0, 255], 'filled, no band');
    const texture = await image('/is/image/tex/wide.png?req=tmb&fmt=png&wid=50&hei=50');
    assert.deepEqual(pixelAt(texture, 10, 10).slice(0, 3), [10, 50, 50], 'unscaled, at the top left');
    // fit= with req=tmb is ignored (docs/compatibility.md, leniency): the same thumbnail.
    assert.deepEqual((await f.get('/is/image/wide.png?req=tmb&wid=50&hei=50&fit=crop')).body, (await f.get('/is/image/wide.png?req=tmb&wid=50&hei=50')).body);
  });

  test('req=mask returns the alpha channel as a grey JPEG by default', async () => {
    const r = await f.get('/is/image/dot.png?req=mask&scl=1');
    assert.equal(r.headers['content-type'], 'image/jpeg');
    const sof = r.body.subarray(r.body.indexOf(Buffer.from([0xff, 0xc0])));
    assert.equal(sof[9], 1, 'one component');
    const mask = await decodeImage(r.body);
    assert.ok(pixelAt(mask, 10, 10)[0] > 240 && pixelAt(mask, 1, 1)[0] < 15);
    const png = await image('/is/image/dot.png?req=mask&scl=1&fmt=png');
    assert.deepEqual(pixelAt(png, 10, 10), [255, 255, 255, 255]);
    assert.deepEqual(pixelAt(png, 1, 1), [0, 0, 0, 255]);
  });

  test('a missing image gets the DefaultImage (200, DefaultExpiration), mode 0 keeping only wid/hei/fmt/qlt', async () => {
    const r = await f.get('/is/image/missing.png?wid=25&fmt=png&op_invert=1');
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'public, max-age=3600');
    const fallback = await decodeImage(r.body);
    assert.equal(fallback.width, 25);
    assert.deepEqual(pixelAt(fallback, 5, 5), [0, 0, 255, 255], 'op_invert dropped in mode 0');
    const mode1 = await image('/is/image/crop/missing.png?wid=25&fmt=png&op_invert=1');
    assert.deepEqual(pixelAt(mode1, 5, 5), [255, 255, 0, 255], 'mode 1 keeps every command');
    const given = await image('/is/image/tex/missing.png?defaultImage=wide.png&wid=40&fmt=png');
    assert.equal(given.height, 10, 'defaultImage= names another image');
    assert.equal((await f.get('/is/image/missing.png?defaultImage=&wid=25')).status, 403, 'defaultImage= empty disables it');
    assert.equal((await f.get('/is/image/tex/missing.png?wid=25')).status, 403, 'DefaultImage= empty in the catalog');
    assert.equal((await f.get('/is/image/missing.png?req=props')).status, 403, 'only img and tmb');
  });
});

describe('/is/content and Last-Modified', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'StaticContentRootPath=static\n',
        'catalogs/site.ini': 'RootId=site\nStaticContentCatalogFile=site-static.txt\nUseLastModified=1\nExpiration=2\n',
        'catalogs/site-static.txt': 'Id\tPath\tExpiration\tUserData\nmain-css\tcss/main.css\t0.5\tkind=style\n',
        'images/static/css/main.css': 'body { color: red }\n',
        'images/static/test with spaces äöüß€.txt': 'hello\n',
        'images/pic.png': await encodeImage(synth(20, 20, () => [1, 2, 3, 255]), 'png'),
      },
    });
  });
  after(() => f.close());

  test('serves a static record with its type, TTL and Last-Modified; If-Modified-Since answers 304', async () => {
    const r = await f.get('/is/content/site/main-css');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'body { color: red }\n');
    assert.equal(r.headers['content-type'], 'text/css');
    assert.equal(r.headers['cache-control'], 'public, max-age=1800', 'the record Expiration 0.5 h');
    assert.ok(r.headers['last-modified']);
    const again = await f.get('/is/content/site/main-css', { 'if-modified-since': r.headers['last-modified']! });
    assert.equal(again.status, 304);
    assert.equal((await f.get('/is/content/site/main-css?type=text/css')).status, 200);
    assert.equal((await f.get('/is/content/site/main-css?type=image')).status, 403);
  });

  test('plain paths with wcm.io-style encoding (+ for spaces, UTF-8 escapes)', async () => {
    const r = await f.get('/is/content/test+with+spaces+%C3%A4%C3%B6%C3%BC%C3%9F%E2%82%AC.txt');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello\n');
  });

  test('req=exists, props and userdata; other req= types are refused; traversal is refused', async () => {
    assert.equal(properties((await f.get('/is/content/site/main-css?req=exists')).text).get('catalogRecord.exists'), '1');
    assert.equal(properties((await f.get('/is/content/site/nothing?req=exists')).text).get('catalogRecord.exists'), '0');
    const props = properties((await f.get('/is/content/site/main-css?req=props')).text);
    assert.equal(props.get('length'), '20');
    assert.equal(props.get('userType'), 'text/css');
    assert.equal((await f.get('/is/content/site/main-css?req=userdata')).text, 'kind=style\r\n');
    assert.equal((await f.get('/is/content/site/main-css?req=img')).status, 403);
    assert.equal((await rawGet(f.isle.url, '/is/content/%2e%2e/catalogs/default.ini')).status, 403);
    assert.equal((await rawGet(f.isle.url, '/is/content/../catalogs/default.ini')).status, 403);
  });

  test('UseLastModified=1 adds Last-Modified to image replies; catalogs without it send none', async () => {
    assert.ok((await f.get('/is/image/site/pic.png?wid=10')).headers['last-modified']);
    assert.equal((await f.get('/is/image/pic.png?wid=10')).headers['last-modified'], undefined);
  });
});

describe('ErrorImage and ErrorDetail', () => {
  test('ErrorImage answers a failed image request with 200 and an image; ErrorDetail 0 gives the title only', async () => {
    const f = await startFixture({
      files: {
        'catalogs/default.ini': 'ErrorImage=oops.png\n',
        'catalogs/quiet.ini': 'RootId=quiet\nErrorImage=\nErrorDetail=0\n',
        'catalogs/loud.ini': 'RootId=loud\nErrorImage=\nErrorDetail=3\n',
        // A record whose catalog Modifier makes every request of it a property request.
        'catalogs/info.ini': 'RootId=info\nCatalogFile=info.txt\nErrorImage=oops.png\n',
        'catalogs/info.txt': 'Id\tPath\tModifier\ngone\tnowhere.png\treq=props\n',
        'images/oops.png': await encodeImage(synth(40, 40, () => [255, 0, 255, 255]), 'png'),
      },
    });
    try {
      const r = await f.get('/is/image/missing.png?wid=20&fmt=png&op_invert=1');
      assert.equal(r.status, 200);
      assert.equal(r.headers['cache-control'], 'no-cache, no-store', 'error replies are not cacheable');
      const image = await decodeImage(r.body);
      assert.deepEqual([image.width, pixelAt(image, 5, 5)], [20, [255, 0, 255, 255]], 'wid/fmt kept, other commands dropped');
      assert.equal((await f.get('/is/image/missing.png?req=props')).status, 403, 'only image requests');
      // The decision sees the catalog's modifiers too, not the URL's alone.
      const props = await f.get('/is/image/info/gone');
      assert.equal(props.status, 403, 'a property request by its catalog modifier gets no ErrorImage');
      assert.match(props.headers['content-type']!, /^text\/plain/);
      const quiet = await f.get('/is/image/quiet/missing.png?wid=20');
      assert.equal(quiet.status, 403);
      assert.equal(properties(quiet.text).get('error.message'), 'The request could not be served');
      const loud = await f.get('/is/image/loud/missing.png?wid=20');
      assert.equal(properties(loud.text).get('error.message'), 'Image not found', 'levels 2 and 3: the message');
    } finally {
      await f.close();
    }
  });
});

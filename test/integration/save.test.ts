import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeImage, encodeImage, synth } from '../helpers/pixels.ts';
import { FIXTURE_CATALOG, get, properties, rawGet, startFixture, type Fixture } from '../helpers/server.ts';

/** Every file below a folder, relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('req=saveToFile', () => {
  let f: Fixture;
  let out: string;
  let outside: string;
  before(async () => {
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'SavePath=out\nMaxPix=100,100\n',
        'catalogs/nosave.ini': 'RootId=nosave\nSavePath=\n',
        'catalogs/missing.ini': 'RootId=missing\nSavePath=not-there\n',
        ...FIXTURE_CATALOG,
        'images/pic.png': await encodeImage(synth(640, 480, (x, y) => [x % 256, y % 256, 128, 255]), 'png'),
      },
    });
    out = join(f.saves, 'out');
    mkdirSync(join(out, 'sub'), { recursive: true });
    outside = join(f.dir, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(out, 'escape'));
  });
  after(() => f.close());

  const save = (query: string, object = 'pic.png') => f.get(`/is/image/${object}?req=saveToFile&${query}`);
  const expectFailure = async (query: string, message: RegExp, object?: string) => {
    const r = await save(query, object);
    assert.equal(r.status, 403, `${query}: ${r.text}`);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache, no-store');
    assert.match(properties(r.text).get('error.message') ?? '', message, query);
    assert.ok(!r.text.includes(f.dir), 'no absolute server path in the message');
  };

  test('saves the image req=img would return and answers lastUpdated, pixelsTotal and status=done', async () => {
    const before = Date.now();
    const r = await save('name=first.jpg&wid=100&fmt=jpeg&qlt=70');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache, no-store');
    assert.equal(r.headers.pragma, 'no-cache');
    assert.match(r.text, /^#S7Z OK\n#.+\n/);
    const props = properties(r.text);
    assert.equal(props.get('status'), 'done');
    assert.equal(props.get('pixelsTotal'), String(100 * 75));
    const lastUpdated = Number(props.get('lastUpdated'));
    assert.ok(lastUpdated >= before - 1000 && lastUpdated <= Date.now() + 1000, `lastUpdated ${lastUpdated}`);
    const saved = readFileSync(join(out, 'first.jpg'));
    const img = await f.get('/is/image/pic.png?wid=100&fmt=jpeg&qlt=70');
    assert.equal(img.status, 200);
    assert.ok(saved.equals(img.body), 'the saved file is the req=img reply');
    assert.equal(Math.round(statSync(join(out, 'first.jpg')).mtimeMs / 1000), Math.round(lastUpdated / 1000));
  });

  test('MaxPix limits replies but not saves; the save into an existing subfolder works', async () => {
    assert.equal((await f.get('/is/image/pic.png?wid=600')).status, 403);
    const r = await save('name=sub/large.png&wid=600&fmt=png');
    assert.equal(r.status, 200, r.text);
    assert.equal(properties(r.text).get('pixelsTotal'), String(600 * 450));
    const image = await decodeImage(readFileSync(join(out, 'sub/large.png')));
    assert.deepEqual([image.width, image.height], [600, 450]);
  });

  test('overwrites an existing file of that name', async () => {
    writeFileSync(join(out, 'again.png'), 'old');
    assert.equal((await save('name=again.png&wid=10&fmt=png')).status, 200);
    assert.notEqual(readFileSync(join(out, 'again.png')).toString(), 'old');
  });

  test('fails without name=, with an empty SavePath, or with a missing folder (never created)', async () => {
    await expectFailure('wid=10', /needs name=/);
    await expectFailure('name=&wid=10', /needs name=/);
    await expectFailure('name=x.jpg', /SavePath is empty/, 'nosave/pic.png');
    await expectFailure('name=x.jpg', /folder does not exist/, 'missing/pic.png');
    assert.equal(existsSync(join(f.saves, 'not-there')), false);
    await expectFailure('name=newdir/x.jpg', /folder does not exist/);
    assert.equal(existsSync(join(out, 'newdir')), false);
  });

  test('refuses every traversal form and writes nothing outside the save folder', async () => {
    const names = [
      '..%2Fescaped.jpg', '../escaped.jpg', 'sub/../../escaped.jpg', '%2e%2e/escaped.jpg', '%252e%252e%252fescaped.jpg',
      '/tmp/escaped.jpg', '%2Ftmp%2Fescaped.jpg', '..%5Cescaped.jpg', 'x.jpg%00.png', '%c0%ae%c0%ae/escaped.jpg',
      '.isle-tmp-abc', 'escape/escaped.jpg', 'escape',
    ];
    for (const name of names) {
      const r = await rawGet(f.isle.url, `/is/image/pic.png?req=saveToFile&wid=10&name=${name}`);
      assert.equal(r.status, 403, `${name}: ${r.text}`);
    }
    assert.deepEqual(listFiles(outside), []);
    assert.deepEqual(listFiles(f.saves).filter((p) => p.includes('escaped')), []);
    assert.ok(!existsSync(join(f.dir, 'escaped.jpg')));
  });

  test('a corrupt or missing source fails the save and leaves an existing file intact', async () => {
    writeFileSync(join(out, 'keep.jpg'), 'previous');
    await expectFailure('name=keep.jpg', /corrupt/, 'fixtures/truncated.png');
    await expectFailure('name=keep.jpg', /corrupt/, 'fixtures/corrupt-header.jpg');
    await expectFailure('name=keep.jpg', /Image not found/, 'nothing.png');
    assert.equal(readFileSync(join(out, 'keep.jpg'), 'utf8'), 'previous');
  });

  test('a save that times out answers 403, stops its worker, leaves nothing and keeps the old file', async () => {
    writeFileSync(join(out, 'slow.jpg'), 'previous');
    const restarts = f.isle.context.pool.stats().restarts;
    // A 2725x2225 JPEG upscaled to 4000 px wide takes far longer than 50 ms.
    await expectFailure('name=slow.jpg&wid=4000&fmt=png&timeout=50', /timed out after 50 ms/, 'fixtures/photo-2725x2225.jpg');
    assert.equal(readFileSync(join(out, 'slow.jpg'), 'utf8'), 'previous');
    assert.equal(f.isle.context.pool.stats().restarts, restarts + 1, 'the busy worker was replaced');
    assert.deepEqual(listFiles(out).filter((p) => p.includes('.isle-tmp-')), []);
    assert.equal((await save('name=after-timeout.jpg&wid=20')).status, 200, 'the replacement worker serves');
  });

  test('timeout= must be a positive integer', async () => {
    await expectFailure('name=t.jpg&timeout=abc', /timeout must be an integer/);
    await expectFailure('name=t.jpg&timeout=0', /timeout must be between/);
  });

  test('no temporary file is ever left in the save folder', () => {
    assert.deepEqual(listFiles(out).filter((p) => p.includes('.isle-tmp-')), []);
  });
});

describe('HEAD', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'catalogs/default.ini': 'SavePath=out\n', 'images/a.png': await encodeImage(synth(40, 40, () => [5, 5, 5, 255]), 'png'), 'saves/out/.keep': '' },
    });
  });
  after(() => f.close());

  test('HEAD with req=saveToFile writes nothing', async () => {
    const r = await get(`${f.isle.url}/is/image/a.png?req=saveToFile&name=head.png&fmt=png`, {}, 'HEAD');
    assert.equal(r.status, 405);
    assert.ok(!existsSync(join(f.saves, 'out/head.png')));
    const g = await f.get('/is/image/a.png?req=saveToFile&name=head.png&fmt=png');
    assert.equal(properties(g.text).get('status'), 'done');
  });
});

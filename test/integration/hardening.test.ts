import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeJpeg } from '../../src/image/wasm-codecs.ts';
import { newTempName, THIS_PROCESS, TEMP_PREFIX } from '../../src/save/temp.ts';
import { within } from '../helpers/cli.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { errorMessage as message, FIXTURES, get, properties, startFixture, type Fixture } from '../helpers/server.ts';

/** Every file below a folder (symlinks not followed), relative to it. */
const listFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));

/** Statuses of the responses on one raw connection, in order, once `count` of them have arrived. */
function statusesOf(socket: Socket, count: number): Promise<number[]> {
  let text = '';
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      if (statuses.length >= count) resolve(statuses);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${text.length} bytes`)));
  });
}

const rawConnection = (base: string) => {
  const { hostname, port } = new URL(base);
  return connect(Number(port), hostname);
};

describe('a save folder swapped for a symlink while saves run', () => {
  test('nothing lands outside, no temporary file stays, every 200 has its file', async () => {
    const f = await startFixture({
      files: {
        'catalogs/default.ini': 'SavePath=out\n',
        'images/tiny.png': await encodeImage(synth(16, 16, (x, y) => [x * 16, y * 16, 0, 255]), 'png'),
        'saves/out/race/.keep': '',
      },
      config: { 'max-concurrent-saves': '8' },
    });
    const out = join(f.saves, 'out');
    const outside = join(f.dir, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(out, 'link'));
    // Another process swaps out/race between the real folder and the symlink as fast as it can, each
    // step an atomic rename; it stops by itself after 3 s, the real folder back in place.
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const end = Date.now() + 3000; let n = 0;
         while (Date.now() < end) { fs.renameSync('race', 'race.real'); fs.renameSync('link', 'race'); fs.renameSync('race', 'link'); fs.renameSync('race.real', 'race'); n++; }
         console.log(n);`,
      ],
      { cwd: out, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const exited = new Promise<number | null>((resolve) => swapper.on('exit', resolve));
      let swapping = true;
      void exited.then(() => (swapping = false));
      const answers: { name: string; status: number; text: string }[] = [];
      await within(
        Promise.all(
          Array.from({ length: 8 }, async (_, lane) => {
            for (let n = 0; swapping; n++) {
              const name = `race/s-${lane}-${n}.png`;
              const r = await f.get(`/is/image/tiny.png?req=saveToFile&name=${name}&fmt=png`);
              answers.push({ name, status: r.status, text: r.text });
            }
          }),
        ),
        20_000,
        'the saves during the race',
      );
      assert.equal(await within(exited, 10_000, 'the swapper'), 0);
      assert.deepEqual(listFiles(outside), [], 'no file outside the save folder');
      assert.deepEqual([...listFiles(out)].filter((n) => n.includes(TEMP_PREFIX)), [], 'no temporary file left');
      assert.ok(answers.length > 20, `${answers.length} saves ran during the race`);
      for (const a of answers) {
        assert.ok(a.status === 200 || a.status === 403, `${a.name}: ${a.status}`);
        // A 200 means the file is there; a 403 that it is not (no save is reported failed after its rename).
        assert.equal(existsSync(join(out, a.name)), a.status === 200, `${a.name}: ${a.status} ${a.text}`);
      }
      assert.ok(answers.some((a) => a.status === 200), 'some saves went through');
    } finally {
      swapper.kill('SIGKILL');
      await f.close();
    }
  });
});

describe('every image a plan creates is bounded before any worker runs', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: { 'catalogs/default.ini': '', 'images/320x240.png': await encodeImage(synth(320, 240, (x) => [x % 256, 0, 0, 255]), 'png') },
    });
  });
  after(() => f.close());

  test('extend=, extendN=, size=, scale= and rotate with extend that would build huge layers answer 403', async () => {
    const { jobs } = f.isle.context.pool.stats();
    for (const query of [
      'extend=9000,9000,9000,9000&wid=100',
      'extendN=100,100,100,100&wid=100',
      'size=40000,40000&wid=100',
      'scale=100&wid=100',
      'rotate=45&extend=20000,20000,0,0&wid=100',
    ]) {
      const r = await f.get(`/is/image/320x240.png?${query}`);
      assert.equal(r.status, 403, query);
      assert.match(message(r.text), /intermediate image would have \d+ pixels; the limit is 100000000|would need about \d+ MiB/, query);
    }
    assert.equal(f.isle.context.pool.stats().jobs, jobs, 'no worker ran for the refused requests');
    assert.equal((await f.get('/is/image/320x240.png?extend=10,10,10,10&wid=100')).status, 200, 'a modest extend still renders');
  });
});

/** Writes new dimensions into a JPEG's SOF0/SOF2 header. */
function withFrameSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(jpeg);
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.set([height >> 8, height & 255, width >> 8, width & 255], i + 5);
      return out;
    }
  }
  throw new Error('no SOF');
}

describe('damaged JPEGs whose frame is far larger than their data', () => {
  test('a baseline and a progressive file whose SOF says 10000x10000 answer 403 before any worker runs', async () => {
    const image = synth(400, 300, (x, y) => [(x * 7) % 256, (y * 5) % 256, (x ^ y) % 256, 255]);
    const baseline = withFrameSize(await encodeImage(image, 'jpeg'), 10000, 10000);
    const progressive = withFrameSize(new Uint8Array(await encodeJpeg(image, { quality: 80, fullChroma: false, gray: false, progressive: true })), 10000, 10000);
    const f = await startFixture({ files: { 'catalogs/default.ini': '', 'images/lie.jpg': baseline, 'images/lie-p.jpg': progressive } });
    try {
      const { jobs } = f.isle.context.pool.stats();
      for (const name of ['lie.jpg', 'lie-p.jpg']) {
        const r = await f.get(`/is/image/${name}?wid=100`);
        assert.equal(r.status, 403, name);
        assert.match(message(r.text), /far too short for its 10000x10000 frame/, name);
      }
      assert.equal(f.isle.context.pool.stats().jobs, jobs);
    } finally {
      await f.close();
    }
  });
});

describe('damaged JPEGs decoded at full size', () => {
  test('data damaged in the middle is refused, not grey-filled; extraneous bytes before a marker are not damage', async () => {
    const good = Buffer.from(readFileSync(join(FIXTURES, 'photo-2725x2225.jpg')));
    const damaged = Buffer.from(good);
    for (let i = 0; i < 40; i++) damaged[60_000 + i * 7_000]! ^= 0x5a;
    // Padding before the end marker: libjpeg warns "extraneous bytes" and decodes every pixel.
    const padded = Buffer.concat([good.subarray(0, good.length - 2), Buffer.from([0x00, 0x00, 0x00, 0xff, 0xd9])]);
    const f = await startFixture({ files: { 'catalogs/default.ini': 'MaxPix=0,0\n', 'images/damaged.jpg': damaged, 'images/padded.jpg': padded } });
    try {
      // scl=1: the full-size decode, by our kernel (which refuses damage itself) or MozJPEG (whose warnings are refused).
      const r = await f.get('/is/image/damaged.jpg?scl=1&fmt=png');
      assert.equal(r.status, 403);
      assert.match(message(r.text), /^The source image is corrupt: (its JPEG data is damaged|premature end of data segment|bad Huffman code|found marker)/);
      assert.equal((await f.get('/is/image/padded.jpg?scl=1&fmt=jpeg')).status, 200);
    } finally {
      await f.close();
    }
  });
});

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

describe('one connection cannot fill the render queue', () => {
  test('50 pipelined requests are all served, and another client is served meanwhile', async () => {
    const f = await startFixture({
      files: { 'catalogs/default.ini': '', 'images/p.png': await encodeImage(synth(600, 400, (x, y) => [x % 256, y % 256, 9, 255]), 'png') },
      // One worker and four places in the queue: without a per-connection limit, 45 of the 50 get 503.
      config: { 'max-queue': '4' },
    });
    const pipe = rawConnection(f.isle.url);
    try {
      const statuses = statusesOf(pipe, 50);
      pipe.write(Array.from({ length: 50 }, (_, i) => `GET /is/image/p.png?wid=${100 + i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      const others = await Promise.all(Array.from({ length: 3 }, (_, i) => f.get(`/is/image/p.png?wid=${50 + i}`)));
      assert.deepEqual(others.map((r) => r.status), [200, 200, 200]);
      const all = await within(statuses, 60_000, 'the pipelined replies');
      assert.deepEqual(all.filter((s) => s !== 200), [], 'no pipelined request was refused');
    } finally {
      pipe.destroy();
      await f.close();
    }
  });
});

describe('the render queue', () => {
  test('runs a small job before big ones queued earlier, and a job that has waited past queue-aging first', async () => {
    const files = { 'catalogs/default.ini': '', 'images/big.png': await encodeImage(synth(1500, 1500, (x, y) => [(x * y) % 256, x % 256, y % 256, 255]), 'png') };
    const big = (i: number) => `/is/image/big.png?wid=${1400 + i}&fmt=png`;
    const small = '/is/image/big.png?wid=40&hei=40&fit=stretch&fmt=png&scl=16';
    // Which of the queued requests finishes first, once one big render holds the only worker.
    const firstOfQueued = async (f: Fixture) => {
      const running = f.get(big(0));
      for (let i = 0; i < 200 && f.isle.context.pool.stats().busy === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(f.isle.context.pool.stats().busy, 1, 'the first big render runs');
      const order: string[] = [];
      const queued = [f.get(big(1)).then(() => order.push('big')), f.get(big(2)).then(() => order.push('big'))];
      for (let i = 0; i < 200 && f.isle.context.pool.stats().queued < 2; i++) await new Promise((r) => setTimeout(r, 10));
      queued.push(f.get(small).then((r) => (assert.equal(r.status, 200), order.push('small'))));
      await within(Promise.all([running, ...queued]), 60_000, 'the queued renders');
      return order[0];
    };
    const f = await startFixture({ files, config: { 'queue-aging': '60000' } });
    try {
      assert.equal(await firstOfQueued(f), 'small');
    } finally {
      await f.close();
    }
    const g = await startFixture({ files, config: { 'queue-aging': '0' } });
    try {
      assert.equal(await firstOfQueued(g), 'big', 'with no aging allowance the queue is first come, first served');
    } finally {
      await g.close();
    }
  });
  test('when full, sheds the biggest waiting job for a smaller newcomer, and refuses a bigger one', async () => {
    const files = { 'catalogs/default.ini': '', 'images/big.png': await encodeImage(synth(1500, 1500, (x, y) => [(x * y) % 256, x % 256, y % 256, 255]), 'png') };
    const f = await startFixture({ files, config: { 'queue-aging': '60000', 'max-queue': '1' } });
    const pool = f.isle.context.pool;
    const until = async (ok: () => boolean, what: string) => {
      for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(ok(), what);
    };
    try {
      const running = f.get('/is/image/big.png?wid=1400&fmt=png');
      await until(() => pool.stats().busy === 1, 'the first render runs');
      const displaced = f.get('/is/image/big.png?wid=1300&fmt=png');
      await until(() => pool.stats().queued === 1, 'the second waits');
      const small = f.get('/is/image/big.png?wid=40&fmt=png');
      const shed = await within(displaced, 30_000, 'the displaced render');
      assert.equal(shed.status, 503);
      assert.equal(shed.headers['retry-after'], '1');
      assert.match(message(shed.text), /busy/);
      const bigger = await within(f.get('/is/image/big.png?wid=1200&fmt=png'), 30_000, 'a bigger newcomer');
      assert.equal(bigger.status, 503, 'a newcomer bigger than every waiting job is the one refused');
      assert.equal((await within(small, 30_000, 'the small render')).status, 200);
      assert.equal((await within(running, 30_000, 'the first render')).status, 200);
    } finally {
      await f.close();
    }
  });
});

describe('one URL cannot amplify a catalog macro', () => {
  test('a URL repeating a large macro gets 403 at once while /healthz keeps answering; an oversized macro is refused at load', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `op_brightness=${i % 10}`).join('&');
    const huge = Array.from({ length: 1200 }, () => 'op_contrast=1').join('&');
    const f = await startFixture({
      files: {
        'catalogs/default.ini': 'MacroFile=macros.txt\n',
        'catalogs/macros.txt': `Name\tDefinition\nbig\t${hundred}\nhuge\t${huge}\nsmall\twid=20\n`,
        'images/a.png': await encodeImage(synth(40, 40, () => [5, 5, 5, 255]), 'png'),
      },
    });
    try {
      assert.ok(f.isle.context.catalogs.warnings.some((w) => /macro huge expands to more than 1000 commands/.test(w)));
      const amplified = f.get(`/is/image/a.png?${Array.from({ length: 15 }, () => '$big$').join('&')}`);
      const repeated = f.get(`/is/image/a.png?${Array.from({ length: 1300 }, () => '$big$').join('&')}`);
      const health = await f.get('/healthz');
      assert.equal(health.status, 200);
      const r = await amplified;
      assert.equal(r.status, 403);
      assert.match(message(r.text), /more than 1000 commands once macros are expanded/);
      assert.match(message((await repeated).text), /more than 1000 commands/);
      assert.equal((await f.get('/is/image/a.png?$huge$')).status, 403);
      assert.equal((await f.get('/is/image/a.png?$small$&$big$')).status, 200, 'macros under the cap still work');
    } finally {
      await f.close();
    }
  });
});

describe('smaller findings', () => {
  let f: Fixture;
  let deadPid: number;
  before(async () => {
    deadPid = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim() as unknown as number;
    const deep = 'saves/out/1/2/3/4/5/6/7/8/9/10';
    f = await startFixture({
      files: {
        'catalogs/default.ini': 'SavePath=out\n',
        'images/a.png': await encodeImage(synth(40, 40, () => [5, 5, 5, 255]), 'png'),
        [`${deep}/${newTempName({ ...THIS_PROCESS, pid: Number(deadPid), instance: '00000000' })}`]: 'abandoned',
        [`saves/out/${newTempName()}`]: 'a live save of this very process',
      },
    });
  });
  after(() => f.close());

  test('the start-up sweep removes abandoned temporary files at any depth and leaves live ones', () => {
    const temps = listFiles(join(f.saves, 'out')).filter((n) => n.includes(TEMP_PREFIX));
    assert.equal(temps.length, 1, temps.join(', '));
    assert.ok(!temps[0]!.includes('/'), 'the live one at the top stays; the deep abandoned one is gone');
  });

  test('POST, PUT and DELETE on the operational endpoints and the playground answer 405', async () => {
    const { request } = await import('undici');
    for (const path of ['/healthz', '/metrics', '/readyz', '/is/playground', '/is/image/a.png']) {
      for (const method of ['POST', 'PUT', 'DELETE'] as const) {
        const r = await request(f.isle.url + path, { method });
        await r.body.dump();
        assert.equal(r.statusCode, 405, `${method} ${path}`);
        assert.equal(r.headers.allow, 'GET, HEAD');
      }
    }
  });

  test('HEAD with req=saveToFile writes nothing', async () => {
    const r = await get(`${f.isle.url}/is/image/a.png?req=saveToFile&name=head.png&fmt=png`, {}, 'HEAD');
    assert.equal(r.status, 405);
    assert.ok(!existsSync(join(f.saves, 'out/head.png')));
    const g = await f.get('/is/image/a.png?req=saveToFile&name=head.png&fmt=png');
    assert.equal(properties(g.text).get('status'), 'done');
  });
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

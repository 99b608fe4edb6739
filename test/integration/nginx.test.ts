import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveConfig } from '../../src/config/options.ts';
import { startServer, type IsleServer } from '../../src/server/app.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { createServer as createHttpServer, get as httpGet } from 'node:http';
import { within } from '../../tools/launch.ts';
import { FIXTURES, get, PHOTOS } from '../helpers/server.ts';

/**
 * A GET from a given loopback address, so that nginx's client and Isle's proxy differ (node:http,
 * because undici's connector does not pass localAddress on).
 */
function getFrom(localAddress: string, url: string): Promise<{ status: number; text: string }> {
  const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
    httpGet(url, { localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
  return within(reply, 10_000, `GET ${url}`);
}

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Requests counted by an instance's own metrics. */
async function served(isle: IsleServer): Promise<number> {
  const text = await isle.context.metrics.registry.getSingleMetricAsString('isle_requests_total');
  return [...text.matchAll(/^isle_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * nginx in front of the instances, in `dir/nginx`, with a proxy cache; `location` is the body of
 * `location /is/`, `upstream` what follows each server's address. Resolves once it accepts.
 */
type Nginx = Awaited<ReturnType<typeof startNginx>>;

async function startNginx(dir: string, instances: IsleServer[], upstream: string, location: string) {
  const port = await freePort();
  const tmp = join(dir, 'nginx/tmp');
  writeFileSync(
    join(dir, 'nginx/nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;' : ''} daemon off; worker_processes 1; pid ${dir}/nginx/nginx.pid; error_log ${dir}/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fastcgi; uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  proxy_cache_path ${dir}/nginx/cache keys_zone=isle:10m;
  upstream isle { ${instances.map((i) => `server ${new URL(i.url).host}${upstream};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location /is/ { ${location} }
  }
}
`,
  );
  const nginx = spawn(NGINX!, ['-p', join(dir, 'nginx'), '-c', join(dir, 'nginx/nginx.conf')], { stdio: 'ignore' });
  const stop = async () => {
    nginx.kill('SIGTERM');
    await within(once(nginx, 'exit'), 10_000, 'nginx exiting').catch(() => nginx.kill('SIGKILL'));
  };
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => connect(port, '127.0.0.1').on('connect', function (this: { end(): void }) { this.end(); resolve(true); }).on('error', () => resolve(false)));
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base: `http://127.0.0.1:${port}`, stop };
}

test('two Isle instances behind nginx: spread, cached by nginx (one variant per Accept and DPR hint), saving into one shared folder', { skip: NGINX ? false : 'nginx is not installed (.ci/run installs it)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'isle-nginx-'));
  const instances: IsleServer[] = [];
  let nginx: Nginx | undefined;
  try {
    for (const d of ['images', 'catalogs', 'saves/out', 'nginx/cache', 'nginx/tmp']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'catalogs/default.ini'), 'SavePath=out\n');
    writeFileSync(join(dir, 'images/a.png'), await encodeImage(synth(300, 200, (x, y) => [x % 256, y % 256, 50, 255]), 'png'));
    writeFileSync(join(dir, 'images/b.jpg'), await encodeImage(synth(300, 200, (x, y) => [x % 256, y % 256, 50, 255]), 'jpeg'));
    // nginx reaches Isle from 127.0.0.1 (trusted); the client that may save is 127.0.0.2.
    const settings = {
      port: '0', workers: '1', root: join(dir, 'images'), catalogs: join(dir, 'catalogs'), 'save-dir': join(dir, 'saves'),
      'trusted-proxies': '127.0.0.1', 'save-allow': '127.0.0.2',
    };
    for (let i = 0; i < 2; i++) instances.push(await startServer(resolveConfig(settings, {})));
    nginx = await startNginx(
      dir,
      instances,
      '',
      'proxy_pass http://isle; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_cache isle; proxy_cache_key $request_uri; add_header X-Cache-Status $upstream_cache_status;',
    );
    const { base } = nginx;
    // Distinct URLs are spread over both instances (round robin).
    for (let w = 20; w < 30; w++) assert.equal((await get(`${base}/is/image/a.png?wid=${w}`)).status, 200);
    const [a, b] = [await served(instances[0]!), await served(instances[1]!)];
    assert.ok(a > 0 && b > 0, `both served: ${a} and ${b}`);
    // A repeat is served by nginx's cache, not by Isle.
    const first = await get(`${base}/is/image/a.png?wid=77`);
    const again = await get(`${base}/is/image/a.png?wid=77`);
    assert.equal(first.headers['x-cache-status'], 'MISS');
    assert.equal(again.headers['x-cache-status'], 'HIT');
    assert.deepEqual(again.body, first.body);
    const total = (await served(instances[0]!)) + (await served(instances[1]!));
    await get(`${base}/is/image/a.png?wid=77`);
    assert.equal((await served(instances[0]!)) + (await served(instances[1]!)), total, 'nginx answered alone');
    // Smart imaging through the cache: each browser gets its own format, and nginx, keeping one
    // variant per Accept (Vary), never hands one browser's variant to another.
    const browsers: [string, string][] = [
      ['image/avif,image/webp,image/apng,*/*;q=0.8', 'image/avif'],
      ['image/webp,*/*', 'image/webp'],
      ['image/png,image/*;q=0.8,*/*;q=0.5', 'image/jpeg'],
    ];
    for (const round of ['MISS', 'HIT']) {
      for (const [accept, type] of browsers) {
        const r = await get(`${base}/is/image/b.jpg?wid=60&fmt=auto`, { accept });
        assert.equal(r.headers['content-type'], type, `${accept}, ${round}`);
        assert.equal(r.headers['x-cache-status'], round, `${accept}: ${round}`);
        assert.match(r.headers.vary ?? '', /Accept/);
      }
    }
    for (const round of ['MISS', 'HIT']) {
      for (const [dpr, width] of [['1', 60], ['2', 120]] as const) {
        const r = await get(`${base}/is/image/a.png?wid=60&dpr=on&fmt=png`, { 'sec-ch-dpr': dpr });
        assert.equal(r.body.readUInt32BE(16), width, `DPR ${dpr}, ${round}`);
        assert.equal(r.headers['x-cache-status'], round, `DPR ${dpr}: ${round}`);
        assert.match(r.headers['accept-ch'] ?? '', /Sec-CH-DPR/);
      }
    }
    // Saves are not cacheable: each goes to an instance, and all land in the shared folder.
    for (let n = 0; n < 4; n++) {
      const r = await getFrom('127.0.0.2', `${base}/is/image/a.png?wid=40&req=saveToFile&name=via-${n}.jpg`);
      assert.equal(r.status, 200, r.text);
    }
    // Another client of the same nginx is refused: Isle sees its address, not the balancer's.
    const other = await getFrom('127.0.0.3', `${base}/is/image/a.png?wid=40&req=saveToFile&name=other.jpg`);
    assert.equal(other.status, 403, other.text);
    assert.deepEqual(readdirSync(join(dir, 'saves/out')).sort(), ['via-0.jpg', 'via-1.jpg', 'via-2.jpg', 'via-3.jpg']);
  } finally {
    await nginx?.stop();
    for (const i of instances) await i.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two instances that share nothing but an HTTP origin, behind nginx: spread, cached, one stopped', { skip: NGINX ? false : 'nginx is not installed (.ci/run installs it)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'isle-origin-'));
  const instances: IsleServer[] = [];
  let nginx: Nginx | undefined;
  let origin: ReturnType<typeof createHttpServer> | undefined;
  try {
    for (const d of ['a/catalogs', 'a/images', 'b/catalogs', 'b/images', 'nginx/cache', 'nginx/tmp']) mkdirSync(join(dir, d), { recursive: true });
    // A real photo (the corpus's 2725x2225 one, 0.8 MB; without the corpus the suite's own photo-sized
    // JPEG): a body of more than a few KB is not copied from Node's pool, so a source handed to a
    // worker without a copy was detached in the origin cache and failed from then on.
    const corpusPhoto = join(PHOTOS, '2569067123_aca715a2ee_o.jpg');
    const photo = readFileSync(existsSync(corpusPhoto) ? corpusPhoto : join(FIXTURES, 'photo-2725x2225.jpg'));
    // The origin: a plain HTTP server with ETags, as an object store's HTTP endpoint answers.
    let originRequests = 0;
    origin = createHttpServer((req, res) => {
      originRequests++;
      if (req.url !== '/bucket/photo.jpg') return res.writeHead(404).end();
      if (req.headers['if-none-match'] === '"p1"') return res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'image/jpeg', etag: '"p1"' }).end(photo);
    });
    await new Promise<void>((r) => origin!.listen(0, '127.0.0.1', r));
    const bucket = `http://127.0.0.1:${(origin.address() as { port: number }).port}/bucket/`;
    // A rule set makes the catalog live on the origin: shop/<id>?… becomes a layer of src=(<id>).
    const rules = '<ruleset><rule Name="origin"><expression>^shop/([^?]+)\\??</expression><substitution>shop?layer=0&amp;src=($1)&amp;</substitution></rule></ruleset>';
    for (const side of ['a', 'b']) {
      writeFileSync(join(dir, side, 'catalogs/shop.ini'), `RootId=shop\nRootUrl=${bucket}\nRuleSetFile=rules.xml\nDefaultPix=0,0\n`);
      writeFileSync(join(dir, side, 'catalogs/rules.xml'), rules);
      instances.push(await startServer(resolveConfig({ port: '0', workers: '1', root: join(dir, side, 'images'), catalogs: join(dir, side, 'catalogs'), 'save-dir': join(dir, side), 'origin-allow': '127.0.0.1/32' }, {})));
    }
    nginx = await startNginx(
      dir,
      instances,
      ' max_fails=1 fail_timeout=30s',
      'proxy_pass http://isle; proxy_cache isle; proxy_cache_key $request_uri; proxy_next_upstream error timeout http_503; add_header X-Cache-Status $upstream_cache_status;',
    );
    const { base } = nginx;
    for (let w = 20; w < 30; w++) {
      const r = await get(`${base}/is/image/shop/photo.jpg?wid=${w}&fmt=png`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.readUInt32BE(16), w);
    }
    const [a, b] = [await served(instances[0]!), await served(instances[1]!)];
    assert.ok(a > 0 && b > 0, `both served: ${a} and ${b}`);
    const fetched = instances.map((i) => i.context.origins.counts);
    assert.equal(fetched[0]!.fetched + fetched[1]!.fetched, 2, 'each instance downloaded the source once');
    assert.ok(fetched[0]!.revalidated + fetched[1]!.revalidated >= 8, 'and revalidated it after');
    const first = await get(`${base}/is/image/shop/photo.jpg?wid=77&fmt=png`);
    const again = await get(`${base}/is/image/shop/photo.jpg?wid=77&fmt=png`);
    assert.equal(again.headers['x-cache-status'], 'HIT');
    assert.deepEqual(again.body, first.body);
    // One instance stops: the other serves everything, from the same origin.
    await instances[0]!.close();
    for (let w = 40; w < 44; w++) assert.equal((await get(`${base}/is/image/shop/photo.jpg?wid=${w}&fmt=png`)).status, 200);
    assert.ok(originRequests >= 10);
  } finally {
    await nginx?.stop();
    for (const i of instances) await i.close().catch(() => undefined);
    origin?.closeAllConnections();
    await new Promise((r) => (origin ? origin.close(r) : r(undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nginx -t accepts the configuration of docs/scaling.md', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'isle-nginx-doc-'));
  const doc = spawnSync('sed', ['-n', '/^```nginx$/,/^```$/p', join(import.meta.dirname, '../../docs/scaling.md')], { encoding: 'utf8' }).stdout;
  const block = doc.split('\n').slice(1, -2).join('\n').replace('/var/cache/isle', join(dir, 'cache')).replace('listen 80;', 'listen 127.0.0.1:18089;');
  writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {} http { access_log off; ${block} }`);
  try {
    const r = spawnSync(NGINX!, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

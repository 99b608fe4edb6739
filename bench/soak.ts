import { PHOTOS } from '../tools/corpus.ts';
import './quiet.ts';
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { resolveConfig } from '../src/config/options.ts';
import { startServer } from '../src/server/app.ts';
import { fixtures } from '../tools/fixtures/generate.ts';
import { encodeImage } from '../tools/codecs.ts';
import { emptyChunks, iccpBomb, paddedJpeg } from './hostile.ts';
import { tiledTiff } from '../tools/tiled-tiff.ts';
import type { SoakClients, SoakRun } from './soak-clients.ts';

/**
 * npm run soak [-- --seconds 60 --connections 16 --workers 2 --no-attacks]: the server with default
 * settings (its folders aside, and loopback allowed as an origin so that foreign sources can be
 * attacked), loaded from another process (bench/soak-clients.ts) with the load test's mix, the
 * hardening issues' attacks, a normal client of its own address and a /healthz prober. Prints the
 * figures the hardening issue asks for, each with its verdict, and exits 1 when one fails.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '16' },
    workers: { type: 'string', default: '2' },
    'no-attacks': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const attacks = !values['no-attacks'];

const dir = mkdtempSync(join(tmpdir(), 'isle-soak-'));
for (const d of ['images', 'catalogs', 'saves/out']) mkdirSync(join(dir, d), { recursive: true });
const photos = await fixtures();
const pic = { data: new Uint8ClampedArray(800 * 600 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256)), width: 800, height: 600 };
writeFileSync(join(dir, 'images/pic.png'), await encodeImage(pic, 'png'));
// Noise does not compress: the slow readers' 12 MB reply.
let seed = 2463534242;
const random = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) & 255);
const noise = { data: new Uint8ClampedArray(2000 * 1500 * 4).map((_, i) => (i % 4 === 3 ? 255 : random())), width: 2000, height: 1500 };
writeFileSync(join(dir, 'images/noise.png'), await encodeImage(noise, 'png'));
writeFileSync(join(dir, 'images/iccp-bomb.png'), iccpBomb(1024 * 2 ** 20));
writeFileSync(join(dir, 'images/empty-chunks.png'), emptyChunks(2_000_000));
// The delivery API's original of a 40 MiB file of 64 pixels.
writeFileSync(join(dir, 'images/fat.jpg'), paddedJpeg(await encodeImage({ data: new Uint8ClampedArray(8 * 8 * 4).fill(200), width: 8, height: 8 }, 'jpeg'), 40 * 2 ** 20));

// Tiles that each claim the whole 48 MiB file (a window of 16 would read 768 MiB), and a 16 MiB static file.
writeFileSync(join(dir, 'images/claims.tif'), tiledTiff({ size: 4096, claim: 48 * 2 ** 20 }));
// 389,376 tiles of 16x16 pixels, all one (--max-request-work counts each tile's fixed cost).
writeFileSync(join(dir, 'images/tiny-tiles.tif'), tiledTiff({ size: 9984, tile: 16 }));
mkdirSync(join(dir, 'images/static'));
writeFileSync(join(dir, 'images/static/clip.mp4'), Buffer.alloc(16 * 2 ** 20, 7));

// The normal client's photos: the corpus's when it is there, else the sample photo.
const corpus = PHOTOS;
const corpusPhotos = existsSync(corpus) ? readdirSync(corpus).filter((f) => /\.jpe?g$/i.test(f)) : [];
const normalPhotos = corpusPhotos.length > 0 ? corpusPhotos.map((f) => `photos/${f}`) : ['samples/landscape.jpg'];

const clients = fork(new URL('./soak-clients.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
const originPort = await new Promise<number>((resolve) => clients.once('message', (m: { port: number }) => resolve(m.port)));
writeFileSync(join(dir, 'catalogs/default.ini'), 'SavePath=out\nMaxPix=2000,2000\nStaticContentRootPath=static\n');
writeFileSync(join(dir, 'catalogs/fixtures.ini'), `RootId=fixtures\nRootPath=${photos}\n`);
writeFileSync(join(dir, 'catalogs/photos.ini'), `RootId=photos\nRootPath=${corpus}\n`);
writeFileSync(join(dir, 'catalogs/samples.ini'), `RootId=samples\nRootPath=${new URL('../samples/images/', import.meta.url).pathname}\n`);
writeFileSync(join(dir, 'catalogs/foreign.ini'), `RootId=foreign\nRootUrl=http://127.0.0.1:${originPort}/\n`);
// Delivery API assets, and watermarks made expensive: a huge text, one that nests itself, colour runs.
const FAT = '0b6b5c4e-1f2a-4c3d-9e8f-7a6b5c4d3e2f';
const PIC = '1c7c6d5f-2a3b-4d4e-8f9a-8b7c6d5e4f3a';
writeFileSync(join(dir, 'catalogs/dm.ini'), 'RootId=dm\nCatalogFile=dm.txt\n');
writeFileSync(join(dir, 'catalogs/dm.txt'), `Id\tPath\tAssetId\nfat\tfat.jpg\t${FAT}\npic\tpic.png\t${PIC}\n`);
const runs = '\\cf1 a\\cf2 b'.repeat(1500);
const marks = {
  text: `layer=0&size=2000,2000&layer=1&text={\\fs200 ${'W'.repeat(19_000)}}`,
  self: 'src=is{marked-self/mark}',
  runs: `layer=0&size=3000,3000&layer=1&size=3000,3000&text={\\rtf1{\\colortbl;\\red255\\green0\\blue0;\\red0\\green0\\blue255;}\\fs20 ${runs}}&layer=comp&sizeN=0.5,0.5`,
};
for (const [name, modifier] of Object.entries(marks)) {
  writeFileSync(join(dir, `catalogs/marked-${name}.ini`), `RootId=marked-${name}\nCatalogFile=marked-${name}.txt\nWatermark=mark\n`);
  writeFileSync(join(dir, `catalogs/marked-${name}.txt`), `Id\tPath\tModifier\npic\tpic.png\t\nmark\t\t${modifier}\n`);
}

const isle = await startServer(
  resolveConfig(
    { port: '0', workers: values.workers, root: join(dir, 'images'), catalogs: join(dir, 'catalogs'), 'save-dir': join(dir, 'saves'), 'origin-allow': '127.0.0.0/8' },
    {},
  ),
);

const refs = '$v$'.repeat(33);
const e = encodeURIComponent;
/** The attacks of the hardening issue, one URL each; `{n}` is a counter, so a cache cannot answer them. */
const HOSTILE: SoakRun['hostile'] = [
  // Substitution again at each nesting level.
  { path: `/is/image/pic.png?$v=${e(refs)}&layer=1&src=${e(`is{?layer=1&src=is{?layer=1&src=is{?text=${refs}}}}`)}&wid=100&n={n}`, expect: [403] },
  // A text repeating a long variable.
  { path: `/is/image/pic.png?$v=${'y'.repeat(3000)}&layer=1&text=${e('$v$'.repeat(200))}&wid=100&n={n}`, expect: [403] },
  // A text long enough to make a huge plan.
  { path: `/is/image/pic.png?layer=1&size=1500,1500&text=${e(`{\\rtf1\\fs20 ${'lorem ipsum '.repeat(600)}}`)}&wid=100&n={n}`, expect: [200, 403] },
  // An embedded profile that inflates to 1 GiB.
  { path: '/is/image/iccp-bomb.png?wid=100&n={n}', expect: [403] },
  { path: '/is/image/iccp-bomb.png?req=imageprops&n={n}', expect: [403] },
  { path: '/is/image/iccp-bomb.png?wid=100&fmt=jpeg&iccEmbed=1&n={n}', expect: [403] },
  // Two million empty chunks before the image data.
  { path: '/is/image/empty-chunks.png?wid=100&n={n}', expect: [403] },
  // A TIFF whose tiles each claim the whole file (--max-read-bytes), and a 16 MiB static file (streamed).
  { path: '/is/image/claims.tif?rgn=0,0,1024,1024&wid=1024&hei=1024&n={n}', expect: [403] },
  { path: '/is/content/clip.mp4?n={n}', expect: [200] },
  { path: '/is/image/tiny-tiles.tif?wid=200&n={n}', expect: [403] },
  // Forty layers of 8 MiB foreign sources, each a distinct URL.
  { path: `/is/image/foreign?layer=0&color=ffffff&size=400,400&${Array.from({ length: 40 }, (_, i) => `layer=${i + 1}&src=${e(`(big.jpg?i={n}-${i})`)}`).join('&')}&wid=100`, expect: [403] },
  // Ten effects with a wide grow on a large layer.
  { path: `/is/image/pic.png?layer=1&size=2000,2000&color=ff0000${'&effect=-1&op_grow=100'.repeat(10)}&wid=100&n={n}`, expect: [200, 403] },
  // A save asking for a day of a worker.
  { path: '/is/image/pic.png?req=saveToFile&name=slow-{n}.jpg&timeout=86400000&wid=1800&op_blur=100', expect: [200, 403] },
  // The delivery API: a 40 MiB original (streamed), its metadata, the experimental modifiers at their extremes, odd paths.
  // It ignores names it does not know, so {n} does not get past the render cache: the first of each is the attack.
  { path: `/adobe/assets/urn:aaid:aem:${FAT}/original/as/fat.jpg?n={n}`, expect: [200] },
  { path: `/adobe/assets/urn:aaid:aem:${FAT}/metadata?n={n}`, expect: [200] },
  { path: `/adobe/experimental/advancemodifiers-expires-20991231/assets/urn:aaid:aem:${PIC}/as/x.jpg?width=2000&dpr=10&blur=100&sharpen=true&n={n}`, expect: [200, 403] },
  { path: `/adobe/experimental/advancemodifiers-expires-20991231/assets/urn:aaid:aem:${PIC}/as/x.png?crop=0.01p,0.01p,0.01p,0.01p&size=2000,2000&rotate=90&flip=hv&n={n}`, expect: [200, 403] },
  { path: `/adobe/assets/urn:aaid:aem:${PIC}/as/x.jpg?${Array.from({ length: 400 }, (_, i) => `p${i}=${'9'.repeat(9)}`).join('&')}&width=999999999&n={n}`, expect: [400] },
  { path: `/adobe/assets/urn:aaid:aem:${PIC}/as/..%2F..%2Fetc%2Fpasswd.jpg?n={n}`, expect: [200, 400] },
  { path: '/adobe/assets/..%2F..%2Fetc%2Fpasswd/as/x.jpg?n={n}', expect: [404] },
  // Watermark records made expensive: 19000 glyphs at 200 px, one that nests itself, 3000 colour runs on a 3000x3000 layer.
  { path: '/is/image/marked-text/pic?wid=100&n={n}', expect: [403] },
  { path: '/is/image/marked-self/pic?wid=100&n={n}', expect: [403] },
  { path: '/is/image/marked-runs/pic?wid=100&n={n}', expect: [200, 403] },
  // A text of 3000 colour runs on a 3000x3000 layer, through a variable.
  { path: `/is/image/pic.png?$t=${e('\\cf1 a\\cf2 b'.repeat(150))}&layer=1&size=3000,3000&text=${e(`{\\rtf1{\\colortbl;\\red255\\green0\\blue0;\\red0\\green0\\blue255;}\\fs20 ${'$t$'.repeat(20)}}`)}&wid=100&n={n}`, expect: [200, 403] },
  // 19000 bold glyphs of many curves, through a variable: two million outline points (--max-text-points).
  { path: `/is/image/pic.png?$t=${e('@'.repeat(1900))}&layer=1&size=3000,3000&text=${e(`{\\b\\fs70 ${'$t$'.repeat(10)}}`)}&wid=100&n={n}`, expect: [403] },
  // autoRes lays 1500 characters out for each size it tries (max-glyphs charges every pass).
  { path: `/is/image/pic.png?$t=${e('W '.repeat(150))}&layer=1&size=3000,3000&text=${e(`{\\fs20 ${'$t$'.repeat(5)}}`)}&textAttr=72,norm,autoRes,wrap&wid=100&n={n}`, expect: [403] },
  // A script in the javascript reply format.
  { path: `/is/image/pic.png?req=props,javascript&icc=${e("x\\';globalThis.pwned=1;//")}&n={n}`, expect: [200, 403] },
];

console.log(`Soak: ${seconds} s, ${values.connections} connections, ${values.workers} workers${attacks ? ', with attacks' : ''}; clients in process ${clients.pid}`);
const startupRss = process.memoryUsage().rss;
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let peakRss = startupRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const run: SoakRun = { baseUrl: isle.url, seconds, connections: Number(values.connections), photos: normalPhotos, hostile: HOSTILE, attacks };
clients.send(run);
const result = await new Promise<SoakClients>((resolve) => clients.on('message', (m: { type: string; result: SoakClients }) => m.type === 'result' && resolve(m.result)));
loop.disable();
clearInterval(sampler);
const alive = (await request(`${isle.url}/healthz`)).statusCode === 200;
// Idle: workers that rendered are replaced after 2 s (--idle-recycle), so memory should come back.
await new Promise((r) => setTimeout(r, 15_000));
globalThis.gc?.();
const idleRss = process.memoryUsage().rss;
const metrics = await (await request(`${isle.url}/metrics`)).body.text();
const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
const cached = gauge('isle_render_cache_bytes') + gauge('isle_source_cache_bytes') + gauge('isle_origin_cache_bytes');
const refusals = [...metrics.matchAll(/^isle_account_refusals_total\{limit="([^"]+)"\} (\S+)$/gm)].filter((m) => m[2] !== '0').map((m) => `${m[1]} ${m[2]}`);
await isle.close();
rmSync(dir, { recursive: true, force: true });

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const { mix, hostile, normal, health } = result;
const total = Object.values(mix.counts).reduce((a, b) => a + b, 0);
console.log(`mix: ${total} requests (${(total / seconds).toFixed(1)}/s), by status ${JSON.stringify(mix.counts)}; saves answered 200: ${mix.saved.length}`);
console.log(`hostile URLs: ${hostile.sent} sent, by status ${JSON.stringify(hostile.counts)}; account refusals: ${refusals.join(', ') || 'none'}`);
if (result.attacks) {
  console.log(`slow readers: ${result.attacks.slowReaders.opened} connections that never read, by first status ${JSON.stringify(result.attacks.slowReaders.counts)}`);
  console.log(`pipelined floods: ${result.attacks.pipelined.batches} batches of 50, replies by status ${JSON.stringify(result.attacks.pipelined.counts)}`);
}
const ok200 = (normal.counts['200'] ?? 0) / Math.max(1, normal.latencies.length);
const p = (q: number) => normal.latencies[Math.min(normal.latencies.length - 1, Math.floor(q * normal.latencies.length))] ?? Infinity;
const unexpected = [...mix.unexpected, ...hostile.unexpected, ...(result.attacks?.unexpected ?? [])];
const loopMax = loop.max / 1e6;
const verdicts: [string, boolean][] = [
  [`only 200, 304, 403 and 503: ${unexpected.length} other replies${unexpected.length ? ` (${[...new Set(unexpected)].slice(0, 5).join('; ')})` : ''}`, unexpected.length === 0],
  [`normal client (127.0.0.2, 4/s, wid=400 of the ${normal.photos} photos of ${normalPhotos.length} that render): ${normal.latencies.length} requests, ${(ok200 * 100).toFixed(1)}% 200 (${JSON.stringify(normal.counts)}), p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms`, ok200 >= 0.95 && p(0.99) < 1000],
  [`/healthz: ${health.probes} probes, ${health.failed} failed, slowest ${health.worstMs.toFixed(0)} ms`, health.failed === 0 && health.worstMs < 1000],
  [`event loop delay: max ${loopMax.toFixed(0)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms`, loopMax < 100],
  [`peak RSS ${mib(peakRss)} (after start-up ${mib(startupRss)})`, peakRss < 2 ** 30],
  [`RSS 15 s after the load ${mib(idleRss)}; start-up + caches (${mib(cached)}) + 150 MiB = ${mib(startupRss + cached + 150 * 2 ** 20)}`, idleRss <= startupRss + cached + 150 * 2 ** 20],
  [`process alive after the load, worker restarts ${isle.context.pool.restarts}`, alive],
];
for (const [line, pass] of verdicts) console.log(`${pass ? 'PASS' : 'FAIL'}  ${line}`);
process.exitCode = verdicts.every(([, pass]) => pass) ? 0 : 1;

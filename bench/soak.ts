import './quiet.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/config/options.ts';
import { startServer } from '../src/server/app.ts';
import { fixtures } from '../test/fixtures/generate.ts';
import { encodeImage } from '../test/helpers/pixels.ts';
import { runMix } from './load.ts';
import { startAttacks } from './attacks.ts';

/**
 * npm run soak [-- --seconds 300 --connections 16 --workers 2 --no-attacks]: the load test's mix for
 * as long as asked, beside the attacks of the hardening issue (clients that never read their reply,
 * pipelined floods) and one normal client whose latency is measured; prints throughput, status
 * counts, the normal client's percentiles and the RSS curve. Default settings otherwise.
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

const dir = mkdtempSync(join(tmpdir(), 'isle-soak-'));
for (const d of ['images', 'catalogs', 'saves/out']) mkdirSync(join(dir, d), { recursive: true });
const photos = await fixtures();
writeFileSync(join(dir, 'catalogs/default.ini'), 'SavePath=out\nMaxPix=2000,2000\n');
writeFileSync(join(dir, 'catalogs/fixtures.ini'), `RootId=fixtures\nRootPath=${photos}\n`);
const pic = { data: new Uint8ClampedArray(800 * 600 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256)), width: 800, height: 600 };
writeFileSync(join(dir, 'images/pic.png'), await encodeImage(pic, 'png'));
// Noise does not compress: the slow readers' 12 MB reply.
let seed = 2463534242;
const random = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) & 255);
const noise = { data: new Uint8ClampedArray(2000 * 1500 * 4).map((_, i) => (i % 4 === 3 ? 255 : random())), width: 2000, height: 1500 };
writeFileSync(join(dir, 'images/noise.png'), await encodeImage(noise, 'png'));

const isle = await startServer(
  // The render cache is off, so the soak's figures stay comparable with the runs before it existed.
  resolveConfig({ port: '0', workers: values.workers, root: join(dir, 'images'), catalogs: join(dir, 'catalogs'), 'save-dir': join(dir, 'saves'), 'render-cache': '0' }, {}),
);
console.log(`Soak: ${seconds} s, ${values.connections} connections, ${values.workers} workers${values['no-attacks'] ? '' : ', with attacks'}`);
const startupRss = process.memoryUsage().rss;
const attacks = values['no-attacks'] ? undefined : startAttacks(isle.url, seconds);
const result = await runMix(isle.url, seconds, Number(values.connections), 1000);
const attacked = await attacks;
// Idle: workers that rendered are replaced after 2 s (--idle-recycle), so memory should come back.
await new Promise((r) => setTimeout(r, 4000));
globalThis.gc?.();
const idleRss = process.memoryUsage().rss;
await isle.close();
rmSync(dir, { recursive: true, force: true });

const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
console.log(`requests: ${total} (${(total / seconds).toFixed(1)}/s); by status: ${JSON.stringify(result.counts)}`);
console.log(`unexpected replies: ${result.unexpected.length}; saves answered 200: ${result.saved.length}; worker restarts: ${isle.context.pool.restarts}`);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
console.log(`peak RSS: ${mib(result.peakRss)}; after start-up ${mib(startupRss)}; idle 4 s after the run ${mib(idleRss)} (${idleRss - startupRss >= 0 ? '+' : ''}${mib(idleRss - startupRss)})`);
if (attacked) {
  const { normal, slowReaders, pipelined } = attacked;
  const pct = (p: number) => normal.latencies[Math.min(normal.latencies.length - 1, Math.floor(p * normal.latencies.length))]?.toFixed(0);
  console.log(`normal client: ${normal.latencies.length} requests, by status ${JSON.stringify(normal.counts)}; p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  console.log(`slow readers: ${slowReaders.opened} connections that never read, by first status ${JSON.stringify(slowReaders.counts)}`);
  console.log(`pipelined floods: ${pipelined.batches} batches of 50, replies by status ${JSON.stringify(pipelined.counts)}`);
  if (attacked.unexpected.length > 0) result.unexpected.push(...attacked.unexpected);
}
console.log('RSS curve (s, MiB):');
const step = Math.max(1, Math.floor(result.rssCurve.length / 20));
for (let i = 0; i < result.rssCurve.length; i += step) {
  const [s, rss] = result.rssCurve[i]!;
  console.log(`  ${s.toFixed(0).padStart(5)}  ${(rss / 2 ** 20).toFixed(0).padStart(6)}  ${'#'.repeat(Math.round(rss / 2 ** 20 / 20))}`);
}
process.exitCode = result.unexpected.length === 0 ? 0 : 1;

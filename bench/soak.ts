import './quiet.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/config/options.ts';
import { startServer } from '../src/server/app.ts';
import { encodeImage } from '../test/helpers/pixels.ts';
import { runMix } from './load.ts';

/**
 * npm run soak [-- --seconds 300 --connections 16 --workers 2]: the load test's mix for as long as
 * asked; prints throughput, status counts and the RSS curve.
 */
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '120' }, connections: { type: 'string', default: '16' }, workers: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);

const dir = mkdtempSync(join(tmpdir(), 'isle-soak-'));
for (const d of ['images', 'catalogs', 'saves/out']) mkdirSync(join(dir, d), { recursive: true });
const photos = fileURLToPath(new URL('../../shared/corpus/photos/', import.meta.url));
writeFileSync(join(dir, 'catalogs/default.ini'), 'SavePath=out\nMaxPix=2000,2000\n');
writeFileSync(join(dir, 'catalogs/photos.ini'), `RootId=photos\nRootPath=${photos}\n`);
const pic = { data: new Uint8ClampedArray(800 * 600 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256)), width: 800, height: 600 };
writeFileSync(join(dir, 'images/pic.png'), await encodeImage(pic, 'png'));

const isle = await startServer(
  resolveConfig({ port: '0', workers: values.workers, root: join(dir, 'images'), catalogs: join(dir, 'catalogs'), 'save-dir': join(dir, 'saves') }, {}),
);
console.log(`Soak: ${seconds} s, ${values.connections} connections, ${values.workers} workers`);
const result = await runMix(isle.url, seconds, Number(values.connections), 1000);
await isle.close();
rmSync(dir, { recursive: true, force: true });

const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
console.log(`requests: ${total} (${(total / seconds).toFixed(1)}/s); by status: ${JSON.stringify(result.counts)}`);
console.log(`unexpected replies: ${result.unexpected.length}; saves answered 200: ${result.saved.length}; worker restarts: ${isle.context.pool.restarts}`);
console.log(`peak RSS: ${(result.peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log('RSS curve (s, MiB):');
const step = Math.max(1, Math.floor(result.rssCurve.length / 20));
for (let i = 0; i < result.rssCurve.length; i += step) {
  const [s, rss] = result.rssCurve[i]!;
  console.log(`  ${s.toFixed(0).padStart(5)}  ${(rss / 2 ** 20).toFixed(0).padStart(6)}  ${'#'.repeat(Math.round(rss / 2 ** 20 / 20))}`);
}
process.exitCode = result.unexpected.length === 0 ? 0 : 1;

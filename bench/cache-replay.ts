import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { resolveConfig } from '../src/config/options.ts';
import { compileModules } from '../src/image/modules.ts';
import { encodeJpeg, initCodecs } from '../src/image/wasm-codecs.ts';
import { startServer } from '../src/server/app.ts';

/**
 * The render cache's replay: a Zipf-distributed mix (s = 1) over 200 URLs of 20 sources (1600x1200
 * JPEGs made here, 10 widths each), the same sequence of requests from 4 connections to 2 workers,
 * with the cache on and off. Requests per second of each, and their ratio.
 */
export interface ReplayRow {
  cache: string;
  requests: number;
  requestsPerSecond: number;
  hits: number;
}

const WIDTHS = [100, 160, 200, 240, 320, 400, 480, 640, 800, 1000];

/** A deterministic generator (mulberry32), so both replays send the same requests. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfSequence(urls: string[], count: number): string[] {
  const weights = urls.map((_, rank) => 1 / (rank + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const next = random(42);
  return Array.from({ length: count }, () => {
    let r = next() * total;
    for (let i = 0; i < urls.length; i++) if ((r -= weights[i]!) <= 0) return urls[i]!;
    return urls.at(-1)!;
  });
}

export async function benchCacheReplay(count: number): Promise<ReplayRow[]> {
  await initCodecs(compileModules());
  const root = mkdtempSync(join(tmpdir(), 'isle-bench-replay-'));
  try {
    for (let s = 0; s < 20; s++) {
      const width = 1600;
      const height = 1200;
      const data = new Uint8ClampedArray(width * height * 4);
      for (let i = 0; i < width * height; i++) {
        const x = i % width;
        const y = (i / width) | 0;
        data.set([(x * (s + 3)) & 255, (y * 7 + s * 40) & 255, ((x ^ y) + s) & 255, 255], i * 4);
      }
      writeFileSync(join(root, `s${s}.jpg`), new Uint8Array(await encodeJpeg({ data, width, height }, { quality: 85, fullChroma: false, gray: false })));
    }
    writeFileSync(join(root, 'default.ini'), 'MaxPix=0,0\n');
    // Ranks shuffled once, so the popular URLs are spread over the sources.
    const urls = WIDTHS.flatMap((w) => Array.from({ length: 20 }, (_, s) => `/is/image/s${s}.jpg?wid=${w}&fmt=jpeg&qlt=80`));
    const order = random(7);
    urls.sort(() => order() - 0.5);
    const sequence = zipfSequence(urls, count);
    const rows: ReplayRow[] = [];
    for (const cache of ['64', '0']) {
      // One address standing for many clients: not held to --max-client-renders.
      const isle = await startServer(resolveConfig({ port: '0', workers: '2', root, catalogs: root, 'render-cache': cache, 'max-client-renders': '2' }, {}));
      const dispatcher = new Agent({ connections: 4 });
      try {
        let next = 0;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < sequence.length) {
              const url = sequence[next++]!;
              const res = await request(`${isle.url}${url}`, { dispatcher });
              await res.body.arrayBuffer();
              if (res.statusCode !== 200) throw new Error(`status ${res.statusCode} for ${url}`);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        rows.push({ cache: cache === '0' ? 'off' : `${cache} MiB`, requests: count, requestsPerSecond: +(count / seconds).toFixed(1), hits: isle.context.cache.counts.hits });
      } finally {
        await dispatcher.close();
        await isle.close();
      }
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

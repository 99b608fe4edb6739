import { Agent, request } from 'undici';
import { resolveConfig } from '../src/config/options.ts';
import { startServer } from '../src/server/app.ts';
import { median, percentile } from './stats.ts';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STANDARD_PHOTO } from './encode.ts';

export const STANDARD_QUERY = 'wid=720&hei=588&fit=stretch&fmt=jpeg&qlt=80';

export interface ServerRow {
  workers: number;
  connections: number;
  requests: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * The standard task over real HTTP: the 2725x2225 photo resized to 720x588, JPEG q80. Each round
 * sends `perRound` requests from `connections` concurrent loops; the rate is the median round.
 */
export async function benchServer(workers: number, connections: number, rounds: number, perRound: number): Promise<ServerRow> {
  const catalogs = mkdtempSync(join(tmpdir(), 'isle-bench-'));
  writeFileSync(join(catalogs, 'default.ini'), `RootId=\nMaxPix=0,0\n`);
  const config = resolveConfig({ port: '0', workers: String(workers), root: fileURLToPath(new URL('.', STANDARD_PHOTO)), catalogs }, {});
  const isle = await startServer(config);
  const dispatcher = new Agent({ connections });
  const url = `${isle.url}/is/image/2569067123_aca715a2ee_o.jpg?${STANDARD_QUERY}`;
  const latencies: number[] = [];
  const one = async () => {
    const t = performance.now();
    const res = await request(url, { dispatcher });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    latencies.push(performance.now() - t);
  };
  const round = async () => {
    let left = perRound;
    const t = performance.now();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (left-- > 0) await one();
    }));
    return perRound / ((performance.now() - t) / 1000);
  };
  try {
    await round(); // warm-up
    latencies.length = 0;
    const rates: number[] = [];
    for (let i = 0; i < rounds; i++) rates.push(await round());
    return {
      workers,
      connections,
      requests: rounds * perRound,
      opsPerSecond: +median(rates).toFixed(2),
      p50Ms: +percentile(latencies, 50).toFixed(1),
      p99Ms: +percentile(latencies, 99).toFixed(1),
    };
  } finally {
    await dispatcher.close();
    await isle.close();
  }
}

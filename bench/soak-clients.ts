import './quiet.ts';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Agent, request } from 'undici';
import { startAttacks, type AttackResult } from './attacks.ts';
import { runMix, type LoadResult } from '../tools/load-mix.ts';

/**
 * The soak's clients, in a process of their own so that the server's event loop, RSS and CPU are
 * the server's alone: a loopback origin for foreign sources, the load test's mix, the hardening
 * issues' attacks, one normal client from its own address (127.0.0.2) and a /healthz prober
 * (127.0.0.3). Talks to bench/soak.ts over IPC: it sends `origin` first, then `result`.
 */
export interface SoakRun {
  baseUrl: string;
  seconds: number;
  connections: number;
  /** The normal client's photos, as paths under /is/image/. */
  photos: string[];
  /** The attacks' URLs, each with the statuses it may get (503 with Retry-After is always allowed). */
  hostile: { path: string; expect: number[] }[];
  attacks: boolean;
}

export interface SoakClients {
  mix: LoadResult;
  attacks?: AttackResult;
  hostile: { sent: number; counts: Record<string, number>; unexpected: string[] };
  normal: { photos: number; counts: Record<string, number>; latencies: number[] };
  health: { probes: number; worstMs: number; failed: number };
}

// The body of every foreign source: a real JPEG padded to 8 MiB (decoders stop at its end).
const ORIGIN_BODY = Buffer.concat([readFileSync(new URL('../samples/images/landscape.jpg', import.meta.url)), Buffer.alloc(8 * 2 ** 20)]);
const origin = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': ORIGIN_BODY.length, 'cache-control': 'max-age=60' });
  res.end(ORIGIN_BODY);
});
await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
process.send!({ type: 'origin', port: (origin.address() as { port: number }).port });

const run = await new Promise<SoakRun>((resolve) => process.once('message', (m) => resolve(m as SoakRun)));
// The corpus holds photos Isle refuses on purpose (damaged, over the limits): the normal client asks
// only for those that render before the load starts.
const photos: string[] = [];
for (const photo of run.photos) {
  const res = await request(`${run.baseUrl}/is/image/${photo}?wid=400`);
  await res.body.arrayBuffer();
  if (res.statusCode === 200) photos.push(photo);
}
const end = Date.now() + run.seconds * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client of its own address: the per-client limits see it apart from the attackers. */
const from = (address: string) => new Agent({ connections: 4, localAddress: address });

async function normalClient(): Promise<SoakClients['normal']> {
  const dispatcher = from('127.0.0.2');
  const result: SoakClients['normal'] = { photos: photos.length, counts: {}, latencies: [] };
  const inFlight: Promise<void>[] = [];
  // Four a second whatever the replies take (an open loop), each a render the cache has not seen.
  for (let i = 0; Date.now() < end; i++) {
    const photo = photos[i % photos.length]!;
    const started = performance.now();
    inFlight.push(
      request(`${run.baseUrl}/is/image/${photo}?wid=400&qlt=${10 + (((i / photos.length) | 0) % 90)}`, { dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000 })
        .then(async (res) => {
          await res.body.arrayBuffer();
          result.counts[res.statusCode] = (result.counts[res.statusCode] ?? 0) + 1;
        })
        .catch(() => {
          result.counts.error = (result.counts.error ?? 0) + 1;
        })
        .finally(() => result.latencies.push(performance.now() - started)),
    );
    await sleep(250);
  }
  await Promise.all(inFlight);
  await dispatcher.close();
  result.latencies.sort((a, b) => a - b);
  return result;
}

async function healthProbe(): Promise<SoakClients['health']> {
  const dispatcher = from('127.0.0.3');
  const result = { probes: 0, worstMs: 0, failed: 0 };
  while (Date.now() < end) {
    const started = performance.now();
    try {
      const res = await request(`${run.baseUrl}/healthz`, { dispatcher, headersTimeout: 10_000 });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) result.failed++;
    } catch {
      result.failed++;
    }
    result.probes++;
    result.worstMs = Math.max(result.worstMs, performance.now() - started);
    await sleep(200);
  }
  await dispatcher.close();
  return result;
}

/** Three attackers going round the hostile URLs as fast as they are answered. */
async function hostile(): Promise<SoakClients['hostile']> {
  const result: SoakClients['hostile'] = { sent: 0, counts: {}, unexpected: [] };
  if (!run.attacks) return result;
  const dispatcher = new Agent({ connections: 3 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (Date.now() < end) {
        const { path, expect } = run.hostile[next++ % run.hostile.length]!;
        result.sent++;
        try {
          const res = await request(run.baseUrl + path.replace('{n}', String(next)), { dispatcher, headersTimeout: 60_000, bodyTimeout: 60_000 });
          await res.body.arrayBuffer();
          result.counts[res.statusCode] = (result.counts[res.statusCode] ?? 0) + 1;
          const overloaded = res.statusCode === 503 && res.headers['retry-after'] !== undefined;
          if (!expect.includes(res.statusCode) && !overloaded) result.unexpected.push(`${res.statusCode} for ${path.slice(0, 160)}`);
        } catch (err) {
          result.unexpected.push(`${(err as Error).message} for ${path.slice(0, 160)}`);
        }
      }
    }),
  );
  await dispatcher.close();
  return result;
}

const [mix, attacks, hostileResult, normal, health] = await Promise.all([
  runMix(run.baseUrl, run.seconds, run.connections, 1000),
  run.attacks ? startAttacks(run.baseUrl, run.seconds) : undefined,
  hostile(),
  normalClient(),
  healthProbe(),
]);
const result: SoakClients = { mix, attacks, hostile: hostileResult, normal, health };
process.send!({ type: 'result', result }, () => {
  origin.close();
  origin.closeAllConnections();
  process.exit(0);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { PHOTOS } from '../tools/corpus.ts';
import { launchIsle, type Launched } from '../tools/launch.ts';
import { JOBS } from './matrix.ts';
import { median } from './stats.ts';

/**
 * Throughput with all workers (performance round three, target 3): `isle serve` with two workers
 * against one, each its own process so that its peak RSS is its own (VmHWM from /proc), the render
 * cache off. Twice as many connections as workers keep every worker busy. Two loads: the standard
 * job alone, and the matrix's jobs in turn. The servers run side by side, their rounds in turn.
 */
export interface ThroughputRow {
  load: string;
  oneWorker: number;
  twoWorkers: number;
  ratio: number;
  /** MiB, each server's peak over its whole run. */
  peakRssOne: number;
  peakRssTwo: number;
}

const peakRss = (pid: number) => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);

interface Loaded {
  server: Launched;
  dispatcher: Agent;
  connections: number;
}

/** `count` requests over the server's connections, the paths taken in turn; requests per second. */
async function round(load: Loaded, paths: string[], count: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: load.connections }, async () => {
      for (let i = next++; i < count; i = next++) {
        const res = await request(`${load.server.base}${paths[i % paths.length]}`, { dispatcher: load.dispatcher });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) throw new Error(`${res.statusCode} for ${paths[i % paths.length]}`);
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

export async function benchWorkers(rounds: number, perConnection: number): Promise<ThroughputRow[]> {
  const catalogs = mkdtempSync(join(tmpdir(), 'isle-workers-'));
  writeFileSync(join(catalogs, 'default.ini'), 'RootId=\nMaxPix=0,0\n');
  const standard = JOBS.find((j) => j.name === 'standard')!;
  const loads = [
    { load: 'standard job', paths: [`/is/image/${standard.source}?${standard.query}`] },
    { load: 'the matrix jobs in turn', paths: JOBS.map((j) => `/is/image/${j.source}?${j.query}`) },
  ];
  const rows: ThroughputRow[] = [];
  try {
    for (const { load, paths } of loads) {
      const open: Loaded[] = [];
      try {
        for (const workers of [1, 2]) {
          const args = ['--workers', String(workers), '--render-cache', '0', '--idle-recycle', '0', '--max-client-renders', String(workers), '--root', PHOTOS, '--catalogs', catalogs];
          open.push({ server: await launchIsle(args), dispatcher: new Agent({ connections: 2 * workers }), connections: 2 * workers });
        }
        // A round of the mix takes each job at least once per connection.
        const size = (l: Loaded) => Math.max(perConnection, paths.length) * l.connections;
        for (const l of open) await round(l, paths, size(l));
        const rates = open.map(() => [] as number[]);
        for (let i = 0; i < rounds; i++) for (const [k, l] of open.entries()) rates[k]!.push(await round(l, paths, size(l)));
        const [one, two] = rates.map((r) => +median(r).toFixed(2));
        rows.push({ load, oneWorker: one!, twoWorkers: two!, ratio: +(two! / one!).toFixed(2), peakRssOne: peakRss(open[0]!.server.child.pid!), peakRssTwo: peakRss(open[1]!.server.child.pid!) });
      } finally {
        for (const l of open) {
          await l.dispatcher.close();
          await l.server.stop();
        }
      }
    }
    return rows;
  } finally {
    rmSync(catalogs, { recursive: true, force: true });
  }
}

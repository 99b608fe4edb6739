import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { benchEncode } from './encode.ts';
import { benchServer, STANDARD_QUERY } from './server.ts';

/**
 * npm run bench [-- --quick]: encode throughput and the server's rate on the standard task.
 * Prints tables and writes bench/results/<timestamp>.json. Figures are medians of several rounds.
 */
process.env.ISLE_LOG_LEVEL ??= 'silent';
const quick = process.argv.includes('--quick');
const rounds = quick ? 3 : 7;

const machine = { node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' };
console.log(`Isle bench${quick ? ' (quick)' : ''}: ${machine.cpu}, ${machine.cpus} CPUs, Node ${machine.node}\n`);

const encode = await benchEncode(quick ? [[1000, 750]] : [[500, 500], [1000, 1000], [2000, 1500]], rounds);
console.log('Encode throughput (the worker\'s codec code, one thread, JPEG q80 baseline / PNG):');
console.table(encode.map((r) => ({ format: r.format, size: `${r.width}x${r.height}`, 'ms (median)': r.medianMs, 'MP/s': r.mpPerSecond, bytes: r.bytes })));

const server = [];
for (const [workers, connections] of [[1, 1], [2, 4]] as const) {
  server.push(await benchServer(workers, connections, rounds, quick ? 6 : 12));
}
console.log(`Standard task over HTTP (2725x2225 JPEG -> ${STANDARD_QUERY}):`);
console.table(server.map((r) => ({ workers: r.workers, connections: r.connections, 'req/s (median)': r.opsPerSecond, 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms })));
const scaling = server[1]!.opsPerSecond / server[0]!.opsPerSecond;
console.log(`Scaling, 2 workers / 1 worker: ${scaling.toFixed(2)}x`);

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
const file = new URL(`results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, quick, rounds, encode, server, scaling }, null, 2));
console.log(`\nWrote ${file.pathname}`);

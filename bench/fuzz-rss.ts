import { PHOTOS } from '../tools/corpus.ts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { launchIsle } from '../tools/launch.ts';

/**
 * npm run fuzz-rss [-- --files 1500]: the server as its own process (the built CLI, default
 * settings, two workers), fed mutated copies of a corpus photo: random bytes changed, SOF sizes
 * enlarged, files cut. Prints the statuses and the server's own RSS (from /proc) just after start-up,
 * at its peak and 4 s idle after the run, when the workers have been recycled (--idle-recycle).
 * Twice: under plain `node`, and with the glibc setting that `npm start` uses (see docs/deployment.md,
 * "Memory"), since most of what stays resident otherwise is the allocator's, not Isle's.
 */
const { values } = parseArgs({ options: { files: { type: 'string', default: '1500' } } });
const files = Number(values.files);
const source = readFileSync(join(PHOTOS, 'Landscape_2.jpg'));
let seed = 12345;
const random = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0), seed % n);

function mutate(i: number): Uint8Array {
  const bytes = Uint8Array.from(source);
  if (i % 3 === 0) {
    // A frame far larger than its data.
    const sof = bytes.findIndex((b, k) => b === 0xff && (bytes[k + 1] === 0xc0 || bytes[k + 1] === 0xc2));
    bytes.set([0x27, 0x10, 0x27, 0x10], sof + 5);
  } else if (i % 3 === 1) {
    for (let n = 0; n < 20; n++) bytes[random(bytes.length - 2) + 2] = random(256);
  } else {
    return Buffer.concat([bytes.subarray(0, random(bytes.length)), Buffer.from([0xff, 0xd9])]);
  }
  return bytes;
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

const dir = mkdtempSync(join(tmpdir(), 'isle-fuzz-rss-'));
const running = { stop: async () => {} };

async function run(label: string, env: Record<string, string>): Promise<void> {
  const isle = await launchIsle(['--root', join(dir, 'images'), '--catalogs', join(dir, 'catalogs'), '--save-dir', join(dir, 'saves'), '--workers', '2'], env);
  running.stop = isle.stop;
  const pid = isle.child.pid!;
  await new Promise((r) => setTimeout(r, 1000));
  const startup = rssOf(pid);
  let peak = startup;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 100);
  const counts: Record<string, number> = {};
  const dispatcher = new Agent({ connections: 4 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next++; i < files; i = next++) {
        const res = await request(`${isle.base}/is/image/f${i}.jpg?wid=${200 + (i % 800)}`, { dispatcher });
        await res.body.dump();
        counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1;
      }
    }),
  );
  await dispatcher.close();
  await new Promise((r) => setTimeout(r, 4000));
  clearInterval(sampler);
  const idle = rssOf(pid);
  const metrics = await (await request(`${isle.base}/metrics`)).body.text();
  const restarts = [...metrics.matchAll(/^isle_worker_restarts_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  await isle.stop();
  console.log(`${label}: ${files} mutated JPEGs, by status ${JSON.stringify(counts)}; worker restarts ${restarts}`);
  console.log(`  server RSS: after start-up ${mib(startup)}, peak ${mib(peak)}, idle 4 s after ${mib(idle)} (${idle >= startup ? '+' : ''}${mib(idle - startup)})`);
}

try {
  for (const d of ['images', 'catalogs', 'saves']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'catalogs/default.ini'), 'MaxPix=2000,2000\n');
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'images', `f${i}.jpg`), mutate(i));
  await run('plain node', {});
  await run('as npm start runs it (MALLOC_TRIM_THRESHOLD_=131072)', { MALLOC_TRIM_THRESHOLD_: '131072' });
} finally {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
}

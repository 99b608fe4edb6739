import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { PHOTOS } from '../tools/corpus.ts';
import { CLI, within } from '../tools/launch.ts';
import { median } from './stats.ts';

/**
 * Start-up as a site sees it after a deploy: from spawning the process to the first image served
 * (`isle serve` with one worker, the corpus's 320x240 JPEG at wid=100, the render cache off), beside
 * a plain node:http server spawned the same way and answering its first request. Both print a
 * `serving <url>/is/image` line when they listen; the client asks as soon as it reads it.
 */
const IMAGE = '/is/image/320x240.jpg?wid=100&fmt=jpeg&qlt=80';
const PLAIN = `const s = require('node:http').createServer((q, r) => r.end('ok'));
s.listen(0, '127.0.0.1', () => console.log('serving http://127.0.0.1:' + s.address().port + '/is/image'));`;

export interface StartupRow {
  who: string;
  /** Median ms from spawn to the `serving` line. */
  listeningMs: number;
  /** Median ms from spawn to the first reply's last byte. */
  firstReplyMs: number;
}

async function startOnce(args: string[], path: string): Promise<[number, number]> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ISLE_LOG_LEVEL: 'info' } });
  const exit = once(child, 'exit');
  try {
    let output = '';
    const base = await within(
      new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const found = /serving (http:\S+)\/is\/image/.exec(output);
          if (found) resolve(found[1]!);
        });
        child.on('exit', () => reject(new Error(`exited before serving: ${output}`)));
      }),
      30_000,
      'start-up',
    );
    const listening = performance.now() - start;
    const reply = await within(request(`${base}${path}`), 30_000, 'the first reply');
    await reply.body.arrayBuffer();
    if (reply.statusCode !== 200) throw new Error(`first reply ${reply.statusCode}`);
    return [listening, performance.now() - start];
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await within(exit, 10_000, 'a killed server exiting');
  }
}

/** `rounds` start-ups of each, in turn. */
export async function benchStartup(rounds: number): Promise<StartupRow[]> {
  const catalogs = mkdtempSync(join(tmpdir(), 'isle-startup-'));
  try {
    writeFileSync(join(catalogs, 'default.ini'), 'RootId=\nMaxPix=0,0\n');
    const isle = [CLI, 'serve', '--port', '0', '--workers', '1', '--render-cache', '0', '--root', PHOTOS, '--catalogs', catalogs];
    const times = { isle: [] as [number, number][], plain: [] as [number, number][] };
    for (let i = 0; i < rounds; i++) {
      times.isle.push(await startOnce(isle, IMAGE));
      times.plain.push(await startOnce(['-e', PLAIN], '/'));
    }
    const row = (who: string, t: [number, number][]) => ({ who, listeningMs: Math.round(median(t.map((x) => x[0]))), firstReplyMs: Math.round(median(t.map((x) => x[1]))) });
    return [row('isle serve, 1 worker: first image (320x240 JPEG at wid=100)', times.isle), row('node:http: first reply', times.plain)];
  } finally {
    rmSync(catalogs, { recursive: true, force: true });
  }
}

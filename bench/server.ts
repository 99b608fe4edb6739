import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { resolveConfig } from '../src/config/options.ts';
import { startServer } from '../src/server/app.ts';
import { median, percentile } from './stats.ts';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinProfile } from '../src/image/icc-profiles.ts';
import { RGB_SPACES } from '../src/image/rgb-spaces.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STANDARD_PHOTO } from './encode.ts';

export const STANDARD_QUERY = 'wid=720&hei=588&fit=stretch&fmt=jpeg&qlt=80';
/**
 * The composite task (issue: the layer engine): a 1920x640 background cut from the standard photo by
 * a nested request, a 1024x768 RGBA PNG fitted into 600x450 on it with a soft drop shadow, JPEG q80.
 */
export const COMPOSITE_PRODUCT = 'alpha-premultiply-1024x768-paper.png';
export const COMPOSITE_QUERY =
  `layer=0&src=is(2569067123_aca715a2ee_o.jpg?wid=1920&hei=640&fit=crop)&layer=1&src=${COMPOSITE_PRODUCT}&size=600,450` +
  '&effect=-1&pos=10,10&op_blur=8&opac=60&wid=1920&hei=640&fmt=jpeg&qlt=80';
/**
 * The text task (issue: text layers): a 1200x400 banner, a bold 60 pt heading with a soft drop
 * shadow and a 28 pt subtitle box, both Arimo, on a solid layer 0; JPEG q80. Its path names only
 * the default catalog, so layer 0 is solid.
 */
export const TEXT_QUERY =
  'layer=0&color=1b3a5c&size=1200,400&layer=1&textPs=' +
  encodeURIComponent('{\\colortbl;\\red255\\green255\\blue255;}\\qc\\b\\fs120\\cf1 Summer sale') +
  '&posN=0,-0.1&effect=-1&pos=6,6&op_blur=6&opac=70&layer=2&size=1100,90&posN=0,0.3&text=' +
  encodeURIComponent('{\\colortbl;\\red255\\green220\\blue120;}\\qc\\vertalc\\fs56\\cf1 Every print 30% off until Sunday, in every size') +
  '&wid=1200&fmt=jpeg&qlt=80';

/** An intermediate-image bomb (a 334 MP extended layer for a 100 px reply), refused by the planner. */
export const BOMB_QUERY = 'extend=9000,9000,9000,9000&wid=100';

export interface ServerRow {
  workers: number;
  connections: number;
  requests: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** A server and its client, started: rounds of requests, and what they measured. */
interface Measured {
  /** `perRound` requests from the client's concurrent loops; requests per second. */
  round(perRound: number): Promise<number>;
  latencies: number[];
  close(): Promise<void>;
}

/** An Isle task, measured. */
interface OpenTask extends Measured {
  isle: Awaited<ReturnType<typeof startServer>>;
}

/** The client of a task: `connections` loops requesting `url`, each reply checked for `status`. */
function client(url: string, connections: number, status: number): Omit<Measured, 'close'> & { dispatcher: Agent } {
  const dispatcher = new Agent({ connections });
  const latencies: number[] = [];
  const one = async () => {
    const t = performance.now();
    const res = await request(url, { dispatcher });
    await res.body.arrayBuffer();
    if (res.statusCode !== status) throw new Error(`status ${res.statusCode} for ${url}`);
    latencies.push(performance.now() - t);
  };
  return {
    dispatcher,
    latencies,
    async round(perRound) {
      let left = perRound;
      const t = performance.now();
      await Promise.all(Array.from({ length: connections }, async () => {
        while (left-- > 0) await one();
      }));
      return perRound / ((performance.now() - t) / 1000);
    },
  };
}

async function openTask(workers: number, connections: number, query: string, status: number, path: string, root: string, renderCache = '0'): Promise<OpenTask> {
  const catalogs = mkdtempSync(join(tmpdir(), 'isle-bench-'));
  writeFileSync(join(catalogs, 'default.ini'), `RootId=\nMaxPix=0,0\n`);
  // The render cache is off unless asked for: each request renders, which is what most rows measure.
  // Idle workers are not recycled: tasks taking their rounds in turn leave each other's workers idle
  // for a second or so, and a fresh worker's start-up would fall into the other task's round.
  // The load comes from one address but stands for many clients: none is held to --max-client-renders.
  const config = resolveConfig({ port: '0', workers: String(workers), root, catalogs, 'render-cache': renderCache, 'idle-recycle': '0', 'max-client-renders': String(workers) }, {});
  const isle = await startServer(config);
  const { dispatcher, ...measured } = client(`${isle.url}/is/image/${path}?${query}`, connections, status);
  return {
    ...measured,
    isle,
    async close() {
      await dispatcher.close();
      await isle.close();
      rmSync(catalogs, { recursive: true, force: true });
    },
  };
}

/** A plain node:http server answering every request with `body`, and its client on one connection. */
async function openPlain(body: Uint8Array): Promise<Measured> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.byteLength });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { dispatcher, ...measured } = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 1, 200);
  return {
    ...measured,
    async close() {
      await dispatcher.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A latency to print: two decimals below 10 ms (a tiny request's tenths would hide it), else one. */
const milliseconds = (ms: number) => +ms.toFixed(ms < 10 ? 2 : 1);

/** The row of a task's rounds. */
function rowOf(task: Measured, workers: number, connections: number, rates: number[], requests: number): ServerRow {
  return {
    workers,
    connections,
    requests,
    opsPerSecond: +median(rates).toFixed(2),
    p50Ms: milliseconds(percentile(task.latencies, 50)),
    p99Ms: milliseconds(percentile(task.latencies, 99)),
  };
}

/**
 * A task over real HTTP, by default the standard one: the 2725x2225 photo resized to 720x588, JPEG
 * q80. Each round sends `perRound` requests from `connections` concurrent loops; the rate is the
 * median round. Every reply must have `status`; a refused task must also leave the workers idle.
 */
export async function benchServer(
  workers: number,
  connections: number,
  rounds: number,
  perRound: number,
  query = STANDARD_QUERY,
  status = 200,
  path = '2569067123_aca715a2ee_o.jpg',
  root = fileURLToPath(new URL('.', STANDARD_PHOTO)),
  renderCache = '0',
): Promise<ServerRow> {
  const [row] = await benchAlternating([{ workers, connections, query, status, path, root, renderCache }], rounds, perRound);
  return row!;
}

/**
 * Several tasks measured in one stretch of time: started together, warmed up, then their rounds
 * taken in turn (A, B, A, B, …), so the machine's drift weighs on each alike. For rows whose ratio
 * is the figure (a conversion's cost, a cache hit against a render).
 */
async function benchAlternating(
  tasks: { workers: number; connections: number; query: string; status: number; path: string; root: string; renderCache?: string; perRound?: number }[],
  rounds: number,
  perRound: number,
): Promise<ServerRow[]> {
  const open: OpenTask[] = [];
  const sizes = tasks.map((t) => t.perRound ?? perRound);
  try {
    for (const t of tasks) open.push(await openTask(t.workers, t.connections, t.query, t.status, t.path, t.root, t.renderCache));
    const rates = await inTurn(open, rounds, sizes);
    tasks.forEach((t, k) => {
      if (t.status !== 200 && open[k]!.isle.context.pool.stats().jobs > 0) throw new Error(`a worker ran for ${t.query}`);
    });
    return open.map((task, k) => rowOf(task, tasks[k]!.workers, tasks[k]!.connections, rates[k]!, rounds * sizes[k]!));
  } finally {
    for (const task of open) await task.close();
  }
}

/** Each task warmed up, then their rounds (of `sizes[k]` requests) taken in turn; each task's rates. */
async function inTurn(open: Measured[], rounds: number, sizes: number[]): Promise<number[][]> {
  for (const [k, task] of open.entries()) {
    await task.round(sizes[k]!); // warm-up
    task.latencies.length = 0;
  }
  const rates = open.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) for (const [k, task] of open.entries()) rates[k]!.push(await task.round(sizes[k]!));
  return rates;
}

/**
 * The standard task with one worker on one connection and with two workers on four, their rounds
 * in turn (the ratio is target 4 of the performance issue). Rounds grow with the connections, so
 * the tail of a round (fewer requests in flight than workers) weighs the same in both rows.
 */
export async function benchScaling(rounds: number, perConnection: number): Promise<[ServerRow, ServerRow]> {
  const task = (workers: number, connections: number) => ({
    workers,
    connections,
    query: STANDARD_QUERY,
    status: 200,
    path: '2569067123_aca715a2ee_o.jpg',
    root: fileURLToPath(new URL('.', STANDARD_PHOTO)),
    perRound: perConnection * connections,
  });
  const [one, two] = await benchAlternating([task(1, 1), task(2, 4)], rounds, perConnection);
  return [one!, two!];
}

/**
 * The standard task with a Display P3 source (the standard photo with a P3 profile embedded), which
 * Isle converts to sRGB, beside the same bytes without the profile (no conversion), in one run:
 * what colour management costs a request.
 */
export async function benchP3(rounds: number, perRound: number): Promise<{ converted: ServerRow; plain: ServerRow }> {
  const dir = mkdtempSync(join(tmpdir(), 'isle-bench-p3-'));
  try {
    const photo = readFileSync(STANDARD_PHOTO);
    const profile = Buffer.from(builtinProfile(RGB_SPACES.p3));
    const app2 = Buffer.concat([Buffer.from([0xff, 0xe2, (profile.length + 16) >> 8, (profile.length + 16) & 0xff]), Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), profile]);
    writeFileSync(join(dir, 'p3.jpg'), Buffer.concat([photo.subarray(0, 2), app2, photo.subarray(2)]));
    writeFileSync(join(dir, 'plain.jpg'), photo);
    const task = (path: string) => ({ workers: 1, connections: 1, query: STANDARD_QUERY, status: 200, path, root: dir });
    const [converted, plain] = await benchAlternating([task('p3.jpg'), task('plain.jpg')], rounds, perRound);
    return { converted: converted!, plain: plain! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The fixed cost of a tiny request: the corpus's 320x240 JPEG at wid=100 through Isle, against a
 * plain node:http server sending a body of the same size to the same client, in one run (issue:
 * performance, target 2: at most 2x).
 */
export async function benchTiny(rounds: number, perRound: number): Promise<{ isle: ServerRow; cached: ServerRow; plain: ServerRow; bytes: number }> {
  // Rendered every time (the render cache off), with the cache on as served by default (every
  // request after the first a hit), and node:http sending the reply's bytes: their rounds in turn.
  const root = fileURLToPath(new URL('.', STANDARD_PHOTO));
  const open: Measured[] = [];
  try {
    const rendered = await openTask(1, 1, 'wid=100', 200, '320x240.jpg', root, '0');
    open.push(rendered, await openTask(1, 1, 'wid=100', 200, '320x240.jpg', root, '64'));
    const reply = await request(`${rendered.isle.url}/is/image/320x240.jpg?wid=100`);
    const body = new Uint8Array(await reply.body.arrayBuffer());
    open.push(await openPlain(body));
    // A round of hits or of node:http's replies takes 5x the requests of a rendered one: 200 of them
    // passed in 10-20 ms, where a GC pause or a timer moved the rate by a tenth.
    const sizes = [perRound, 5 * perRound, 5 * perRound];
    const rates = await inTurn(open, rounds, sizes);
    const [isle, cached, plain] = open.map((task, k) => rowOf(task, k < 2 ? 1 : 0, 1, rates[k]!, rounds * sizes[k]!));
    return { isle: isle!, cached: cached!, plain: plain!, bytes: body.byteLength };
  } finally {
    for (const task of open) await task.close();
  }
}

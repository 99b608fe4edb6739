import { Agent, request } from 'undici';

/**
 * The mixed load of the load test and the soak: valid renders, corrupt sources, oversized
 * replies, a decompression bomb and saves, over many connections for a fixed time.
 * Expects a server whose root holds `pic.png`, whose catalog `fixtures` is the suite's fixtures and
 * whose default catalog saves (SavePath) and limits MaxPix to 2000,2000.
 */
const MIX: { path: (i: number) => string; expect: number }[] = [
  { path: (i) => `/is/image/pic.png?wid=${100 + (i % 300)}`, expect: 200 },
  { path: (i) => `/is/image/fixtures/320x240.jpg?wid=${50 + (i % 200)}&fmt=png`, expect: 200 },
  { path: () => '/is/image/fixtures/truncated.jpg?wid=100', expect: 403 },
  { path: () => '/is/image/fixtures/corrupt-header.jpg?wid=100', expect: 403 },
  { path: () => '/is/image/pic.png?wid=30000', expect: 403 },
  { path: () => '/is/image/fixtures/giant-20000x14000.jpg?wid=100', expect: 403 },
  { path: (i) => `/is/image/pic.png?req=saveToFile&name=load-${i}.jpg&wid=${64 + (i % 100)}`, expect: 200 },
  { path: () => '/is/image/fixtures/truncated.png?wid=100', expect: 403 },
  // An intermediate image of 334 MP from a small source: refused by the planner.
  { path: () => '/is/image/pic.png?extend=9000,9000,9000,9000&wid=100', expect: 403 },
];

export interface LoadResult {
  seconds: number;
  counts: Record<string, number>;
  /** Replies other than the expected status or a 503 with Retry-After. */
  unexpected: string[];
  /** Names of the saves that answered 200. */
  saved: string[];
  peakRss: number;
  /** [seconds since start, RSS bytes] every sampling interval. */
  rssCurve: [number, number][];
}

export async function runMix(baseUrl: string, seconds: number, connections: number, sampleEveryMs = 100): Promise<LoadResult> {
  const dispatcher = new Agent({ connections });
  const counts: Record<string, number> = {};
  const unexpected: string[] = [];
  const saved: string[] = [];
  const rssCurve: [number, number][] = [];
  const start = Date.now();
  const end = start + seconds * 1000;
  const sampler = setInterval(() => rssCurve.push([(Date.now() - start) / 1000, process.memoryUsage().rss]), sampleEveryMs);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < end) {
          const i = next++;
          const kind = MIX[i % MIX.length]!;
          const path = kind.path(i);
          let res;
          try {
            res = await request(baseUrl + path, { dispatcher });
            await res.body.arrayBuffer();
          } catch (err) {
            counts.error = (counts.error ?? 0) + 1;
            unexpected.push(`${(err as Error).message} for ${path}`);
            continue;
          }
          const status = res.statusCode;
          counts[status] = (counts[status] ?? 0) + 1;
          const overloaded = status === 503 && res.headers['retry-after'] === '1';
          if (status !== kind.expect && !overloaded) unexpected.push(`${status} for ${path}`);
          if (status === 200 && path.includes('saveToFile')) saved.push(`load-${i}.jpg`);
        }
      }),
    );
  } finally {
    clearInterval(sampler);
    await dispatcher.close();
  }
  return { seconds, counts, unexpected, saved, peakRss: Math.max(0, ...rssCurve.map(([, r]) => r)), rssCurve };
}

import { PHOTOS } from '../tools/corpus.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { resolveConfig } from '../src/config/options.ts';
import { startServer } from '../src/server/app.ts';
import { jpegPsnr } from './fidelity.ts';
import { loadPeer, loadVips, type Vips } from './peers.ts';
import { median } from './stats.ts';

/**
 * The common jobs (issue: performance beyond the standard task), side by side: Isle with one
 * worker over HTTP, sharp and wasm-vips in-process on one thread, the same sources and settings
 * (sharp's fit 'fill' for fit=stretch; WebP effort 2 = Isle's method 2; AVIF effort 0 = Isle's
 * speed 9; PNG compression 6 = Isle's default level). Each figure is the median of the rounds, taken
 * in turn (see alternate()).
 */
interface Job {
  name: string;
  source: string;
  width: number;
  height: number;
  query: string;
  format: 'jpeg' | 'webp' | 'avif' | 'png';
  quality: number;
  /** A cut-out placed in the middle of the view, at this size (a layered request for Isle). */
  overlay?: { source: string; width: number; height: number };
}


const PHOTO = '2569067123_aca715a2ee_o.jpg';
const ALPHA = 'alpha-premultiply-1024x768-paper.png';
const ONE_BIT = '50020484-00001.png';
const TINY = '320x240.jpg';

export const JOBS: Job[] = [
  { name: 'standard', source: PHOTO, width: 720, height: 588, query: 'wid=720&hei=588&fit=stretch&fmt=jpeg&qlt=80', format: 'jpeg', quality: 80 },
  { name: 'thumb160', source: PHOTO, width: 160, height: 131, query: 'wid=160&hei=131&fit=stretch&fmt=jpeg&qlt=80', format: 'jpeg', quality: 80 },
  { name: 'large2000', source: PHOTO, width: 2000, height: 1633, query: 'wid=2000&hei=1633&fit=stretch&fmt=jpeg&qlt=85', format: 'jpeg', quality: 85 },
  { name: 'webp1024', source: PHOTO, width: 1024, height: 836, query: 'wid=1024&hei=836&fit=stretch&fmt=webp&qlt=80', format: 'webp', quality: 80 },
  { name: 'avif640', source: PHOTO, width: 640, height: 523, query: 'wid=640&hei=523&fit=stretch&fmt=avif&qlt=50', format: 'avif', quality: 50 },
  { name: 'pngAlpha400', source: ALPHA, width: 400, height: 300, query: 'wid=400&hei=300&fit=stretch&fmt=png-alpha', format: 'png', quality: 0 },
  { name: 'tiny100', source: TINY, width: 100, height: 75, query: 'wid=100&fmt=jpeg&qlt=80', format: 'jpeg', quality: 80 },
  { name: 'pngToJpeg800', source: ONE_BIT, width: 800, height: 591, query: 'wid=800&hei=591&fit=stretch&fmt=jpeg&qlt=80', format: 'jpeg', quality: 80 },
  // A banner as sites write it: the view on the composite, not a nested request that sizes layer 0
  // first. size=667,500 on the 2725x2225 composite is 470x352 in the 1920x640 view (scale 1920/2725).
  {
    name: 'composite',
    source: PHOTO,
    width: 1920,
    height: 640,
    query: `wid=1920&hei=640&fit=crop&fmt=jpeg&qlt=80&layer=1&src=${ALPHA}&size=667,500`,
    format: 'jpeg',
    quality: 80,
    overlay: { source: ALPHA, width: 470, height: 352 },
  },
];

/** A contender's figures on a job; `psnr` (dB against the float reference, bench/fidelity.ts) on JPEG jobs. */
interface Measured {
  opsPerSecond: number;
  bytes: number;
  psnr?: number;
}

export interface MatrixRow {
  job: string;
  isle: Measured;
  sharp?: Measured;
  vips?: Measured;
}

type SharpChain = {
  resize(w: number, h: number, o?: object): SharpChain;
  composite(layers: object[]): SharpChain;
  jpeg(o: object): SharpChain;
  webp(o: object): SharpChain;
  avif(o: object): SharpChain;
  png(o: object): SharpChain;
  toBuffer(): Promise<Buffer>;
};
type Sharp = ((b: Buffer) => SharpChain) & { concurrency(n: number): void; cache(b: boolean): void };

const rate = (ms: number) => +(1000 / ms).toFixed(2);

/** One contender on one job: a round's work, and its last reply. */
interface Contender {
  round(): Promise<void>;
  perRound: number;
  bytes: number;
  reply?: Uint8Array;
}

function isleContender(url: string, dispatcher: Agent, job: Job): Contender {
  // Each round several requests, so a round is long enough to time on a noisy machine.
  const contender: Contender = {
    perRound: 4,
    bytes: 0,
    async round() {
      for (let i = 0; i < contender.perRound; i++) {
        const res = await request(`${url}/is/image/${job.source}?${job.query}`, { dispatcher });
        const body = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode !== 200) throw new Error(`${job.name}: ${res.statusCode} ${body.toString().slice(0, 100)}`);
        contender.bytes = body.length;
        contender.reply = body;
      }
    },
  };
  return contender;
}

function sharpContender(sharp: Sharp, job: Job, input: Buffer): Contender {
  const overlay = job.overlay && { ...job.overlay, input: readFileSync(join(PHOTOS, job.overlay.source)) };
  const contender: Contender = {
    perRound: 1,
    bytes: 0,
    async round() {
      // The cut-out is resized in each round, as Isle decodes and resizes it in each request.
      const resized = overlay
        ? sharp(input)
            .resize(job.width, job.height, { fit: 'cover' })
            .composite([{ input: await sharp(overlay.input).resize(overlay.width, overlay.height).toBuffer(), gravity: 'centre' }])
        : sharp(input).resize(job.width, job.height, { fit: 'fill' });
      const out =
        job.format === 'jpeg'
          ? resized.jpeg({ quality: job.quality })
          : job.format === 'webp'
            ? resized.webp({ quality: job.quality, effort: 2 })
            : job.format === 'avif'
              ? resized.avif({ quality: job.quality, effort: 0 })
              : resized.png({ compressionLevel: 6 });
      contender.reply = await out.toBuffer();
      contender.bytes = contender.reply.length;
    },
  };
  return contender;
}

function vipsContender(vips: Vips, job: Job, input: Buffer): Contender {
  const suffix = { jpeg: `.jpg`, webp: '.webp', avif: '.avif', png: '.png' }[job.format];
  const options = { jpeg: { Q: job.quality }, webp: { Q: job.quality, effort: 2 }, avif: { Q: job.quality, effort: 0 }, png: { compression: 6 } }[job.format];
  const contender: Contender = {
    perRound: 1,
    bytes: 0,
    async round() {
      // thumbnailBuffer: wasm-vips's shrink-on-load path, the baseline the issue names.
      const image = vips.Image.thumbnailBuffer(input, job.width, { height: job.height, size: 'force' });
      contender.bytes = image.writeToBuffer(suffix, options).length;
      image.delete();
    },
  };
  return contender;
}

/**
 * Each job's rounds taken in turn (Isle, sharp, wasm-vips, Isle, …) after a warm-up of each, so
 * that the machine's drift weighs on all three alike: the ratios are the figures.
 */
async function alternate(contenders: Contender[], rounds: number): Promise<Measured[]> {
  for (const c of contenders) await c.round();
  const times = contenders.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    for (const [k, c] of contenders.entries()) {
      const t = performance.now();
      await c.round();
      times[k]!.push((performance.now() - t) / c.perRound);
    }
  }
  return contenders.map((c, k) => ({ opsPerSecond: rate(median(times[k]!)), bytes: c.bytes }));
}

/** `only`: the names of the jobs to run (all of them when absent). */
export async function benchMatrix(rounds: number, notes: string[], only?: readonly string[]): Promise<MatrixRow[]> {
  const sharp = loadPeer('sharp') as Sharp | undefined;
  sharp?.concurrency(1);
  sharp?.cache(false);
  const vips = await loadVips();
  vips?.concurrency(1);
  if (!sharp) notes.push('sharp: not installed (npm run bench:peers), matrix without it');
  if (!vips) notes.push('wasm-vips: not installed (npm run bench:peers), matrix without it');
  const catalogs = mkdtempSync(join(tmpdir(), 'isle-matrix-'));
  writeFileSync(join(catalogs, 'default.ini'), 'RootId=\nMaxPix=0,0\n');
  const isle = await startServer(resolveConfig({ port: '0', workers: '1', root: PHOTOS, catalogs, 'render-cache': '0' }, {}));
  const dispatcher = new Agent({ connections: 1 });
  try {
    const rows: MatrixRow[] = [];
    const replies: { job: Job; measured: Measured[]; replies: Uint8Array[] }[] = [];
    for (const job of JOBS.filter((j) => !only || only.includes(j.name))) {
      const input = readFileSync(join(PHOTOS, job.source));
      // wasm-vips's thumbnailBuffer has no composite: the layered job is Isle's and sharp's.
      const withVips = vips && !job.overlay;
      const contenders = [isleContender(isle.url, dispatcher, job), ...(sharp ? [sharpContender(sharp, job, input)] : []), ...(withVips ? [vipsContender(vips, job, input)] : [])];
      const [own, ...peers] = await alternate(contenders, rounds);
      // A composite (layer=) is no resize of its source: the reference would not be its image.
      if (job.format === 'jpeg' && !job.query.includes('layer=')) replies.push({ job, measured: [own!, ...(sharp ? [peers[0]!] : [])], replies: contenders.map((c) => c.reply!) });
      rows.push({ job: job.name, isle: own!, ...(sharp ? { sharp: peers.shift()! } : {}), ...(withVips ? { vips: peers.shift()! } : {}) });
    }
    // After the timed rounds (the references take seconds): Isle's and sharp's replies against the
    // same float reference; wasm-vips's libvips is sharp's.
    for (const { job, measured, replies: bytes } of replies) {
      for (const [k, m] of measured.entries()) m.psnr = await jpegPsnr(job.source, job.width, job.height, bytes[k]!);
    }
    return rows;
  } finally {
    await dispatcher.close();
    await isle.close();
    rmSync(catalogs, { recursive: true, force: true });
  }
}

/** The table as printed: ops/s and bytes per job, the ratios, and their geometric means. */
export function matrixTable(rows: MatrixRow[]): { table: object[]; geomean: { sharp?: number; vips?: number } } {
  const ratio = (a: number, b?: number) => (b ? +(a / b).toFixed(2) : undefined);
  const table = rows.map((r) => ({
    job: r.job,
    'Isle ops/s': r.isle.opsPerSecond,
    'Isle bytes': r.isle.bytes,
    'sharp ops/s': r.sharp?.opsPerSecond ?? '',
    'sharp bytes': r.sharp?.bytes ?? '',
    'Isle PSNR': r.isle.psnr ?? '',
    'sharp PSNR': r.sharp?.psnr ?? '',
    'x sharp': ratio(r.isle.opsPerSecond, r.sharp?.opsPerSecond) ?? '',
    'wasm-vips ops/s': r.vips?.opsPerSecond ?? '',
    'x wasm-vips': ratio(r.isle.opsPerSecond, r.vips?.opsPerSecond) ?? '',
  }));
  // Over the jobs a peer ran (wasm-vips has no composite job).
  const geo = (given: (number | undefined)[]) => {
    const values = given.filter((v) => v !== undefined);
    return values.length > 0 ? +Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length).toFixed(2) : undefined;
  };
  return {
    table,
    geomean: { sharp: geo(rows.map((r) => ratio(r.isle.opsPerSecond, r.sharp?.opsPerSecond))), vips: geo(rows.map((r) => ratio(r.isle.opsPerSecond, r.vips?.opsPerSecond))) },
  };
}

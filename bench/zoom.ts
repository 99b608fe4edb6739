import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { launchIsle } from '../tools/launch.ts';
import { STANDARD_PHOTO } from './encode.ts';
import { loadPeer } from './peers.ts';

/**
 * The zoom row (issue 32): a photographic pyramid TIFF of about `megapixels` made at bench time (a
 * mosaic of the standard photo and its mirror images by `vips arrayjoin`, saved by `vips tiffsave
 * --tile --pyramid --compression jpeg`), random 256x256 `req=tile` windows on the tile grid at full
 * resolution and at each level, Isle over HTTP with one worker, against sharp extracting the same
 * windows of the same page in-process (libvips reading tiles at random). Ops/s per level, and the
 * server's peak RSS (`isle serve` runs as its own process, so VmHWM is the server's alone).
 */
export interface ZoomRow {
  level: number;
  size: string;
  isleOps: number;
  sharpOps?: number;
}

type SharpFactory = ((file: string, options: object) => { extract(r: object): { jpeg(o: object): { toBuffer(): Promise<Buffer> } } }) & {
  concurrency(n: number): void;
  cache(b: boolean): void;
};

function vips(dir: string, ...args: string[]): string {
  const r = spawnSync('vips', args, { cwd: dir, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`vips ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The pyramid's levels as libvips wrote them: each page's size. */
function levelsOf(dir: string, file: string): { width: number; height: number }[] {
  const field = (name: string, page = 0) => Number(spawnSync('vipsheader', ['-f', name, `${file}[page=${page}]`], { cwd: dir, encoding: 'utf8' }).stdout);
  return Array.from({ length: field('n-pages') || 1 }, (_, page) => ({ width: field('width', page), height: field('height', page) }));
}

/** `count` windows of 256x256 (clipped at the edges) on the tile grid of a level, from a fixed seed. */
function windowsOf(level: { width: number; height: number }, count: number, seed: number): [number, number, number, number][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const across = Math.ceil(level.width / 256);
  const down = Math.ceil(level.height / 256);
  return Array.from({ length: count }, () => {
    const x = Math.floor(next() * across) * 256;
    const y = Math.floor(next() * down) * 256;
    return [x, y, Math.min(256, level.width - x), Math.min(256, level.height - y)];
  });
}

export async function benchZoom(megapixels: number, perLevel: number, notes: string[]): Promise<{ rows: ZoomRow[]; peakRssMiB: number; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'isle-zoom-'));
  const catalogs = mkdtempSync(join(tmpdir(), 'isle-zoom-catalogs-'));
  try {
    const photo = fileURLToPath(STANDARD_PHOTO);
    const n = Math.max(1, Math.round(Math.sqrt(megapixels / 6.06)));
    vips(dir, 'flip', photo, 'h.v', 'horizontal');
    vips(dir, 'flip', photo, 'v.v', 'vertical');
    const cells = Array.from({ length: n * n }, (_, i) => [photo, 'h.v', 'v.v'][i % 3]!);
    vips(dir, 'arrayjoin', cells.join(' '), 'mosaic.v', '--across', String(n));
    // libvips' default quality (75): YCbCr tiles, as most pyramids hold (from Q 90 it writes RGB ones).
    vips(dir, 'tiffsave', 'mosaic.v', 'zoom.tif', '--tile', '--pyramid', '--compression', 'jpeg', '--tile-width', '256', '--tile-height', '256');
    rmSync(join(dir, 'mosaic.v'));
    const levels = levelsOf(dir, 'zoom.tif');
    writeFileSync(join(catalogs, 'default.ini'), 'RootId=\nMaxPix=0,0\n');
    const args = ['--workers', '1', '--root', dir, '--catalogs', catalogs, '--render-cache', '0', '--idle-recycle', '0', '--max-client-renders', '1'];
    const rows: ZoomRow[] = [];
    const isle = await launchIsle(args);
    let peak = 0;
    try {
      for (const [k, level] of levels.entries()) {
        const view = `wid=${level.width}&hei=${level.height}&fit=stretch&fmt=jpeg&qlt=80`;
        const get = async ([x, y, w, h]: number[]) => {
          const res = await request(`${isle.base}/is/image/zoom.tif?req=tile&rect=${x},${y},${w},${h}&${view}`);
          await res.body.arrayBuffer();
          if (res.statusCode !== 200) throw new Error(`level ${k}: status ${res.statusCode}`);
        };
        for (const w of windowsOf(level, 3, 7)) await get(w); // warm-up
        const t = performance.now();
        for (const w of windowsOf(level, perLevel, 11 + k)) await get(w);
        rows.push({ level: k, size: `${level.width}x${level.height}`, isleOps: +(perLevel / ((performance.now() - t) / 1000)).toFixed(1) });
      }
      peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${isle.child.pid}/status`, 'utf8'))![1]) * 1024;
    } finally {
      await isle.stop();
    }
    const sharp = loadPeer('sharp') as SharpFactory | undefined;
    if (sharp) {
      sharp.concurrency(1);
      sharp.cache(false);
      const file = join(dir, 'zoom.tif');
      for (const row of rows) {
        const one = ([left, top, width, height]: number[]) =>
          sharp(file, { page: row.level, limitInputPixels: false, sequentialRead: false }).extract({ left, top, width, height }).jpeg({ quality: 80 }).toBuffer();
        const level = levels[row.level]!;
        for (const w of windowsOf(level, 3, 7)) await one(w);
        const t = performance.now();
        for (const w of windowsOf(level, perLevel, 11 + row.level)) await one(w);
        row.sharpOps = +(perLevel / ((performance.now() - t) / 1000)).toFixed(1);
      }
    } else notes.push('sharp: not installed (npm run bench:peers), zoom row without it');
    return { rows, peakRssMiB: Math.round(peak / 2 ** 20), file: `${levels[0]!.width}x${levels[0]!.height}, ${levels.length} levels` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(catalogs, { recursive: true, force: true });
  }
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { CLI, launchIsle } from '../tools/launch.ts';
import { STANDARD_PHOTO } from './encode.ts';
import { loadPeer } from './peers.ts';
import { median } from './stats.ts';

/**
 * The zoom row (issue 32): a photographic pyramid TIFF of about `megapixels` made at bench time (a
 * mosaic of the standard photo and its mirror images by `vips arrayjoin`), saved twice: by `vips
 * tiffsave --tile --pyramid --compression jpeg` and by `isle convert -jpegcompress` at the same
 * quality (75, libvips' default). On each, random 256x256 `req=tile` windows on the tile grid at full
 * resolution and at each level, Isle over HTTP with one worker, against sharp extracting the same
 * windows of the same page in-process (libvips reading tiles at random), in alternating rounds. Before
 * them, every tile of every level of the libvips pyramid, each checked for a 200. Ops/s per level, and the server's peak RSS
 * over the whole row (`isle serve` runs as its own process, so VmHWM is the server's alone).
 */
export interface ZoomRow {
  /** Which converter wrote the pyramid. */
  by: 'vips' | 'isle';
  level: number;
  size: string;
  isleOps: number;
  sharpOps?: number;
}

/** Every tile of every level of the libvips pyramid, in order, over HTTP. */
export interface ZoomSweep {
  tiles: number;
  seconds: number;
  failures: number;
}

type SharpFactory = ((file: string, options: object) => { extract(r: object): { jpeg(o: object): { toBuffer(): Promise<Buffer> } } }) & {
  concurrency(n: number): void;
  cache(b: boolean): void;
};

/** Rounds of each level, Isle's and sharp's alternating. */
const ROUNDS = 5;

type Level = { width: number; height: number };
type Window = [number, number, number, number];

function vips(dir: string, ...args: string[]): string {
  const r = spawnSync('vips', args, { cwd: dir, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`vips ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The pyramid's levels as its converter wrote them: each page's size. */
function levelsOf(dir: string, file: string): Level[] {
  const field = (name: string, page = 0) => Number(spawnSync('vipsheader', ['-f', name, `${file}[page=${page}]`], { cwd: dir, encoding: 'utf8' }).stdout);
  return Array.from({ length: field('n-pages') || 1 }, (_, page) => ({ width: field('width', page), height: field('height', page) }));
}

/** `count` windows of 256x256 (clipped at the edges) on the tile grid of a level, from a fixed seed. */
function windowsOf(level: Level, count: number, seed: number): Window[] {
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

/** Every tile of a level, row by row. */
function everyTile(level: Level): Window[] {
  const out: Window[] = [];
  for (let y = 0; y < level.height; y += 256) for (let x = 0; x < level.width; x += 256) out.push([x, y, Math.min(256, level.width - x), Math.min(256, level.height - y)]);
  return out;
}

/** Ops/s of `one` over the windows of `level`, after a few to warm up. */
async function rate(level: Level, perLevel: number, seed: number, one: (w: Window) => Promise<unknown>): Promise<number> {
  for (const w of windowsOf(level, 3, 7)) await one(w);
  const t = performance.now();
  for (const w of windowsOf(level, perLevel, seed)) await one(w);
  return +(perLevel / ((performance.now() - t) / 1000)).toFixed(1);
}

export async function benchZoom(megapixels: number, perLevel: number, notes: string[]): Promise<{ rows: ZoomRow[]; sweep: ZoomSweep; peakRssMiB: number; file: string } | undefined> {
  // The pyramid is made by libvips' command line: without it (Debian's libvips-tools) there is no row.
  if (spawnSync('vips', ['--version']).status !== 0) {
    notes.push('zoom: the vips command line (Debian: libvips-tools) not installed, zoom row skipped');
    return undefined;
  }
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
    vips(dir, 'tiffsave', 'mosaic.v', 'vips.tif', '--tile', '--pyramid', '--compression', 'jpeg', '--tile-width', '256', '--tile-height', '256');
    // isle convert reads a TIFF band by band: the mosaic as plain strips first.
    vips(dir, 'tiffsave', 'mosaic.v', 'strips.tif');
    rmSync(join(dir, 'mosaic.v'));
    const converted = spawnSync(process.execPath, [CLI, 'convert', '-jpegcompress', '-jpegquality', '75', 'strips.tif', 'isle.tif'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    if (converted.status !== 0) throw new Error(`isle convert: ${converted.stderr}`);
    rmSync(join(dir, 'strips.tif'));
    const files = { vips: levelsOf(dir, 'vips.tif'), isle: levelsOf(dir, 'isle.tif') };
    writeFileSync(join(catalogs, 'default.ini'), 'RootId=\nMaxPix=0,0\n');
    const args = ['--workers', '1', '--root', dir, '--catalogs', catalogs, '--render-cache', '0', '--idle-recycle', '0', '--max-client-renders', '1'];
    const rows: ZoomRow[] = [];
    const sweep: ZoomSweep = { tiles: 0, seconds: 0, failures: 0 };
    const sharp = loadPeer('sharp') as SharpFactory | undefined;
    if (sharp) {
      sharp.concurrency(1);
      sharp.cache(false);
    } else notes.push('sharp: not installed (npm run bench:peers), zoom row without it');
    const isle = await launchIsle(args);
    let peak = 0;
    try {
      const tile = (by: string, level: Level) => async ([x, y, w, h]: Window) => {
        const res = await request(`${isle.base}/is/image/${by}.tif?req=tile&rect=${x},${y},${w},${h}&wid=${level.width}&hei=${level.height}&fit=stretch&fmt=jpeg&qlt=80`);
        await res.body.arrayBuffer();
        return res.statusCode;
      };
      // Every tile of the libvips pyramid first: what the issue asks, and the warm-up of the timed
      // rounds below (the server's JIT and heap settle over the first thousands of requests).
      const t = performance.now();
      for (const level of files.vips) {
        for (const w of everyTile(level)) {
          sweep.tiles++;
          if ((await tile('vips', level)(w)) !== 200) sweep.failures++;
        }
      }
      sweep.seconds = +((performance.now() - t) / 1000).toFixed(1);
      for (const level of files.isle) for (const w of windowsOf(level, 20, 3)) await tile('isle', level)(w);
      for (const [by, levels] of Object.entries(files) as ['vips' | 'isle', Level[]][]) {
        for (const [k, level] of levels.entries()) {
          const get = tile(by, level);
          const file = join(dir, `${by}.tif`);
          const isleRounds: number[] = [];
          const sharpRounds: number[] = [];
          // Rounds alternating between the two, the median of each: drift (a GC, the machine) falls on both.
          for (let round = 0; round < ROUNDS; round++) {
            isleRounds.push(
              await rate(level, perLevel, 11 + k + round, async (w) => {
                const status = await get(w);
                if (status !== 200) throw new Error(`${by} level ${k}: status ${status}`);
              }),
            );
            if (sharp) {
              const one = ([left, top, width, height]: Window) =>
                sharp(file, { page: k, limitInputPixels: false, sequentialRead: false }).extract({ left, top, width, height }).jpeg({ quality: 80 }).toBuffer();
              sharpRounds.push(await rate(level, perLevel, 11 + k + round, one));
            }
          }
          rows.push({ by, level: k, size: `${level.width}x${level.height}`, isleOps: median(isleRounds), ...(sharp ? { sharpOps: median(sharpRounds) } : {}) });
        }
      }
      peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${isle.child.pid}/status`, 'utf8'))![1]) * 1024;
    } finally {
      await isle.stop();
    }
    return { rows, sweep, peakRssMiB: Math.round(peak / 2 ** 20), file: `${files.vips[0]!.width}x${files.vips[0]!.height}; ${files.vips.length} levels by vips, ${files.isle.length} by isle convert` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(catalogs, { recursive: true, force: true });
  }
}

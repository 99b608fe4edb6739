import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI } from '../tools/launch.ts';

/**
 * `isle convert` against `vips tiffsave --tile --pyramid` on a ~50 MP JPEG made at bench time (the
 * bundled landscape enlarged 7.2x): wall time and peak memory of each process (GNU time's %e and
 * %M), both with JPEG tiles at quality 95 and with Deflate; then from the same image as a tiled LZW
 * TIFF, which isle convert reads band by band.
 */
export interface ConvertRow {
  tool: string;
  compression: string;
  seconds: number;
  peakMiB: number;
  bytes: number;
}

const REPO = resolve(import.meta.dirname, '..');

function timed(dir: string, command: string[]): { seconds: number; peakMiB: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], { cwd: dir, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`${command.join(' ')}: ${r.stderr}`);
  const [seconds, kib] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: seconds!, peakMiB: Math.round(kib! / 1024) };
}

export function benchConvert(): ConvertRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'isle-bench-convert-'));
  try {
    const made = spawnSync('vips', ['resize', join(REPO, 'samples/images/landscape.jpg'), 'big.jpg[Q=90]', '7.2'], { cwd: dir, timeout: 300_000 });
    if (made.status !== 0) throw new Error(`vips resize: ${made.stderr}`);
    const rows: ConvertRow[] = [];
    for (const [compression, isle, vips] of [
      ['jpeg q95', ['-jpegcompress', '-jpegquality', '95'], ['--compression', 'jpeg', '--Q', '95']],
      ['deflate', ['-deflatecompress'], ['--compression', 'deflate']],
    ] as const) {
      const ours = timed(dir, [process.execPath, CLI, 'convert', ...isle, '-overwrite', 'big.jpg', 'isle.tif']);
      rows.push({ tool: 'isle convert', compression, ...ours, bytes: statSync(join(dir, 'isle.tif')).size });
      const theirs = timed(dir, ['vips', 'tiffsave', 'big.jpg', 'vips.tif', '--tile', '--pyramid', '--tile-width', '256', '--tile-height', '256', ...vips]);
      rows.push({ tool: 'vips tiffsave --tile --pyramid', compression, ...theirs, bytes: statSync(join(dir, 'vips.tif')).size });
    }
    // A tiled TIFF source, which isle convert reads band by band rather than whole.
    const tiled = spawnSync('vips', ['tiffsave', 'big.jpg', 'big.tif', '--tile', '--compression', 'lzw'], { cwd: dir, timeout: 300_000 });
    if (tiled.status !== 0) throw new Error(`vips tiffsave: ${tiled.stderr}`);
    const banded = timed(dir, [process.execPath, CLI, 'convert', '-overwrite', 'big.tif', 'isle.tif']);
    rows.push({ tool: 'isle convert, tiled LZW TIFF source', compression: 'deflate', ...banded, bytes: statSync(join(dir, 'isle.tif')).size });
    const vipsTiff = timed(dir, ['vips', 'tiffsave', 'big.tif', 'vips.tif', '--tile', '--pyramid', '--tile-width', '256', '--tile-height', '256', '--compression', 'deflate']);
    rows.push({ tool: 'vips tiffsave --tile --pyramid, same TIFF', compression: 'deflate', ...vipsTiff, bytes: statSync(join(dir, 'vips.tif')).size });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) console.table(benchConvert());

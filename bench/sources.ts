import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHeif, decodeJxl } from '../src/image/wasm-codecs.ts';
import { decodeTiff } from '../src/pipeline/tiff-decode.ts';
import type { Pixels } from '../src/image/pixels.ts';
import { codecs } from '../tools/codecs.ts';
import { loadPeer } from './peers.ts';
import { median, timeRounds } from './stats.ts';

export interface SourceRow {
  source: string;
  size: string;
  isleMs: number;
  reference: string;
  referenceMs?: number;
}

type Sharp = (input: Buffer) => { raw(): { toBuffer(): Promise<Buffer> } };

/**
 * The source decoders added for issue 31's rest, each on a large file made here: CCITT Group 4 and
 * JPEG-in-TIFF (whole, and at 1/8 on load) against sharp's libtiff where sharp is installed, else
 * libvips from the command line; JPEG XL and HEIF against libvips from the command line (sharp's
 * prebuilt libvips reads neither). A command-line time includes starting the process.
 */
export async function benchSources(rounds: number, notes: string[], only?: string): Promise<SourceRow[]> {
  await codecs();
  const dir = mkdtempSync(join(tmpdir(), 'isle-bench-sources-'));
  const tool = (...args: string[]) => spawnSync(args[0]!, args.slice(1), { cwd: dir, timeout: 300_000 }).status === 0;
  const sharp = loadPeer('sharp') as (Sharp & { concurrency(n: number): void; cache(on: boolean): void }) | undefined;
  sharp?.concurrency(1);
  sharp?.cache(false);
  const rows: SourceRow[] = [];
  try {
    if (!tool('convert', '-size', '4000x3000', '-seed', '7', 'plasma:fractal', '-blur', '0x3', '-depth', '8', 'photo.png')) {
      notes.push('source decoders: ImageMagick (convert) not installed, skipped');
      return rows;
    }
    const row = async (name: string, file: string, made: string[], isle: (bytes: Uint8Array) => Promise<Pixels>, viaSharp: boolean, times = rounds) => {
      if (only && !name.includes(only)) return;
      if (!tool(...made)) return void notes.push(`source decoders: ${made.slice(0, 2).join(' ')} could not make the file, ${name} skipped`);
      const bytes = new Uint8Array(readFileSync(join(dir, file)));
      let size = '';
      const isleMs = median(await timeRounds(async () => {
        const image = await isle(bytes);
        size = `${image.width}x${image.height}`;
      }, times));
      const buffer = Buffer.from(bytes);
      const [reference, fn] = viaSharp && sharp
        ? ['sharp (native libtiff, 1 thread), in-process', () => sharp(buffer).raw().toBuffer()]
        : ['vips copy (a whole decode), command line', async () => tool('vips', 'copy', file, 'out.v')];
      const referenceMs = median(await timeRounds(fn, times));
      rows.push({ source: name, size, isleMs: +isleMs.toFixed(1), reference, referenceMs: +referenceMs.toFixed(1) });
    };
    const buffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    tool('convert', 'photo.png', '-monochrome', '-type', 'bilevel', '-depth', '1', '-compress', 'none', 'scan.tif');
    await row('TIFF CCITT Group 4, 12 MP bilevel', 'g4.tif', ['tiffcp', '-c', 'g4', '-r', '256', 'scan.tif', 'g4.tif'], (b) => decodeTiff(buffer(b)), true);
    const jpegTiff = ['vips', 'tiffsave', 'photo.png', 'jpeg.tif', '--compression', 'jpeg', '--tile'];
    await row('TIFF JPEG tiles, 12 MP, whole', 'jpeg.tif', jpegTiff, (b) => decodeTiff(buffer(b)), true);
    await row('TIFF JPEG tiles, 12 MP, 1/8 on load', 'jpeg.tif', jpegTiff, (b) => decodeTiff(buffer(b), false, undefined, 8), true);
    await row('JPEG XL, 12 MP lossy', 'photo.jxl', ['vips', 'jxlsave', 'photo.png', 'photo.jxl', '--Q', '85'], (b) => decodeJxl(b, false), false);
    const heif = ['vips', 'heifsave', 'photo.png', 'photo.heic', '--compression', 'hevc', '--Q', '85'];
    // HEVC in WASM takes seconds a round: three rounds at most.
    await row('HEIF (HEVC), 12 MP', 'photo.heic', heif, (b) => decodeHeif(b, 4000, 3000), false, Math.min(rounds, 3));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!sharp) notes.push('source decoders: sharp not installed (npm run bench:peers), the TIFF rows are against the vips command line');
  return rows;
}

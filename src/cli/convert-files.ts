import { appendFileSync, closeSync, existsSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import type { CropRect } from '../image/autocrop.ts';
import type { TiffSink } from '../image/tiff.ts';

/**
 * The files of `isle convert`: which sources a folder holds, where each one's PTIFF goes, the file
 * sink the TIFF writer writes through, the -autocrop info file and the log.
 */
export interface ConvertJob {
  source: string;
  /** Absent for -autocrop alone. */
  dest?: string;
}

const hidden = (name: string) => name.startsWith('.');

/**
 * The jobs: a file to a file (or into a folder that exists), a folder's files (its subfolders too)
 * to the same names under the destination folder with the extension .tif. `seen` hears of every
 * file found (for -loglevel 3).
 */
export function convertJobs(source: string, dest: string | undefined, skipHidden: boolean, seen: (file: string) => void): ConvertJob[] {
  if (!statSync(source).isDirectory()) {
    seen(source);
    const into = dest !== undefined && existsSync(dest) && statSync(dest).isDirectory();
    return [{ source, ...(dest !== undefined ? { dest: into ? join(dest, tifName(basename(source))) : dest } : {}) }];
  }
  const jobs: ConvertJob[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (skipHidden && hidden(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        seen(path);
        jobs.push({ source: path, ...(dest !== undefined ? { dest: join(dest, dirname(relative(source, path)), tifName(entry.name)) } : {}) });
      }
    }
  };
  walk(source);
  return jobs;
}

const tifName = (name: string) => `${basename(name, extname(name))}.tif`;

/** ic's rule without -overwrite: "a numeric suffix is appended to the file name to prevent overwriting". */
export function freeName(dest: string, overwrite: boolean): string {
  if (overwrite || !existsSync(dest)) return dest;
  const ext = extname(dest);
  const stem = dest.slice(0, dest.length - ext.length);
  for (let n = 1; ; n++) if (!existsSync(`${stem}-${n}${ext}`)) return `${stem}-${n}${ext}`;
}

/** Positional writes into an open file. */
export class FileSink implements TiffSink {
  constructor(private readonly fd: number) {}
  write(bytes: Uint8Array, at: number): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
  }
}

/** Opens `path` for writing from scratch, runs `write` on it, and always closes it once `write` has finished. */
export async function withFile<T>(path: string, write: (sink: FileSink) => Promise<T>): Promise<T> {
  const fd = openSync(path, 'w');
  try {
    return await write(new FileSink(fd));
  } finally {
    closeSync(fd);
  }
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export interface CropInfo {
  source: string;
  width: number;
  height: number;
  crop?: CropRect;
}

/** The -autocrop info file: one <image> a source, its <crop> when there is one (the format is docs/convert.md's). */
export function cropInfoXml(settings: { corner: string; mode: number; tolerance: number }, images: readonly CropInfo[]): string {
  const lines = images.map(({ source, width, height, crop }) => {
    const head = `  <image source="${xml(source)}" width="${width}" height="${height}"`;
    return crop ? `${head}>\n    <crop x="${crop.x}" y="${crop.y}" width="${crop.width}" height="${crop.height}"/>\n  </image>` : `${head}/>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<autocrop corner="${settings.corner}" mode="${settings.mode}" tolerance="${settings.tolerance}">\n${lines.join('\n')}${lines.length ? '\n' : ''}</autocrop>\n`;
}

/** ic's log: standard output, or -logfile (appended to unless -nologappend). */
export function openLog(file: string | undefined, append: boolean): (line: string) => void {
  if (file === undefined) return (line) => process.stdout.write(`${line}\n`);
  // Opened now, so that a log that cannot be written is a usage error before any work.
  closeSync(openSync(file, append ? 'a' : 'w'));
  return (line) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}

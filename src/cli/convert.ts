import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname } from 'node:path';
import { autocropRect } from '../image/autocrop.ts';
import { compileModules } from '../image/modules.ts';
import { initCodecs } from '../image/wasm-codecs.ts';
import { readOrientation } from '../inputs/source.ts';
import { bandedSource, readConvertSource, type ColorSettings } from '../pipeline/convert-source.ts';
import { conversionBytes, levelSizes, writePyramid } from '../pipeline/pyramid-write.ts';
import { formatOf, sniff } from '../planning/source-formats.ts';
import { ConvertUsageError, parseConvertArgs, type ConvertOptions } from './convert-args.ts';
import { convertJobs, cropInfoXml, freeName, openLog, withFile, type ConvertJob, type CropInfo } from './convert-files.ts';
import { VERSION } from './version.ts';

export const CONVERT_USAGE = `Usage: isle convert [options] <sourceFile> <destFile>
       isle convert [options] <sourceFolder> <destFolder>
       isle convert [options] <sourceFile> <destFolder>
       isle convert -autocrop <corner> <mode> <tolerance> <infoFile> <source>
       isle convert -version

Converts images to pyramid TIFFs as Adobe's ic -convert does: the image, then levels halving until
the larger side is at most 512 pixels, each tiled (256x256 unless -tilesize), resampled with Lanczos.
Options are ic's, spelled as its page spells them (any case):
  -deflatecompress (default) | -lzwcompress | -jpegcompress (not with alpha) | -uncompressed
  -jpegquality <0-100> (95)   -fullsamplechrominance   -usm <amount> <radius> <threshold> <monochrome>
  -dpi <dpi>   -embedColorProfile   -embedXmpData   -imageprofile <icc>   -viewprofile <icc>
  -intentPerceptual | -intentRelColorimetric | -intentAbsColorimetric | -intentSaturation
  -cmsNoBlackPointCompensation   -maintainpixeltype   -autocrop <ul|ur|ll|lr> <0|1> <0-1> <infoFile>
  -downsample2x2 | -downsample8x8 | -downsample8x8BicubicSharp   -overwrite   -skiphidden
  -continueonerror   -logfile <file>   -loglevel <n>   -nologappend   -logprogressmsec <ms>
  -maxmem <bytes> (at least 10 MB) | -maxmempercent <percent> (25)   -tilesize <n> (Isle's)
Accepted and ignored, with a warning: -applyClippath, -cmsNoDither8, -downsample8x8FlashPix.

Exit codes: 0 done; 1 a file failed (the reason on standard error); 2 the command line is wrong.
`;

/** `isle convert`: the exit code. */
export async function convert(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(CONVERT_USAGE);
    return 0;
  }
  let command;
  try {
    command = parseConvertArgs(argv, totalmem());
  } catch (err) {
    if (!(err instanceof ConvertUsageError)) throw err;
    process.stderr.write(`isle convert: ${err.message}\n${err.usage ? CONVERT_USAGE : ''}`);
    return 2;
  }
  if (command.kind === 'version') {
    process.stdout.write(`isle convert ${VERSION}\n`);
    return 0;
  }
  const { options } = command;
  for (const warning of command.warnings) process.stderr.write(`isle convert: warning: ${warning}\n`);
  let color: ColorSettings;
  let jobs: ConvertJob[];
  let log: (line: string) => void;
  try {
    log = openLog(options.logFile, options.logAppend);
    const profile = (file: string | undefined, option: string) => (file === undefined ? undefined : readOption(file, option));
    const imageProfile = profile(options.imageProfile, '-imageprofile');
    const viewProfile = profile(options.viewProfile, '-viewprofile');
    color = { intent: options.intent, bpc: options.bpc, maintainPixelType: options.maintainPixelType, ...(imageProfile ? { imageProfile } : {}), ...(viewProfile ? { viewProfile } : {}) };
    jobs = convertJobs(options.source, options.dest, options.skipHidden, (file) => options.logLevel >= 3 && log(`found ${file}`));
  } catch (err) {
    process.stderr.write(`isle convert: ${(err as Error).message}\n`);
    return 2;
  }
  await initCodecs(compileModules());
  const progress = new Progress(options.logLevel >= 2 ? log : undefined, options.progressMs);
  const crops: CropInfo[] = [];
  let failed = 0;
  for (const [n, job] of jobs.entries()) {
    const bytes = readFileSync(job.source);
    if (!formatOf(bytes)) {
      if (options.logLevel >= 1) log(`skipped ${job.source}: not an image Isle reads`);
      continue;
    }
    const started = performance.now();
    try {
      const done = await convertOne(job, bytes, options, color, crops, (level, levels) => progress.show(`[${n + 1}/${jobs.length}] ${job.source}: level ${level} of ${levels}`));
      progress.clear();
      if (options.logLevel >= 0 && done) log(`converted ${job.source} -> ${done} (${Math.round(performance.now() - started)} ms)`);
    } catch (err) {
      progress.clear();
      failed++;
      const message = `${job.source}: ${(err as Error).message}`;
      process.stderr.write(`isle convert: ${message}\n`);
      if (options.logFile !== undefined) log(`failed ${message}`);
      if (!options.continueOnError) break;
    }
  }
  if (options.autocrop) writeFileSync(options.autocrop.infoFile, cropInfoXml(options.autocrop, crops));
  return failed > 0 ? 1 : 0;
}

function readOption(file: string, option: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch {
    throw new Error(`${option} ${file}: cannot be read`);
  }
}

/** One file: its PTIFF written under a temporary name and renamed, so no partial file is ever left; the name written. */
async function convertOne(job: ConvertJob, bytes: Uint8Array, options: ConvertOptions, color: ColorSettings, crops: CropInfo[], level: (level: number, levels: number) => void): Promise<string | undefined> {
  const { width, height } = sniff(bytes);
  const orientation = await readOrientation(bytes);
  // -autocrop looks at the whole image; without it a TIFF, JPEG or PNG that allows it is read band by band.
  const banded = options.autocrop ? undefined : bandedSource(bytes, orientation, color);
  const needs = conversionBytes(width, height, banded !== undefined) + bytes.length + (banded?.decoderBytes ?? 0);
  if (needs > options.maxMem) {
    throw new Error(`converting ${width}x${height} needs about ${mb(needs)} MB, more than the memory limit of ${mb(options.maxMem)} MB (-maxmem, -maxmempercent)`);
  }
  const source = banded ?? (await readConvertSource(bytes, orientation, color));
  if (options.autocrop && source.pixels) {
    const { corner, mode, tolerance } = options.autocrop;
    const crop = autocropRect(source.pixels, corner, mode, tolerance, source.samples === 'rgba');
    crops.push({ source: job.source, width: source.image.width, height: source.image.height, ...(crop ? { crop } : {}) });
  }
  if (job.dest === undefined) return undefined;
  // ic: -jpegcompress "Ignored if sourceFile includes alpha data"; CMYK inks are not JPEG-compressed either.
  const compression = options.compression === 'jpeg' && source.samples !== 'rgb' && source.samples !== 'gray' ? 'deflate' : options.compression;
  const dest = freeName(job.dest, options.overwrite);
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part-${process.pid}`;
  try {
    await withFile(part, (sink) =>
      writePyramid(
        source.image,
        {
          page: {
            samples: source.samples,
            compression,
            quality: options.quality,
            fullChroma: options.fullChroma,
            tile: options.tile,
            dpi: options.dpi ?? source.dpi ?? 72,
            ...(options.embedProfile && source.icc ? { icc: source.icc } : {}),
            ...(options.embedXmp && source.xmp ? { xmp: source.xmp } : {}),
          },
          filter: options.filter,
          ...(options.usm ? { usm: options.usm } : {}),
        },
        sink,
        level,
      ),
    );
    renameSync(part, dest);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  return `${dest} (${source.image.width}x${source.image.height}, ${levelSizes(source.image.width, source.image.height).length} levels)`;
}

const mb = (bytes: number) => Math.ceil(bytes / (1024 * 1024));

/**
 * A redrawn progress line on a terminal, as isle render --batch draws; with -loglevel 2 and up, the
 * same in the log at most every -logprogressmsec.
 */
class Progress {
  private logged = -Infinity;
  constructor(private readonly log: ((line: string) => void) | undefined, private readonly everyMs: number) {}
  show(line: string): void {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
    if (this.log && performance.now() - this.logged >= this.everyMs) {
      this.logged = performance.now();
      this.log(line);
    }
  }
  clear(): void {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  }
}

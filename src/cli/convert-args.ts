import type { Intent, Resampling } from '../protocol/request.ts';
import type { TiffCompression } from '../image/tiff.ts';

/**
 * `isle convert`'s command line, read as ic reads it (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/is-utils/utilities/r-ic):
 * every option of that page, spelled as there and matched without regard to case (the page's own
 * example writes -continueOnError for -continueonerror). Pure: argv in, options or a usage error out.
 */
export interface ConvertOptions {
  /** The source file or folder; the destination file or folder, absent for -autocrop alone. */
  source: string;
  dest?: string;
  compression: TiffCompression;
  quality: number;
  fullChroma: boolean;
  /** Side of the square tiles of every level (Isle's -tilesize; ic has no such option). */
  tile: number;
  usm?: { amount: number; radius: number; threshold: number; monochrome: boolean };
  dpi?: number;
  autocrop?: { corner: 'ul' | 'ur' | 'll' | 'lr'; mode: 0 | 1; tolerance: number; infoFile: string };
  embedXmp: boolean;
  embedProfile: boolean;
  imageProfile?: string;
  viewProfile?: string;
  intent: Intent;
  bpc: boolean;
  maintainPixelType: boolean;
  filter: Resampling;
  overwrite: boolean;
  skipHidden: boolean;
  continueOnError: boolean;
  logFile?: string;
  logAppend: boolean;
  logLevel: number;
  progressMs: number;
  /** The memory limit in bytes: -maxmem, or -maxmempercent (25 unless told) of the machine's memory. */
  maxMem: number;
}

export type ConvertCommand = { kind: 'version' } | { kind: 'convert'; options: ConvertOptions; warnings: string[]; usage: boolean };

/** A command line ic would refuse: exit code 2. `usage` is false after -nousage. */
export class ConvertUsageError extends Error {
  constructor(message: string, readonly usage = true) {
    super(message);
  }
}

/** ic's -maxmem floor: "Must be at least 10 MB". */
export const MIN_MAXMEM = 10 * 1024 * 1024;
const DEFAULT_MAXMEM_PERCENT = 25;

type Setter = (o: ConvertOptions, values: string[], warn: (message: string) => void) => void;
interface Spec {
  values: number;
  set: Setter;
}

const number = (option: string, value: string, min: number, max = Infinity): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new ConvertUsageError(`${option} ${value}: expected a number from ${min}${max === Infinity ? '' : ` to ${max}`}`);
  return n;
};

/** Bytes, with an optional k, m or g suffix (powers of 1024). */
const bytes = (option: string, value: string): number => {
  const match = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(value.trim());
  if (!match) throw new ConvertUsageError(`${option} ${value}: expected a size in bytes`);
  return Math.round(Number(match[1]) * 1024 ** ' kmg'.indexOf(match[2]!.toLowerCase() || ' '));
};

const flag = (set: (o: ConvertOptions) => void): Spec => ({ values: 0, set: (o) => set(o) });
const ignored = (why: string): Spec => ({ values: 0, set: (_o, _v, warn) => warn(why) });
const compression = (c: TiffCompression) => flag((o) => (o.compression = c));
const intent = (i: Intent) => flag((o) => (o.intent = i));
const filter = (f: Resampling) => flag((o) => (o.filter = f));

/** Every option of the page (keys lower case), and Isle's -tilesize. */
const OPTIONS: Record<string, Spec> = {
  '-convert': flag(() => {}),
  '-uncompressed': compression('none'),
  '-deflatecompress': compression('deflate'),
  '-lzwcompress': compression('lzw'),
  '-jpegcompress': compression('jpeg'),
  '-jpegquality': { values: 1, set: (o, [q]) => (o.quality = Math.round(number('-jpegquality', q!, 0, 100))) },
  '-fullsamplechrominance': flag((o) => (o.fullChroma = true)),
  '-usm': {
    values: 4,
    set: (o, [amount, radius, threshold, mono]) =>
      (o.usm = { amount: number('-usm amount', amount!, 0, 5), radius: number('-usm radius', radius!, 0, 250), threshold: number('-usm threshold', threshold!, 0, 255), monochrome: number('-usm monochrome', mono!, 0, 1) === 1 }),
  },
  '-applyclippath': ignored('-applyClippath ignored: Isle reads the paths of PSD files but cannot yet turn one into alpha'),
  '-dpi': { values: 1, set: (o, [d]) => (o.dpi = number('-dpi', d!, 1, 100_000)) },
  '-autocrop': {
    values: 4,
    set: (o, [corner, mode, tolerance, infoFile]) => {
      const c = corner!.toLowerCase();
      if (c !== 'ul' && c !== 'ur' && c !== 'll' && c !== 'lr') throw new ConvertUsageError(`-autocrop corner ${corner}: expected ul, ur, ll or lr`);
      const m = number('-autocrop mode', mode!, 0, 1);
      if (m !== 0 && m !== 1) throw new ConvertUsageError(`-autocrop mode ${mode}: expected 0 or 1`);
      o.autocrop = { corner: c, mode: m, tolerance: number('-autocrop tolerance', tolerance!, 0, 1), infoFile: infoFile! };
    },
  },
  '-embedxmpdata': flag((o) => (o.embedXmp = true)),
  '-embedcolorprofile': flag((o) => (o.embedProfile = true)),
  '-imageprofile': { values: 1, set: (o, [f]) => (o.imageProfile = f) },
  '-viewprofile': { values: 1, set: (o, [f]) => (o.viewProfile = f) },
  '-intentperceptual': intent('perceptual'),
  '-intentrelcolorimetric': intent('relative'),
  '-intentabscolorimetric': intent('absolute'),
  '-intentsaturation': intent('saturation'),
  '-cmsnoblackpointcompensation': flag((o) => (o.bpc = false)),
  '-cmsnodither8': ignored('-cmsNoDither8 ignored: Isle\'s colour conversions do not dither'),
  '-maintainpixeltype': flag((o) => (o.maintainPixelType = true)),
  // Isle always decodes (see the README): asking for it changes nothing.
  '-forcejpegdecompress': flag(() => {}),
  '-downsample2x2': filter('bilinear'),
  '-downsample8x8': filter('lanczos3'),
  '-downsample8x8flashpix': { values: 0, set: (o, _v, warn) => ((o.filter = 'lanczos3'), warn('-downsample8x8FlashPix: Isle has no FlashPix filter; Lanczos is used')) },
  '-downsample8x8bicubicsharp': filter('bicubicSharper'),
  '-nousage': flag(() => {}),
  '-overwrite': flag((o) => (o.overwrite = true)),
  '-skiphidden': flag((o) => (o.skipHidden = true)),
  '-continueonerror': flag((o) => (o.continueOnError = true)),
  '-logfile': { values: 1, set: (o, [f]) => (o.logFile = f) },
  '-loglevel': { values: 1, set: (o, [l]) => (o.logLevel = Math.trunc(number('-loglevel', l!, -Infinity))) },
  '-logappend': flag((o) => (o.logAppend = true)),
  '-nologappend': flag((o) => (o.logAppend = false)),
  '-logprogressmsec': { values: 1, set: (o, [ms]) => (o.progressMs = number('-logprogressmsec', ms!, 1)) },
  '-maxmem': {
    values: 1,
    set: (o, [m]) => {
      o.maxMem = bytes('-maxmem', m!);
      if (o.maxMem < MIN_MAXMEM) throw new ConvertUsageError(`-maxmem ${m}: must be at least 10 MB`);
    },
  },
  '-tilesize': {
    values: 1,
    set: (o, [t]) => {
      o.tile = number('-tilesize', t!, 16, 4096);
      if (o.tile % 16 !== 0) throw new ConvertUsageError(`-tilesize ${t}: expected a multiple of 16`);
    },
  },
};

/** argv after `convert`; `memory` is the machine's (os.totalmem()), for -maxmempercent. */
export function parseConvertArgs(argv: readonly string[], memory: number): ConvertCommand {
  const usage = argv[0]?.toLowerCase() !== '-nousage';
  if (argv.length === 1 && argv[0]!.toLowerCase() === '-version') return { kind: 'version' };
  const warnings: string[] = [];
  const options: Omit<ConvertOptions, 'source'> = {
    compression: 'deflate', quality: 95, fullChroma: false, tile: 256, embedXmp: false, embedProfile: false, intent: 'relative',
    bpc: true, maintainPixelType: false, filter: 'lanczos3', overwrite: false, skipHidden: false, continueOnError: false, logAppend: true, logLevel: 0,
    progressMs: 3000, maxMem: 0,
  };
  let percent: number | undefined;
  const positionals: string[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('-') || arg === '-') {
        positionals.push(arg);
        continue;
      }
      const name = arg.toLowerCase();
      if (name === '-version') throw new ConvertUsageError('-version takes no other options');
      if (name === '-maxmempercent') {
        percent = number('-maxmempercent', argv[++i] ?? '', 1, 100);
        continue;
      }
      const spec = OPTIONS[name];
      if (!spec) throw new ConvertUsageError(`unknown option ${arg}`);
      const values = argv.slice(i + 1, i + 1 + spec.values);
      if (values.length < spec.values) throw new ConvertUsageError(`${arg} takes ${spec.values} value${spec.values > 1 ? 's' : ''}`);
      spec.set(options as ConvertOptions, values, (message) => warnings.push(message));
      i += spec.values;
    }
    if (positionals.length === 0 || positionals.length > 2) throw new ConvertUsageError('convert takes a source file or folder and a destination');
    if (positionals.length === 1 && !options.autocrop) throw new ConvertUsageError('convert takes a destination (only -autocrop runs without one)');
  } catch (err) {
    if (err instanceof ConvertUsageError) throw new ConvertUsageError(err.message, usage);
    throw err;
  }
  // -maxmem wins over -maxmempercent; without either, 25% of the machine's memory.
  if (options.maxMem === 0) options.maxMem = Math.round((memory * (percent ?? DEFAULT_MAXMEM_PERCENT)) / 100);
  if (options.maxMem < MIN_MAXMEM) throw new ConvertUsageError(`-maxmempercent ${percent}: ${options.maxMem} bytes is less than 10 MB`, usage);
  const [source, dest] = positionals as [string, string | undefined];
  return { kind: 'convert', options: { ...options, source, ...(dest !== undefined ? { dest } : {}) }, warnings, usage };
}

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * Every server setting in one table: its flag, its ISLE_* environment variable, its default and
 * its help line. The CLI, the help text and docs/configuration.md (npm run docs:config) come from here.
 */
declare const __ISLE_BUNDLE__: boolean | undefined;
/** The bundled samples: beside the bundle (dist/samples), or at the package's root. */
const samples = (sub: string) =>
  fileURLToPath(new URL(typeof __ISLE_BUNDLE__ !== 'undefined' ? `samples/${sub}` : `../../${import.meta.url.endsWith('.ts') ? '' : '../'}samples/${sub}`, import.meta.url));

type Kind = 'int' | 'string' | 'bool';
interface OptionSpec<K extends Kind = Kind> {
  kind: K;
  default: () => K extends 'int' ? number : K extends 'bool' ? boolean : string;
  help: string;
  /** Smallest and largest accepted values for ints. */
  min?: number;
  max?: number;
  /** What a string must match, and what to say when it does not. */
  pattern?: [RegExp, string];
}

export const OPTIONS = {
  port: { kind: 'int', default: () => 8080, min: 0, help: 'TCP port to listen on (0 picks a free one)' },
  host: { kind: 'string', default: () => '127.0.0.1', help: 'address to listen on' },
  root: { kind: 'string', default: () => samples('images'), help: 'image root folder (IS::RootPath)' },
  catalogs: { kind: 'string', default: () => samples('catalogs'), help: 'catalog folder: *.ini attribute files, default.ini for the default catalog' },
  'save-dir': { kind: 'string', default: () => process.cwd(), help: 'root folder of saveToFile (IS::SaveDirectory), by default the working directory; SavePath is relative to it' },
  'save-timeout': { kind: 'int', default: () => 60_000, min: 1, help: 'saveToFile timeout in ms when timeout= is absent (PS::SaveTimeout), and the longest timeout= may ask for' },
  workers: { kind: 'int', default: () => availableParallelism(), min: 1, help: 'render worker threads' },
  'max-source-pixels': { kind: 'int', default: () => 100_000_000, min: 1, help: 'largest source image, in pixels, read from its header before decoding; also the largest image any render step may create. A tiled TIFF is held to it by the part a request decodes' },
  'max-tiled-source-pixels': { kind: 'int', default: () => 4_000_000_000, min: 1, help: 'largest tiled TIFF source (a pyramid: its full-resolution page), in pixels; a request reads only the tiles it needs, and what it decodes is held to --max-source-pixels' },
  'max-reply-pixels': { kind: 'int', default: () => 16_000_000, min: 1, help: 'largest reply image in pixels, whatever MaxPix allows (IS::MaxRenderRgnPixels)' },
  'max-save-pixels': { kind: 'int', default: () => 100_000_000, min: 1, help: 'largest saved image in pixels (IS::MaxSavePixels)' },
  'render-timeout': { kind: 'int', default: () => 30_000, min: 1, help: 'longest render of a reply image in ms; past it 503 and the worker is replaced' },
  'queue-aging': { kind: 'int', default: () => 1000, min: 0, help: 'queued jobs run smallest first; one that has waited this many ms runs first, oldest first' },
  'max-queue': { kind: 'int', default: () => 8, min: 0, help: 'jobs waiting per worker; past it 503 with Retry-After' },
  'max-worker-memory': { kind: 'int', default: () => 384, min: 16, help: "WASM heap per worker in MiB: a render whose estimated peak would not fit beside a fresh worker's heap gets 403, a worker that could not fit the next job or passes it after one is replaced" },
  'max-request-work': { kind: 'int', default: () => 4000, min: 1, help: "millions of pixel operations a render may take, as the planner estimates them (pixels decoded, a progressive JPEG's once per scan, and 16,384 more for each TIFF strip or tile; each step's pixels times its filter's reach; effects; the encoder's effort); more get 403" },
  'max-client-renders': { kind: 'int', default: () => 0, min: 0, help: "renders of one client address (through --trusted-proxies) on workers at once; its others wait behind other clients' jobs, and past its share of the queue get 503 with Retry-After. 0: one less than the workers, at least 1" },
  'idle-recycle': { kind: 'int', default: () => 2000, min: 0, help: 'ms a worker that has rendered may sit idle before a fresh one replaces it, so the memory its jobs touched comes back; 0 never' },
  'max-layers': { kind: 'int', default: () => 100, min: 1, help: 'layers a composite may have, nested requests included; more get 403' },
  'max-nesting': { kind: 'int', default: () => 8, min: 1, help: 'how deep nested requests (src=is{…}) may go; deeper get 403' },
  'max-font-size': { kind: 'int', default: () => 2000, min: 1, help: 'largest font size of a text layer, in pixels (points x textAttr resolution / 72); larger get 403' },
  'max-composite-pixels': { kind: 'int', default: () => 25_000_000, min: 1, help: 'largest canvas a composite is drawn on (the part of the composite its view reads, at the view\'s scale), in pixels; larger get 403' },
  'render-cache': { kind: 'int', default: () => 64, min: 0, help: 'MiB of rendered replies kept in memory and served again without rendering; 0 switches the cache off' },
  'cache-validation': { kind: 'int', default: () => 1000, min: 0, help: 'ms a render cache hit trusts the last look at its source file (its device, inode, size and modification time) before it looks again; 0 looks on every hit' },
  'source-cache': { kind: 'int', default: () => 32, min: 0, help: 'MiB of source files kept in memory, so that another render of the same file does not read it again; 0 reads every time' },
  'origin-allow': { kind: 'string', default: () => '', help: 'addresses (CIDR list) foreign sources may be fetched from although loopback, private or link-local; empty allows none of them' },
  'origin-timeout': { kind: 'int', default: () => 10_000, min: 1, help: 'ms a foreign source may take to arrive, redirects included' },
  'origin-max-bytes': { kind: 'int', default: () => 50, min: 1, help: 'MiB a foreign source may have' },
  'max-fetch-held': { kind: 'int', default: () => 32, min: 1, help: 'MiB of foreign sources all requests in progress may hold at once; past it 503 with Retry-After (the server is full)' },
  'origin-cache': { kind: 'int', default: () => 32, min: 0, help: 'MiB of foreign sources kept in memory, revalidated on use' },
  'origin-concurrency': { kind: 'int', default: () => 4, min: 1, help: 'fetches at once per origin' },
  'max-url-length': { kind: 'int', default: () => 8192, min: 64, help: 'longest request target in bytes; longer ones get 403' },
  'max-concurrent-saves': { kind: 'int', default: () => 4, min: 1, help: 'saveToFile requests in progress at once, never more than one less than the workers (at least 1); others wait within their timeout' },
  'save-allow': { kind: 'string', default: () => '127.0.0.0/8,::1', help: 'client addresses (CIDR list) allowed to use saveToFile; empty allows none, 0.0.0.0/0,::/0 all' },
  'headers-timeout': { kind: 'int', default: () => 10_000, min: 100, help: 'ms a client may take to send its request headers; at most --request-timeout (a shorter --request-timeout alone lowers it to match)' },
  'request-timeout': { kind: 'int', default: () => 120_000, min: 100, help: 'ms a whole request may take, reply included; past it the connection is closed' },
  'send-timeout': { kind: 'int', default: () => 10_000, min: 100, help: 'ms a reply may make no progress because the client reads nothing; past it the connection is closed' },
  'max-unsent-bytes': { kind: 'int', default: () => 32, min: 1, help: 'MiB of replies held for clients that have not read them yet, in total; past it new requests get 503 with Retry-After' },
  'max-connection-requests': { kind: 'int', default: () => 2, min: 1, help: 'requests of one connection in progress at once (HTTP pipelining); later ones are read when one finishes' },
  'max-query-bytes': { kind: 'int', default: () => 64 * 1024, min: 1024, help: "bytes a request's commands may add up to once macros and variables are expanded, nested requests and text values included; more get 403" },
  'max-glyphs': { kind: 'int', default: () => 5_000, min: 1, help: 'characters of text a request may lay out, over all its text layers and layout passes (autoRes, maxRes and copy-fitting lay a text out again for each size they try); more get 403' },
  'max-text-points': { kind: 'int', default: () => 250_000, min: 1000, help: "points of text outlines a request may make (glyph curves flattened to polygons in the main thread, for the worker to draw), over all its text layers; more get 403" },
  'max-inflate': { kind: 'int', default: () => 32, min: 1, help: 'MiB a request may inflate (embedded profiles, compressed metadata), over all its sources; more get 403' },
  'max-profile-inflate': { kind: 'int', default: () => 8, min: 1, help: 'MiB one embedded ICC profile may inflate to; a larger one gets 403' },
  'max-fetch-bytes': { kind: 'int', default: () => 32, min: 1, help: 'MiB of foreign sources one request may use, nested requests included; more get 403' },
  'max-read-bytes': { kind: 'int', default: () => 256, min: 1, help: "MiB of source files a request may take, over all its sources: whole files (from disk or the source cache), and a TIFF's strips and tiles read by range; more get 403" },
  'max-read-held': { kind: 'int', default: () => 256, min: 1, help: 'MiB of source files all requests in progress may hold at once, each from its read until its render is done; past it 503 with Retry-After (the server is full)' },
  'max-header-chunks': { kind: 'int', default: () => 25_000, min: 100, help: "source header blocks (PNG chunks, JPEG marker segments, PSD resources and layer blocks, Photoshop path records, GIF blocks, BMP headers, WebP chunks, AVIF boxes) a request's sources may have, over all of them (real files have tens); more get 403" },
  'max-path-segments': { kind: 'int', default: () => 100_000, min: 10, help: "segments of the clip paths a request fills (clipPath= data and the embedded paths clipPathE= names), over all its layers; each becomes at most 32 edges; more get 403" },
  'max-header-bytes': { kind: 'int', default: () => 16, min: 1, help: "MiB of source headers (a TIFF's image directories and their tile offsets) a request's sources may have read, over all of them; more get 403" },
  'max-request-pixels': { kind: 'int', default: () => 200_000_000, min: 1, help: 'pixels a request may decode over all its sources and layers; more get 403' },
  'max-modifiers': { kind: 'int', default: () => 1000, min: 10, help: 'commands a request may carry once macros are expanded (and a macro at catalog load); more get 403' },
  'trusted-proxies': { kind: 'string', default: () => '', help: 'proxy addresses (CIDR list) whose --forwarded-header is believed; the right-most untrusted hop is the client. Empty trusts none' },
  'forwarded-header': { kind: 'string', default: () => 'x-forwarded-for', pattern: [/^(x-forwarded-for|forwarded)$/i, 'expected x-forwarded-for or forwarded'], help: 'the one header whose hops are believed from a --trusted-proxies peer: x-forwarded-for (what nginx appends) or forwarded (RFC 7239); the other is ignored' },
  'shutdown-grace': { kind: 'int', default: () => 30_000, min: 0, help: 'ms to finish in-flight requests and saves after SIGTERM' },
  'playground-path': { kind: 'string', default: () => '/is/playground', help: 'the playground page; empty switches it off' },
  'health-path': { kind: 'string', default: () => '/healthz', help: 'liveness endpoint; empty switches it off' },
  'ready-path': { kind: 'string', default: () => '/readyz', help: 'readiness endpoint (workers up, catalogs loaded); empty switches it off' },
  'metrics-path': { kind: 'string', default: () => '/metrics', help: 'Prometheus metrics endpoint; empty switches it off' },
  'metrics-port': { kind: 'string', default: () => '', pattern: [/^(|\d{1,4}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/, 'expected a port number (0 to 65535) or nothing'], help: 'serve the metrics on this port of --metrics-host instead of the public one (0 picks a free one); empty keeps them on the public port' },
  'metrics-host': { kind: 'string', default: () => '127.0.0.1', help: 'address of the private metrics listener (--metrics-port)' },
  'png-level': { kind: 'int', default: () => 5, min: 0, max: 9, help: 'zlib compression level of PNG replies and saves: 0 (stored, fastest) to 9 (smallest); the default 5 wrote 1.4% more bytes than 6 in 26-41% less time in the PNG table of npm run bench (docs/benchmarks.md)' },
  'fmt-auto': { kind: 'bool', default: () => true, help: 'serve fmt=auto: AVIF, WebP or JPEG by the browser\'s Accept (a catalog\'s FormatAuto wins)' },
  bfc: { kind: 'bool', default: () => false, help: 'convert JPEG and PNG replies to AVIF or WebP by Accept when the request has no bfc= (a catalog\'s BrowserFormatConversion wins)' },
  'client-hints': { kind: 'bool', default: () => true, help: 'dpr=on without a value reads the Sec-CH-DPR or DPR client hint (a catalog\'s ClientHints wins)' },
  'upscale-without-fit': { kind: 'bool', default: () => true, help: 'let wid+hei without fit= enlarge the image' },
} satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
type ValueOf<N extends OptionName> = ReturnType<(typeof OPTIONS)[N]['default']>;
export type ServerConfig = { [N in OptionName]: ValueOf<N> };

export const envName = (name: string) => `ISLE_${name.toUpperCase().replace(/-/g, '_')}`;

function convert(name: OptionName, raw: string, source: string): number | string | boolean {
  const spec: OptionSpec = OPTIONS[name];
  if (spec.kind === 'string') {
    if (spec.pattern && !spec.pattern[0].test(raw)) throw new Error(`${source}: ${spec.pattern[1]}`);
    return raw;
  }
  if (spec.kind === 'bool') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new Error(`${source}: expected true or false`);
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (spec.min ?? 0)) throw new Error(`${source}: expected an integer of at least ${spec.min ?? 0}`);
  if (spec.max !== undefined && n > spec.max) throw new Error(`${source}: expected an integer from ${spec.min ?? 0} to ${spec.max}`);
  return n;
}

export type Origin = 'default' | 'config file' | 'environment' | 'flag';

/**
 * Defaults, overridden by a JSON config file (keys are the flag names), overridden by ISLE_*
 * environment variables, overridden by flags. Also says where each value came from.
 */
export function resolveConfigWithOrigins(
  flags: Partial<Record<OptionName, string | boolean>>,
  env: NodeJS.ProcessEnv = process.env,
  file: Record<string, unknown> = {},
  fileName = 'config file',
): { config: ServerConfig; origins: Record<OptionName, Origin> } {
  for (const key of Object.keys(file)) if (!(key in OPTIONS)) throw new Error(`${fileName}: unknown setting '${key}'`);
  const config: Record<string, unknown> = {};
  const origins = {} as Record<OptionName, Origin>;
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const flag = flags[name];
    const fromEnv = env[envName(name)];
    const fromFile = file[name];
    if (flag !== undefined) [config[name], origins[name]] = [typeof flag === 'boolean' ? flag : convert(name, flag, `--${name}`), 'flag'];
    else if (fromEnv !== undefined && fromEnv !== '') [config[name], origins[name]] = [convert(name, fromEnv, envName(name)), 'environment'];
    else if (fromFile !== undefined) [config[name], origins[name]] = [convert(name, String(fromFile), `${fileName}: ${name}`), 'config file'];
    else [config[name], origins[name]] = [OPTIONS[name].default(), 'default'];
  }
  // node:http refuses a headers timeout longer than the request timeout: a request timeout set
  // alone shortens the default headers timeout to itself; two set in conflict are an error.
  const [headers, request] = [config['headers-timeout'] as number, config['request-timeout'] as number];
  if (headers > request) {
    if (origins['headers-timeout'] !== 'default') {
      throw new Error(`--headers-timeout (${headers}) must not be longer than --request-timeout (${request})`);
    }
    config['headers-timeout'] = request;
  }
  return { config: config as ServerConfig, origins };
}

export const resolveConfig = (flags: Partial<Record<OptionName, string | boolean>>, env: NodeJS.ProcessEnv = process.env) =>
  resolveConfigWithOrigins(flags, env).config;

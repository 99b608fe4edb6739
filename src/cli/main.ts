#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { startWorker } from '../host/entry.ts';
import { envName, OPTIONS, resolveConfig, resolveConfigWithOrigins, type OptionName } from '../config/options.ts';
import { startServer } from '../server/app.ts';
import { log } from '../observe/log.ts';
import { openRenderer, readBatch, RenderUsageError, runBatch, type Renderer } from './render.ts';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { VERSION } from './version.ts';
import { convert } from './convert.ts';

const RENDER_USAGE = `Usage: isle render <source> "<modifiers>" [-o <output>] [--no-limits]
       isle render --batch <file> [-j <jobs>] [--no-limits]

Renders a local image as the server would: the modifiers are a Scene7 query such as
"wid=400&fmt=png&op_usm=1,2,0", with the default catalog's attributes (--catalogs, as for serve).
Without fmt= the extension of -o chooses the format; an fmt= that disagrees with it is an error.
Without -o the reply goes to standard output: the image, or the properties of req=props,
req=imageprops and the other property requests.
A batch file has one job per line, "source|modifiers|output", relative to the file, run -j at a time
(default: the number of CPUs) on the worker pool; progress goes to standard error.

Options:
  -o, --output <file>  where the reply goes
  --batch <file>       the jobs to run
  -j, --jobs <n>       jobs at once in a batch
  --catalogs <folder>  the catalog folder whose default.ini applies
  --no-limits          lift MaxPix and the reply-pixel limit (the source limit stays)

Exit codes: 0 done; 1 a render failed (the reason on standard error); 2 the command line is wrong.
`;

const USAGE = `Usage: isle serve [options]
       isle render --help
       isle convert --help
       isle --version

Serves the Scene7 Image Serving protocol (/is/image) on WebAssembly worker threads.

Options (each also settable by its environment variable):
${(Object.keys(OPTIONS) as OptionName[])
  .map((name) => {
    const spec = OPTIONS[name];
    const def = name === 'root' || name === 'catalogs' ? 'the bundled samples' : name === 'save-dir' ? 'the working directory' : String(spec.default());
    return `  --${name.padEnd(22)} ${spec.help}\n  ${''.padEnd(24)} env ${envName(name)}, default ${def}`;
  })
  .join('\n')}
  --config <file>          a JSON file of settings keyed by flag name (default ./isle.config.json if present)
  --print-config[=json]    print the effective settings, where each came from and the config file read, then exit
  --version                print the version
  --help                   show this help

Exit codes: 0 done; 1 the server or a render failed; 2 the command line or the configuration is wrong
(an unknown flag, a bad value, a config file that does not parse, a folder that does not exist).
`;

/** A wrong command line or configuration: one line and a pointer to the help, exit code 2. */
class UsageError extends Error {}

const usageError = (message: string, help = 'isle --help') => {
  process.stderr.write(`isle: ${message}\nRun '${help}' for the options.\n`);
  return 2;
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`isle ${VERSION}\n`);
    return 0;
  }
  if (command === 'render') return render(rest);
  if (command === 'convert') return convert(rest);
  if (command !== 'serve') return usageError(`unknown command '${command}'`);
  try {
    return await serve(rest);
  } catch (err) {
    if (err instanceof UsageError) return usageError(err.message);
    throw err;
  }
}

async function serve(args: string[]): Promise<number> {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      // A bare --print-config means the text form.
      args: args.map((a) => (a === '--print-config' ? '--print-config=text' : a)),
      options: {
        ...Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string' as const }])),
        config: { type: 'string' },
        'print-config': { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`isle ${VERSION}\n`);
    return 0;
  }
  const { config: configFile, 'print-config': printConfig, ...settings } = flags;
  if (printConfig !== undefined && printConfig !== 'text' && printConfig !== 'json') throw new UsageError(`--print-config=${String(printConfig)}: expected text or json`);
  const file = readConfigFile(configFile as string | undefined);
  let resolved;
  try {
    resolved = resolveConfigWithOrigins(settings as Partial<Record<OptionName, string>>, process.env, file.settings, file.path);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { config, origins } = resolved;
  if (printConfig === 'json') {
    const values = Object.fromEntries((Object.keys(OPTIONS) as OptionName[]).map((name) => [name, { value: config[name], origin: origins[name] }]));
    process.stdout.write(`${JSON.stringify({ configFile: file.path ?? null, settings: values }, null, 2)}\n`);
    return 0;
  }
  if (printConfig === 'text') {
    process.stdout.write(`config file: ${file.path ?? 'none'}\n`);
    for (const name of Object.keys(OPTIONS) as OptionName[]) {
      process.stdout.write(`${name.padEnd(22)} ${String(config[name]).padEnd(40)} (${origins[name]})\n`);
    }
    return 0;
  }
  for (const name of ['root', 'catalogs', 'save-dir'] as const) {
    const folder = config[name];
    if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--${name} ${folder}: no such folder`);
  }
  const isle = await startServer(config);
  log.info({ url: `${isle.url}/is/image`, workers: config.workers, root: config.root, catalogs: config.catalogs }, `Isle serving ${isle.url}/is/image with ${config.workers} workers`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    void isle.close(config['shutdown-grace']).then(() => {
      log.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (process.env.npm_lifecycle_event !== undefined) stopWithParent(stop);
  return -1;
}

/**
 * npm runs a script (`npx isle serve`, a project's `"start": "isle serve"`) through `sh -c`, and
 * sends its SIGTERM to that shell, which dies without passing it on: the server would go on as an
 * orphan on its port. So, run by npm, the server stops as on SIGTERM once the process that started
 * it is gone. (Isle's own `npm start` execs node, which then gets npm's signal itself.)
 */
function stopWithParent(stop: (signal: string) => void): void {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    stop('parent exited');
  }, 250);
  watch.unref();
}

/** --config, else ./isle.config.json when it exists; its full path goes with it, for messages. */
function readConfigFile(given: string | undefined): { path?: string; settings: Record<string, unknown> } {
  const path = resolve(given ?? 'isle.config.json');
  if (given === undefined && !existsSync(path)) return { settings: {} };
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${given}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${path}: expected a JSON object`);
  return { path, settings: parsed as Record<string, unknown> };
}

async function render(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        output: { type: 'string', short: 'o' },
        batch: { type: 'string' },
        jobs: { type: 'string', short: 'j' },
        catalogs: { type: 'string' },
        'no-limits': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usageError((err as Error).message.split('\n')[0]!, 'isle render --help');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(RENDER_USAGE);
    return 0;
  }
  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) return usageError(`--jobs ${values.jobs}: expected an integer of at least 1`, 'isle render --help');
  const [source, query] = positionals;
  if (!values.batch && (!source || query === undefined || positionals.length > 2)) {
    return usageError('render takes a source and a quoted modifier string', 'isle render --help');
  }
  let config;
  try {
    config = resolveConfig({ workers: String(values.batch ? jobs : 1), ...(values.catalogs ? { catalogs: values.catalogs } : {}) });
  } catch (err) {
    return usageError((err as Error).message, 'isle render --help');
  }
  if (!existsSync(config.catalogs)) return usageError(`--catalogs ${config.catalogs}: no such folder`, 'isle render --help');
  const renderer = await openRenderer({ config, limits: !values['no-limits'] });
  try {
    return values.batch ? await batch(renderer, values.batch, jobs) : await one(renderer, source!, query!, values.output);
  } finally {
    await renderer.close();
  }
}

async function one(renderer: Renderer, source: string, query: string, output: string | undefined): Promise<number> {
  try {
    const { body } = await renderer.render(source, query, output);
    if (output) writeFileSync(output, body);
    else process.stdout.write(body);
    return 0;
  } catch (err) {
    process.stderr.write(`isle: ${(err as Error).message}\n`);
    return err instanceof RenderUsageError ? 2 : 1;
  }
}

/** A batch with progress on standard error: a redrawn line on a terminal, one line per job elsewhere. */
async function batch(renderer: Renderer, listFile: string, parallel: number): Promise<number> {
  const { jobs, invalid } = readBatch(listFile);
  const terminal = process.stderr.isTTY;
  const started = performance.now();
  const failures: string[] = invalid.map((f) => `line ${f.line}: ${f.message}`);
  const result = await runBatch(renderer, jobs, parallel, ({ done, failed, total, job, error, ms }) => {
    const finished = done + failed;
    const elapsed = (performance.now() - started) / 1000;
    const eta = Math.round((elapsed / finished) * (total - finished));
    if (error) failures.push(`line ${job.line}: ${job.source}: ${error}`);
    if (terminal) {
      const width = 24;
      const filled = Math.round((finished / total) * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${total}, ${failed} failed, ETA ${eta} s  ${basename(job.source)}`;
      process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 80) - 1)}`);
    } else {
      const what = error ? `failed: ${error}` : `ok ${Math.round(ms)} ms -> ${job.output}`;
      process.stderr.write(`${finished}/${total} line ${job.line} ${job.source} ${what}\n`);
    }
  });
  if (terminal) process.stderr.write('\n');
  for (const failure of failures) process.stderr.write(`isle: ${failure}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const failed = result.failed + invalid.length;
  process.stderr.write(`isle: ${result.done} done, ${failed} failed, of ${jobs.length + invalid.length} jobs in ${seconds} s with ${parallel} at once\n`);
  return failed > 0 ? 1 : 0;
}

// The bundle is one file: started as a worker thread by the pool, it becomes a render worker.
if (!isMainThread) {
  await startWorker();
} else {
  // Output piped into a reader that stops early (| head) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`isle: ${err.message}\n`);
      // Exit, not just set the code: a server that failed to start (its port taken, say) may
      // already have worker threads, which would keep the process alive, serving nothing.
      process.exit(1);
    },
  );
}

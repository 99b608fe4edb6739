#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { startWorker } from '../worker/entry.ts';
import { envName, OPTIONS, resolveConfig, resolveConfigWithOrigins, type OptionName } from '../config/options.ts';
import { startServer } from '../server/app.ts';
import { log } from '../server/log.ts';
import { renderBatch, renderFile } from './render.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const RENDER_USAGE = `Usage: isle render <source> "<modifiers>" [-o <output>]
       isle render --batch <file>

Renders a local image through the server's own pipeline: the modifiers are a Scene7 query such as
"wid=400&fmt=png&op_usm=1,2,0". Without -o the image goes to standard output. A batch file has one
job per line, "source|modifiers|output", relative to the file; progress goes to standard error.
Exit codes: 0 done, 1 a render failed (the reason on standard error), 2 usage.
`;

const USAGE = `Usage: isle serve [options]
       isle render --help

Serves the Scene7 Image Serving protocol (/is/image) on WebAssembly worker threads.

Options (each also settable by its environment variable):
${(Object.keys(OPTIONS) as OptionName[])
  .map((name) => {
    const spec = OPTIONS[name];
    const def = name === 'root' || name === 'catalogs' || name === 'save-dir' ? 'the bundled samples' : String(spec.default());
    return `  --${name.padEnd(22)} ${spec.help}\n  ${''.padEnd(24)} env ${envName(name)}, default ${def}`;
  })
  .join('\n')}
  --config <file>          a JSON file of settings keyed by flag name (default ./isle.config.json if present)
  --print-config           print the effective settings and where each came from, then exit
  --help                   show this help
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'render') return render(rest);
  if (command !== 'serve') {
    process.stderr.write(`isle: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: rest,
      options: {
        ...Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string' as const }])),
        config: { type: 'string' },
        'print-config': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`isle: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { config: configFile, 'print-config': printConfig, ...settings } = flags;
  const { config, origins } = resolveConfigWithOrigins(settings as Partial<Record<OptionName, string>>, process.env, readConfigFile(configFile as string | undefined));
  if (printConfig) {
    for (const name of Object.keys(OPTIONS) as OptionName[]) {
      process.stdout.write(`${name.padEnd(22)} ${String(config[name]).padEnd(40)} (${origins[name]})\n`);
    }
    return 0;
  }
  const isle = await startServer(config);
  log.info({ url: `${isle.url}/is/image`, workers: config.workers, root: config.root, catalogs: config.catalogs }, `Isle serving ${isle.url}/is/image with ${config.workers} workers`);
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    void isle.close(config['shutdown-grace']).then(() => {
      log.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

/** --config, else ./isle.config.json when it exists. */
function readConfigFile(path: string | undefined): Record<string, unknown> {
  const file = path ?? 'isle.config.json';
  if (path === undefined && !existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object`);
  return parsed as Record<string, unknown>;
}

async function render(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { output: { type: 'string', short: 'o' }, batch: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`isle: ${(err as Error).message}\n\n${RENDER_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(RENDER_USAGE);
    return 0;
  }
  const config = resolveConfig({});
  if (values.batch) {
    const result = await renderBatch(values.batch, config, (done, total) => {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    });
    process.stderr.write('\n');
    for (const f of result.failed) process.stderr.write(`isle: line ${f.line}: ${f.message}\n`);
    return result.failed.length > 0 ? 1 : 0;
  }
  const [source, query] = positionals;
  if (!source || query === undefined || positionals.length > 2) {
    process.stderr.write(RENDER_USAGE);
    return 2;
  }
  try {
    const image = await renderFile(source, query, config);
    if (values.output) writeFileSync(values.output, image);
    else process.stdout.write(image);
    return 0;
  } catch (err) {
    process.stderr.write(`isle: ${(err as Error).message}\n`);
    return 1;
  }
}

// The bundle is one file: started as a worker thread by the pool, it becomes a render worker.
if (!isMainThread) {
  await startWorker();
} else {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`isle: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}

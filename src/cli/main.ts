#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { envName, OPTIONS, resolveConfig, type OptionName } from '../config/options.ts';
import { startServer } from '../server/app.ts';
import { log } from '../server/log.ts';

const USAGE = `Usage: isle serve [options]

Serves the Scene7 Image Serving protocol (/is/image) on WebAssembly worker threads.

Options (each also settable by its environment variable):
${(Object.keys(OPTIONS) as OptionName[])
  .map((name) => {
    const spec = OPTIONS[name];
    const def = name === 'root' || name === 'catalogs' || name === 'save-dir' ? 'the bundled samples' : String(spec.default());
    return `  --${name.padEnd(22)} ${spec.help}\n  ${''.padEnd(24)} env ${envName(name)}, default ${def}`;
  })
  .join('\n')}
  --help                   show this help
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
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
  const config = resolveConfig(flags as Partial<Record<OptionName, string>>);
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`isle: ${err.message}\n`);
    process.exitCode = 1;
  },
);

import { Writable } from 'node:stream';
import pino, { type DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';

/**
 * Structured JSON lines on stdout; human-readable (pino-pretty) when stdout is a terminal, where a
 * request is one line like an access log, its status coloured. ISLE_LOG_LEVEL picks the level
 * (silent in tests).
 */

const ANSI = { red: 31, yellow: 33, cyan: 36, green: 32, gray: 90 } as const;
type Colour = keyof typeof ANSI;

function requestLine(entry: Record<string, unknown>, colour: boolean): string {
  const paint = (c: Colour, text: string) => (colour ? `\x1b[${ANSI[c]}m${text}\x1b[39m` : text);
  const status = Number(entry.status);
  const statusColour: Colour = status >= 500 ? 'red' : status >= 400 ? 'yellow' : status >= 300 ? 'cyan' : 'green';
  const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
  const worker = entry.worker === undefined ? '' : ` ${paint('gray', `w${String(entry.worker)}+${String(entry.queueMs)}ms`)}`;
  const format = `${entry.format ? ` ${paint('cyan', String(entry.format))}` : ''}${entry.cache ? ` ${paint('cyan', `cache ${String(entry.cache)}`)}` : ''}`;
  const reason = entry.errorMessage ? ` ${paint('yellow', String(entry.errorMessage))}` : '';
  const who = paint('gray', `${String(entry.client)} ${String(entry.id)}`);
  return `[${time}] ${String(entry.method)} ${String(entry.url)} ${paint(statusColour, String(status))} ${String(entry.bytes)} B ${String(entry.ms)} ms${worker}${format} ${who}${reason}\n`;
}

/** JSON lines in, text out: request entries as one line each, the rest through pino-pretty. */
function terminalStream(colour: boolean, out: { write(text: string): unknown }): Writable {
  const pretty = prettyFactory({ colorize: colour, singleLine: true });
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        out.write(entry.msg === 'request' && entry.method !== undefined ? requestLine(entry, colour) : pretty(entry));
      }
      done();
    },
  });
}

export function createLogger(terminal: boolean, destination?: DestinationStream) {
  const options = { level: process.env.ISLE_LOG_LEVEL ?? 'info', base: undefined };
  if (terminal) return pino(options, terminalStream(destination === undefined, destination ?? process.stdout));
  return destination ? pino(options, destination) : pino(options);
}

export const log = createLogger(process.stdout.isTTY === true);

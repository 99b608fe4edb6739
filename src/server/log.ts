import pino, { type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

/**
 * Structured JSON lines on stdout; human-readable (pino-pretty, in-thread) when stdout is a terminal.
 * ISLE_LOG_LEVEL picks the level (silent in tests).
 */
export function createLogger(terminal: boolean, destination?: DestinationStream) {
  const options = { level: process.env.ISLE_LOG_LEVEL ?? 'info', base: undefined };
  if (terminal) return pino(options, pretty({ colorize: destination === undefined, destination: destination ?? 1, sync: true }));
  return destination ? pino(options, destination) : pino(options);
}

export const log = createLogger(process.stdout.isTTY === true);

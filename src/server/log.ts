import pino from 'pino';

/** Structured JSON logs on stdout; ISLE_LOG_LEVEL picks the level (silent in tests). */
export const log = pino({ level: process.env.ISLE_LOG_LEVEL ?? 'info', base: undefined });

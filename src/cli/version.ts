import { readFileSync } from 'node:fs';

declare const __ISLE_VERSION__: string | undefined;

/** The package's version: defined into the bundle at build time, else read from package.json. */
export const VERSION: string =
  typeof __ISLE_VERSION__ !== 'undefined'
    ? __ISLE_VERSION__
    : (JSON.parse(readFileSync(new URL(`../../${import.meta.url.endsWith('.ts') ? '' : '../'}package.json`, import.meta.url), 'utf8')) as { version: string }).version;

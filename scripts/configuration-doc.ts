// Renders the one config table (src/config/options.ts) into docs/configuration.md, between the
// markers, so a new option needs only its row in the table and `npm run docs:config`.
// test/integration/configuration-doc.test.ts fails when the page is not what this would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPTIONS, envName, type OptionName } from '../src/config/options.ts';

export const PAGE = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
export const BEGIN = '<!-- options: written by `npm run docs:config` from src/config/options.ts; edit the table there, not here -->';
export const END = '<!-- end of options -->';

// Defaults that depend on the machine or the install: what they are, not this machine's value.
const DESCRIBED: Partial<Record<OptionName, string>> = {
  root: 'the bundled `samples/images`',
  catalogs: 'the bundled `samples/catalogs`',
  'save-dir': 'the working directory',
  workers: 'the number of CPUs',
};

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function optionsTable(): string {
  const rows = (Object.keys(OPTIONS) as OptionName[]).map((name) => {
    const value = String(OPTIONS[name].default());
    const shown = DESCRIBED[name] ?? (value === '' ? '(empty)' : `\`${value}\``);
    return `| \`--${name}\` | \`${envName(name)}\` | ${cell(shown)} | ${cell(OPTIONS[name].help)} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The page with the table between its markers replaced by the one the config table gives. */
export function withOptionsTable(page: string): string {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${PAGE}: the markers ${BEGIN} and ${END} are missing`);
  return `${page.slice(0, start + BEGIN.length)}\n${optionsTable()}\n${page.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const before = readFileSync(PAGE, 'utf8');
  const after = withOptionsTable(before);
  if (after !== before) writeFileSync(PAGE, after);
  process.stdout.write(`${PAGE}: ${after === before ? 'already current' : 'rewritten'}\n`);
}

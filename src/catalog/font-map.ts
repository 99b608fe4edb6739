import { parseFlag } from '../protocol/values.ts';

/**
 * A font map file (the image catalog reference's "Font map reference"): tab-delimited records with a header row, keyed by
 * font::Name with font::Bold and font::Italic as secondary keys, font::FontPath relative to
 * attribute::RootPath. PsName and MetricsPath (Type 1 and FXG only) are read and not used.
 */
export interface FontEntry {
  /** As the RTF \fonttbl spells it; looked up without regard to case. */
  name: string;
  path: string;
  bold: boolean;
  italic: boolean;
}

export function parseFontMap(text: string): FontEntry[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines.shift()?.split('\t').map((h) => h.trim().toLowerCase().replace(/^font::/, ''));
  if (!header) return [];
  const at = (name: string) => header.indexOf(name);
  if (at('name') < 0 || at('fontpath') < 0) throw new Error('the font map needs Name and FontPath columns');
  const entries: FontEntry[] = [];
  const seen = new Set<string>();
  for (const [n, line] of lines.entries()) {
    const cells = line.split('\t').map((c) => c.trim());
    const flag = (column: string) => at(column) >= 0 && (cells[at(column)] ?? '') !== '' && parseFlag(cells[at(column)], `line ${n + 2} ${column}`);
    const entry = { name: cells[at('name')] ?? '', path: cells[at('fontpath')] ?? '', bold: flag('bold'), italic: flag('italic') };
    if (entry.name === '' || entry.path === '') throw new Error(`line ${n + 2}: a font needs a Name and a FontPath`);
    // The same Name up to four times, once per Bold/Italic combination (font::Name).
    const key = `${entry.name.toLowerCase()}|${entry.bold}|${entry.italic}`;
    if (seen.has(key)) throw new Error(`line ${n + 2}: ${entry.name} is mapped twice with the same Bold and Italic`);
    seen.add(key);
    entries.push(entry);
  }
  return entries;
}

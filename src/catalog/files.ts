/**
 * The two catalog file formats (the image catalog reference's "File formats" page): `.ini` attribute files of
 * `name=value` lines, and tab-delimited data files with a header row. Pure text in, maps out.
 */

/** UTF-8 when a BOM is present, otherwise ISO-8859-1, as the reference says. */
export function decodeCatalogText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  return new TextDecoder('latin1').decode(bytes);
}

/** Attribute names are case-insensitive, `#` starts a comment, the last duplicate wins. */
export function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase().replace(/^attribute::/, '');
    attributes.set(name, line.slice(eq + 1).trim());
  }
  return attributes;
}

/**
 * Tab-delimited records keyed by their `Id` field. Field names are case-insensitive, columns whose
 * name starts with `.` are ignored, and a later duplicate Id wins (`onDuplicate` hears of each).
 */
export function parseRecords(text: string, keyField = 'id', onDuplicate?: (key: string, line: number) => void): Map<string, Map<string, string>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const records = new Map<string, Map<string, string>>();
  const header = lines.shift()?.split('\t').map((h) => h.trim().toLowerCase().replace(/^catalog::/, ''));
  if (!header) return records;
  const keyIndex = header.indexOf(keyField);
  if (keyIndex < 0) throw new Error(`the data file has no ${keyField} column`);
  for (const [n, line] of lines.entries()) {
    const cells = line.split('\t');
    const record = new Map<string, string>();
    header.forEach((name, i) => {
      if (!name.startsWith('.')) record.set(name, cells[i] ?? '');
    });
    const key = cells[keyIndex] ?? '';
    if (key !== '' && records.has(key)) onDuplicate?.(key, n + 2);
    if (key !== '') records.set(key, record);
  }
  return records;
}

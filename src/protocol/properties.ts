/**
 * Java-properties text replies (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/response-data/properties/r-text-java-properties): a `#S7Z OK` (or `#S7Z ERR`) comment, a Java-style date
 * comment, then escaped `key=value` lines, as `java.util.Properties.store` writes them.
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `Date.toString()` as Java prints it, in UTC: `Mon Nov 23 21:45:36 UTC 2026`. */
export function javaDate(date: Date): string {
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ${two(date.getUTCHours())}:${two(
    date.getUTCMinutes(),
  )}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}

function escape(text: string, isKey: boolean): string {
  let out = '';
  for (const [i, ch] of [...text].entries()) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if (ch === '=' || ch === ':' || ((ch === '#' || ch === '!') && i === 0)) out += `\\${ch}`;
    else if (ch === ' ' && (isKey || i === 0)) out += '\\ ';
    else if (code < 0x20 || code > 0x7e) {
      for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

export function formatProperties(entries: Iterable<[string, string | number]>, ok = true, now = new Date()): string {
  let text = `#S7Z ${ok ? 'OK' : 'ERR'}\n#${javaDate(now)}\n`;
  for (const [key, value] of entries) text += `${escape(key, true)}=${escape(String(value), false)}\n`;
  return text;
}

/** Property data as catalogs hold it (UserData, Targets): `key=value` pairs split by `??` or line breaks. */
/** A record's UserData as the text reply gives it: one `key=value` pair a line, `??` being the separator. */
export const userDataText = (data: string): string => `${data.split('??').join('\r\n')}\r\n`;

export function propertyPairs(text: string): [string, string][] {
  return text
    .split(/\?\?|\r?\n/)
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]);
}

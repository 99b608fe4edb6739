import { formatProperties } from './properties.ts';
import type { Modifier } from './url.ts';

/**
 * The four property reply formats of the reference (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/response-data/properties/c-properties): Java properties (text), javascript assignments,
 * XML prop-groups and JSONP. Keys are flat dotted names (`image.width`); values are strings.
 */
export type ReplyFormat = 'text' | 'javascript' | 'xml' | 'json';

export interface FormatOptions {
  format: ReplyFormat;
  /** JSONP callback; letters and digits only, checked by the parser. */
  handler: string;
  /** JSONP request id (`id=`), echoed as the second argument. */
  requestId: string;
}

export const CONTENT_TYPES: Record<ReplyFormat, string> = {
  text: 'text/plain; charset=utf-8',
  javascript: 'text/javascript; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
  json: 'text/javascript; charset=utf-8',
};

/**
 * The format and JSONP options of a request, read without failing: an error reply must be
 * formattable even when the request is otherwise invalid.
 */
export function formatOptionsOf(modifiers: readonly Modifier[]): FormatOptions {
  let req: string | undefined;
  let handler: string | undefined;
  let id: string | undefined;
  for (const m of modifiers) {
    if (m.name === 'req') req = m.value;
    else if (m.name === 'handler') handler = m.value;
    else if (m.name === 'id') id = m.value;
  }
  const requested = (req ?? '').split(',')[1]?.trim().toLowerCase();
  const format = requested !== undefined && Object.hasOwn(CONTENT_TYPES, requested) ? (requested as ReplyFormat) : 'text';
  return {
    format,
    handler: handler && /^[A-Za-z0-9]+$/.test(handler) ? handler : 's7jsonResponse',
    requestId: id ?? '',
  };
}

/**
 * A JavaScript string literal's body, safe in a `'…'` literal and inside an HTML `<script>`: `\'`,
 * `\\`, line terminators and other control characters as escapes, and every `<` as `\u003c` (no
 * `</script>` nor `<!--` can survive). Adobe's reference doubles `'`, which is not JavaScript
 * (docs/compatibility.md).
 */
const JS_ESCAPES: Record<string, string> = { "'": "\\'", '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const jsString = (s: string) =>
  s.replace(/['\\\u0000-\u001f\u007f\u2028\u2029<]/g, (c) => JS_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * An error message as a reply may carry it: messages quote what the client sent, so `<` and `>`
 * are percent-encoded, as they would be in the URL, and no reply format can carry the client's markup.
 */
export const errorText = (message: string) => message.replace(/[<>]/g, (c) => (c === '<' ? '%3C' : '%3E'));

const xmlEscape = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function formatReply(entries: [string, string | number][], options: FormatOptions, ok = true): string {
  switch (options.format) {
    case 'text':
      return formatProperties(entries, ok);
    case 'javascript':
      return entries.map(([k, v]) => `${k}='${jsString(String(v))}';\n`).join('');
    case 'json': {
      // JSON.stringify escapes quotes and control characters; `<` too, so no `</script>` survives.
      const json = JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [k, String(v)]))).replace(/</g, '\\u003c');
      return `/*jsonp*/${options.handler}(${json},${JSON.stringify(options.requestId).replace(/</g, '\\u003c')});`;
    }
    case 'xml': {
      const groups = new Map<string, [string, string][]>();
      for (const [key, value] of entries) {
        const dot = key.indexOf('.');
        const group = dot < 0 ? '' : key.slice(0, dot);
        if (!groups.has(group)) groups.set(group, []);
        groups.get(group)!.push([dot < 0 ? key : key.slice(dot + 1), String(value)]);
      }
      let xml = '<?xml version="1.0" encoding="UTF-8" ?>\n<prop-group>\n';
      for (const [group, props] of groups) {
        const inner = props.map(([n, v]) => `    <property name="${xmlEscape(n)}" value="${xmlEscape(v)}" />\n`).join('');
        xml += group === '' ? inner.replace(/^ {2}/gm, '') : `  <prop-group name="${xmlEscape(group)}">\n${inner}  </prop-group>\n`;
      }
      return `${xml}</prop-group>\n`;
    }
  }
}

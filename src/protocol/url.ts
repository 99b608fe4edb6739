import { forbidden } from './errors.ts';

/** One `name[=value]` modifier of the query, as the client sent it, after decoding. */
export interface Modifier {
  /** Lower-cased: a command name, `$name$` for a macro, `$name` for a variable definition. */
  name: string;
  /** Decoded value; undefined when the modifier had no `=`. */
  value: string | undefined;
}

export interface ParsedUrl {
  context: string;
  /** Decoded path elements after the context, e.g. ['sample', 'rose']. */
  path: string[];
  modifiers: Modifier[];
  /** The query as sent, still encoded (request locks are computed over it). */
  rawQuery: string;
  /** What follows the context, path and query, as sent: what rule sets rewrite. */
  target: string;
}

/**
 * Decodes one URL component. `+` is a space (wcm.io writes spaces that way) and escapes are
 * UTF-8; a malformed or overlong escape is a parse error, never a silent pass-through.
 */
function decodeComponent(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw forbidden(`Malformed URL encoding in ${what}`);
  }
}

/**
 * Splits a request target as the reference's decoding order says (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-basic-syntax): path elements are
 * decoded one by one; the query is split on `&` and `=` first, and only then are names and values
 * decoded, so `%26`, `%3D` and `%2C` inside a value survive splitting.
 */
export function parseRequestTarget(target: string): ParsedUrl {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  const segments = rawPath.split('/').filter((s) => s !== '');
  const [first, second, ...rest] = segments;
  const context = `/${first ?? ''}/${second ?? ''}`.toLowerCase();
  return {
    context,
    path: rest.map((s) => decodeComponent(s, 'the object path')),
    modifiers: parseModifiers(rawQuery),
    rawQuery,
    target: `${rest.join('/')}${q < 0 ? '' : `?${rawQuery}`}`,
  };
}

/**
 * A nested request's `path?query` (the text of `src=is{…}`), decoded as a top-level target's
 * path and query are: the one decoding, so a nested path refuses what a URL's path refuses.
 */
export function parseNestedTarget(target: string): { path: string[]; modifiers: Modifier[] } {
  const [rawPath = '', ...rest] = splitTopLevel(target, '?');
  return { path: rawPath.split('/').filter((e) => e !== '').map((e) => decodeComponent(e, 'a nested request path')), modifiers: parseModifiers(rest.join('?')) };
}

/** An /is/image request of an object path and a query (isle render's, which no URL carries). */
export function imageRequestOf(path: readonly string[], rawQuery: string): ParsedUrl {
  const encoded = path.map(encodeURIComponent).join('/');
  return { context: '/is/image', path: [...path], modifiers: parseModifiers(rawQuery), rawQuery, target: `${encoded}?${rawQuery}` };
}

/**
 * Splits a query on `&` outside brackets: a nested request `src=is{a?wid=1&hei=2}` is one
 * modifier (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-request-nesting-and-embedding: its delimiters are literal). `{` always opens
 * (RTF braces must be encoded); `(` opens only where a bracket form can start, so a stray `(` in
 * an ordinary value cannot swallow what follows. Unbalanced brackets are a parse error.
 */
export function splitTopLevel(query: string, separator = '&'): string[] {
  const out: string[] = [];
  const closers: string[] = [];
  let start = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (c === '{' || (c === '(' && (closers.length > 0 || opensBracketForm(query, i)))) closers.push(c === '{' ? '}' : ')');
    else if (closers.length > 0 && c === closers.at(-1)) closers.pop();
    else if (c === separator && closers.length === 0) {
      out.push(query.slice(start, i));
      start = i + 1;
    }
  }
  if (closers.length > 0) throw forbidden('Unbalanced brackets in the request');
  out.push(query.slice(start));
  return out;
}

/** `(` right after `src=`, `mask=`, `imageSet=` or a nested-request prefix (`is(`, `ir(`, `fxg(`). */
function opensBracketForm(query: string, i: number): boolean {
  const before = query.slice(Math.max(0, i - 9), i).toLowerCase();
  return /(^|[&?])(src|mask|imageset)=(is|ir|fxg)?$/.test(before);
}

/** A value holding a nested or foreign request: `is{…}`, `ir(…)`, `fxg{…}`, `{url}`, `(url)`. */
export const BRACKET_FORM = /^(is|ir|fxg)?[{(]/i;

const NESTING_COMMANDS = new Set(['src', 'mask', 'imageset']);

export function parseModifiers(rawQuery: string): Modifier[] {
  const modifiers: Modifier[] = [];
  for (const part of splitTopLevel(rawQuery)) {
    // Empty modifiers (`?&&fmt=jpeg`) and `.comments` are ignored (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-basic-syntax; docs/compatibility.md).
    if (part === '' || part.startsWith('.')) continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = decodeComponent(rawName, 'a command name');
    if (name.startsWith('.')) continue;
    const rawValue = eq < 0 ? undefined : part.slice(eq + 1);
    // A nested request is encoded like the outer one: its text is parsed, and decoded, on its own.
    const nested = rawValue !== undefined && NESTING_COMMANDS.has(name.toLowerCase()) && BRACKET_FORM.test(rawValue);
    const value = rawValue === undefined ? undefined : nested ? rawValue : decodeComponent(rawValue, `the value of ${name}`);
    modifiers.push({ name: name.toLowerCase(), value });
  }
  return modifiers;
}

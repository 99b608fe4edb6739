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
 * Splits a request target as the reference's decoding order says (spec §1.3): path elements are
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
  };
}

export function parseModifiers(rawQuery: string): Modifier[] {
  const modifiers: Modifier[] = [];
  for (const part of rawQuery.split('&')) {
    // Empty modifiers (`?&&fmt=jpeg`) and `.comments` are ignored (spec §1.5, §1.10).
    if (part === '' || part.startsWith('.')) continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = decodeComponent(rawName, 'a command name');
    if (name.startsWith('.')) continue;
    const value = eq < 0 ? undefined : decodeComponent(part.slice(eq + 1), `the value of ${name}`);
    modifiers.push({ name: name.toLowerCase(), value });
  }
  return modifiers;
}

import type { Account } from './account.ts';
import { forbidden } from './errors.ts';
import type { Modifier } from './url.ts';

/**
 * Macros and substitution variables (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-is-http-command-macros, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-is-http-substitution-variables), on the ordered modifier list.
 * Pure: the macro definitions come in as a lookup function.
 */

const MACRO = /^\$([a-z0-9._-]+)\$$/;
const REFERENCE = /\$([A-Za-z0-9._-]+)\$/g;

/** What a command adds to the expanded query: its name, its value and the `=`. */
export const bytesOf = (m: Modifier) => Buffer.byteLength(m.name) + (m.value === undefined ? 0 : 1 + Buffer.byteLength(m.value));
const VARIABLE_DEFINITION = /^\$([a-z0-9._-]+)$/;
const NO_SUBSTITUTION = new Set(['layer', 'effect']);

/**
 * Replaces each `$name$` modifier, in place, by the commands it stands for, so that commands
 * before it are overridden by the macro and commands after it override the macro. Definitions are
 * expanded when they are loaded, so one level of lookup is all there is here.
 */
export function expandMacros(
  modifiers: readonly Modifier[],
  lookup: (name: string) => readonly Modifier[] | undefined,
  maxCommands = Infinity,
  account?: Account,
): Modifier[] {
  const out: Modifier[] = [];
  // Counted before anything is copied: a URL repeating a large macro is refused, not built.
  const tooMany = () => forbidden(`The request has more than ${maxCommands} commands once macros are expanded`);
  for (const m of modifiers) {
    // `$name$=` (a stray `=` seen in real URLs) is the macro too.
    const macro = MACRO.exec(m.name);
    if (!macro) {
      if (out.length >= maxCommands) throw tooMany();
      account?.charge('query', bytesOf(m));
      out.push(m);
      continue;
    }
    // An undefined macro is left out, as an unknown command is (docs/compatibility.md, leniency).
    const definition = lookup(macro[1]!);
    if (!definition) continue;
    if (out.length + definition.length > maxCommands) throw tooMany();
    if (account) for (const d of definition) account.charge('query', bytesOf(d));
    out.push(...definition);
  }
  return out;
}

/**
 * Applies `$var=value` definitions to `$var$` references. Every definition is collected first, the
 * last one winning, and then every reference is replaced: a template's Modifier refers to
 * variables whose values the URL, after it, supplies (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/c-templates; a reading of ours,
 * docs/compatibility.md). An undefined reference stays literal, references do not nest, and
 * `layer=`/`effect=` values are left alone. The definitions themselves are dropped.
 */
export function substituteVariables(modifiers: readonly Modifier[], variables: ReadonlyMap<string, string>, account?: Account): Modifier[] {
  const out: Modifier[] = [];
  for (const m of modifiers) {
    if (VARIABLE_DEFINITION.test(m.name) && m.value !== undefined) continue;
    if (m.value === undefined || NO_SUBSTITUTION.has(m.name) || !m.value.includes('$')) {
      out.push(m);
      continue;
    }
    // What the value grows by is charged before it is built: a value repeating a long variable is
    // refused, not made (and a nested request substitutes again, on the same account).
    if (account) {
      let growth = 0;
      for (const ref of m.value.matchAll(REFERENCE)) {
        const value = variables.get(ref[1]!.toLowerCase());
        if (value !== undefined) growth += Buffer.byteLength(value) - Buffer.byteLength(ref[0]);
      }
      if (growth > 0) account.charge('query', growth);
    }
    const value = m.value.replace(REFERENCE, (whole, name: string) => variables.get(name.toLowerCase()) ?? whole);
    out.push({ name: m.name, value });
  }
  return out;
}

/** The `$var=value` definitions, on top of `predefined` (`$object$`, or an outer request's). */
export function variablesOf(modifiers: readonly Modifier[], predefined: ReadonlyMap<string, string>): Map<string, string> {
  const variables = new Map(predefined);
  for (const m of modifiers) {
    const definition = VARIABLE_DEFINITION.exec(m.name);
    if (definition && m.value !== undefined) variables.set(definition[1]!, m.value);
  }
  return variables;
}

/** The modifiers back as a query string, values escaped only where the syntax needs it. */
export function formatModifiers(modifiers: readonly Modifier[]): string {
  const escape = (s: string) => s.replace(/[%&=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return modifiers.map((m) => (m.value === undefined ? escape(m.name) : `${escape(m.name)}=${escape(m.value)}`)).join('&');
}

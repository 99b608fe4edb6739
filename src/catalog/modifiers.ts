import { expandMacros, substituteVariables, variablesOf } from '../protocol/expand.ts';
import type { Modifier } from '../protocol/url.ts';
import type { Catalogs } from './load.ts';
import type { ResolvedObject } from './resolve.ts';

/**
 * The commands a request really carries: catalog Modifier, then the URL's, then PostModifier
 * (spec §1.9), macros expanded in place from the object's catalog and then the default catalog,
 * variables substituted with `$object$` predefined as the path object (and the outer request's,
 * for a nested one).
 */
export function effectiveModifiers(
  object: ResolvedObject,
  urlModifiers: readonly Modifier[],
  catalogs: Catalogs,
  objectPath: string,
  maxCommands = Infinity,
  /** An outer request's variables, which a nested request sees (SYN/r-is-http-substitution-variables.md). */
  outer: ReadonlyMap<string, string> = new Map(),
): { modifiers: Modifier[]; variables: Map<string, string> } {
  const lookup = (name: string) => object.catalog.macros.get(name) ?? catalogs.defaultCatalog.macros.get(name);
  const expanded = expandMacros([...object.modifiers, ...urlModifiers, ...object.postModifiers], lookup, maxCommands);
  const variables = variablesOf(expanded, new Map([...outer, ['object', objectPath]]));
  return { modifiers: substituteVariables(expanded, variables), variables };
}

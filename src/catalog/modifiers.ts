import type { Account } from '../protocol/account.ts';
import { expandMacros, substituteVariables, variablesOf } from '../protocol/expand.ts';
import { parseModifiers, type Modifier } from '../protocol/url.ts';
import type { Catalogs } from './load.ts';
import type { ResolvedObject } from './resolve.ts';

/**
 * `$shadow$` and `$glow$`, which the reference's default catalog has but whose bodies it does not
 * give (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-layer-effects); these follow Photoshop's defaults (docs/compatibility.md). A
 * catalog's own macro of the same name wins.
 */
const EFFECT_MACROS: ReadonlyMap<string, Modifier[]> = new Map([
  ['shadow', parseModifiers('pos=5,5&op_blur=5&color=0,0,0&opac=75&blendMode=mult')],
  ['glow', parseModifiers('op_grow=3&op_blur=5&color=255,255,190&opac=75&blendMode=screen')],
]);

/**
 * The commands a request really carries: catalog Modifier, then the URL's, then PostModifier
 * (the last occurrence of a command wins), macros expanded in place from the object's catalog and then the default catalog,
 * variables substituted with `$object$` predefined as the path object (and the outer request's,
 * for a nested one). The expanded query's bytes are charged to the request's account as it grows.
 */
export function effectiveModifiers(
  object: ResolvedObject,
  urlModifiers: readonly Modifier[],
  catalogs: Catalogs,
  objectPath: string,
  limits: { maxCommands: number; account: Account },
  /** An outer request's variables, which a nested request sees (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-is-http-substitution-variables). */
  outer: ReadonlyMap<string, string> = new Map(),
): { modifiers: Modifier[]; variables: Map<string, string> } {
  const lookup = (name: string) => object.catalog.macros.get(name) ?? catalogs.defaultCatalog.macros.get(name) ?? EFFECT_MACROS.get(name);
  const expanded = expandMacros([...object.modifiers, ...urlModifiers, ...object.postModifiers], lookup, limits.maxCommands, limits.account);
  const variables = variablesOf(expanded, new Map([...outer, ['object', objectPath]]));
  return { modifiers: substituteVariables(expanded, variables, limits.account), variables };
}

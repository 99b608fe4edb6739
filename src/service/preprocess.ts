import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Catalogs } from '../catalog/load.ts';
import { catalogOfPath, type ResolvedObject } from '../catalog/resolve.ts';
import { applyRules, type RuleOutcome } from '../catalog/rule-set.ts';
import { parseRequestTarget, type ParsedUrl } from '../protocol/url.ts';
import { log } from '../observe/log.ts';

/**
 * Rule sets applied to a request before it is parsed (catalog/rule-set.ts): the rules of the
 * catalog the path names, or of the default catalog when it names none (the rule set reference).
 */
export interface Preprocessed {
  url: ParsedUrl;
  overrides: RuleOutcome['overrides'];
  headers: RuleOutcome['headers'];
}

export function preprocess(url: ParsedUrl, catalogs: Catalogs, context: 'is' | 'static' = 'is'): Preprocessed {
  const rules = catalogOfPath(url.path, catalogs).ruleSet;
  if (!rules) return { url, overrides: {}, headers: [] };
  const outcome = applyRules(rules, url.target, context);
  const rewritten = outcome.target === url.target ? url : parseRequestTarget(`${url.context}/${outcome.target}`);
  return { url: rewritten, overrides: outcome.overrides, headers: outcome.headers };
}

/** A nested request's text (path, `?`, query) through the rules of the catalog its path names. */
export function preprocessNested(target: string, catalogs: Catalogs): string {
  const first = target.split(/[/?]/)[0];
  const rules = catalogOfPath(first ? [first] : [], catalogs).ruleSet;
  return rules ? applyRules(rules, target, 'is').target : target;
}

/** The object with the rules' attribute overrides on its catalog, for this request only. */
export function withOverrides(object: ResolvedObject, overrides: RuleOutcome['overrides']): ResolvedObject {
  if (Object.keys(overrides).length === 0) return object;
  return { ...object, catalog: { ...object.catalog, attributes: { ...object.catalog.attributes, ...overrides } } };
}

/** The rules' response headers, `$var$` filled from the request's variables (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/rule-set-reference/r-header-rule). */
export function ruleHeaders(headers: RuleOutcome['headers'], variables: ReadonlyMap<string, string>): Record<string, string> {
  const fill = (s: string) => s.replace(/\$([\w.-]+)\$/g, (whole, name: string) => variables.get(name.toLowerCase()) ?? whole);
  const out: Record<string, string> = {};
  for (const h of headers) {
    const name = fill(h.name);
    const value = fill(h.value).replace(/[\r\n]/g, ' ');
    // A variable may bring what HTTP cannot carry (a character past Latin-1, a space in a name):
    // writeHead would throw once the status is set. Such a header is dropped; the reply goes on.
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (err) {
      log.warn({ header: name.slice(0, 100), reason: (err as Error).message }, 'a rule set header HTTP cannot carry was dropped');
      continue;
    }
    out[name] = h.add && out[name] !== undefined ? `${out[name]}, ${value}` : value;
  }
  return out;
}

import type { BlockList } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { RE2JS } from 're2js';
import { parseAddressList } from '../protocol/addresses.ts';
import { forbidden } from '../protocol/errors.ts';
import type { Size } from '../protocol/request.ts';
import { parseFlag, parseInt32, parseReal } from '../protocol/values.ts';

/**
 * Request preprocessing (attribute::RuleSetFile; https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-request-preprocessing and the rule set
 * reference): rules that rewrite the request before it is parsed, refuse it, override catalog
 * attributes and add response headers. Expressions run on RE2JS, a linear-time engine, so no rule
 * can stall the server however it is written; what Java's dialect has and RE2 has not
 * (backreferences, possessive quantifiers, atomic groups) is refused at load, naming the rule.
 * Pure: the file's text in, rules out; a request string in, the outcome out.
 */

/** The catalog attributes a rule may override (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/rule-set-reference/r-rule-rule), as far as Isle implements them. */
export interface RuleOverrides {
  defaultImageMode?: 0 | 1;
  errorImage?: string;
  expiration?: number;
  maxSize?: Size;
  requestLock?: boolean;
  savePath?: string;
  rootUrl?: string;
  clientFilter?: BlockList;
  watermark?: string;
}

interface Header {
  name: string;
  value: string;
  add: boolean;
}

/** A substitution, read once: literal text and capture group numbers. */
type Substitution = (string | number)[];

interface Rule {
  name: string;
  onMatch: 'break' | 'continue' | 'error';
  replaceAll: boolean;
  /** Contexts: is (/is/image), static (/is/content); ir is never served here. */
  types: ReadonlySet<string>;
  expression?: RE2JS;
  substitution?: Substitution;
  headers: Header[];
  overrides: RuleOverrides;
}

export interface RuleSet {
  rules: Rule[];
}

export interface RuleOutcome {
  /** The request string after the rules. */
  target: string;
  overrides: RuleOverrides;
  headers: Header[];
}

const ATTRIBUTES: Record<string, (value: string, rule: string) => RuleOverrides> = {
  defaultimagemode: (v, r) => ({ defaultImageMode: parseFlag(v, `${r}: DefaultImageMode`) ? 1 : 0 }),
  errorimage: (v) => ({ errorImage: v }),
  expiration: (v, r) => ({ expiration: parseReal(v, `${r}: Expiration`, -1, 1e6) }),
  maxpix: (v, r) => {
    const [w = '', h = ''] = v.split(',');
    return { maxSize: { width: parseInt32(w.trim(), `${r}: MaxPix`, 0), height: parseInt32(h.trim(), `${r}: MaxPix`, 0) } };
  },
  requestlock: (v, r) => ({ requestLock: parseFlag(v, `${r}: RequestLock`) }),
  rooturl: (v, r) => {
    if (!/^https?:\/\/[^/]/i.test(v)) throw new Error(`${r}: RootUrl must be an http or https URL`);
    return { rootUrl: v.endsWith('/') ? v : `${v}/` };
  },
  savepath: (v, r) => {
    // The same rule as the attribute's: a relative folder inside SaveDirectory.
    if (v.startsWith('/') || v.split(/[/\\]/).includes('..')) throw new Error(`${r}: SavePath must be a relative folder inside SaveDirectory`);
    return { savePath: v };
  },
  // Empty turns the watermark off, as for the attribute (a rule may spare some clients or paths).
  watermark: (v) => ({ watermark: v.trim() }),
};
const NOT_IMPLEMENTED = new Set(['requestobfuscation']);
const RULE_ATTRIBUTES = new Set(['onmatch', 'replace', 'requesttype', 'name']);

/** Where the parser puts an element's attributes, apart from its children. */
const ATTRS = '@';
const attributesOf = (element: unknown): Record<string, string> =>
  (typeof element === 'object' && element !== null ? ((element as Record<string, unknown>)[ATTRS] as Record<string, string> | undefined) : undefined) ?? {};

const text = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && '#text' in value) return String((value as { '#text': unknown })['#text']);
  return '';
};

export function parseRuleSet(xml: string, file: string): RuleSet {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: ATTRS,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    isArray: (name) => name === 'rule' || name === 'header',
  });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: not a well-formed rule set: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = doc.ruleset as { rule?: Record<string, unknown>[] } | '' | undefined;
  if (root === undefined) throw new Error(`${file}: the root element must be <ruleset>`);
  const rules = (typeof root === 'object' ? (root.rule ?? []) : []).map((raw, i) => parseRule(raw, `${file}: rule ${attributesOf(raw).Name ?? i + 1}`));
  return { rules };
}

function parseRule(raw: Record<string, unknown>, name: string): Rule {
  const attributes = attributesOf(raw);
  const onMatch = String(attributes.OnMatch ?? 'break');
  if (onMatch !== 'break' && onMatch !== 'continue' && onMatch !== 'error') throw new Error(`${name}: OnMatch must be break, continue or error`);
  const replace = String(attributes.Replace ?? 'first');
  if (replace !== 'first' && replace !== 'all') throw new Error(`${name}: Replace must be first or all`);
  const types = new Set(String(attributes.RequestType ?? 'is,static').split(',').map((t) => t.trim().toLowerCase()));
  const overrides: RuleOverrides = {};
  for (const [key, value] of Object.entries(attributes)) {
    const attribute = key.toLowerCase();
    if (RULE_ATTRIBUTES.has(attribute)) continue;
    if (NOT_IMPLEMENTED.has(attribute)) throw new Error(`${name}: the ${key} override is not supported by this server`);
    const read = ATTRIBUTES[attribute];
    if (!read) throw new Error(`${name}: ${key} is not an attribute a rule may override`);
    try {
      Object.assign(overrides, read(value.trim(), name));
    } catch (err) {
      throw new Error((err as Error).message);
    }
  }
  const filter = text(raw.addressfilter);
  if (filter !== undefined && filter.trim() !== '') {
    try {
      overrides.clientFilter = parseAddressList(filter.trim(), `${name}: addressfilter`);
    } catch (err) {
      throw new Error((err as Error).message);
    }
  }
  const pattern = text(raw.expression);
  let expression: RE2JS | undefined;
  if (pattern !== undefined && pattern !== '') {
    try {
      expression = RE2JS.compile(pattern);
    } catch (err) {
      throw new Error(`${name}: the expression cannot be used (${(err as Error).message}); backreferences, possessive quantifiers and atomic groups of Java's regex dialect have no linear-time form`);
    }
  }
  const headers = ((raw.header as Record<string, unknown>[] | undefined) ?? []).map((h) => {
    const headerName = String(attributesOf(h).Name ?? '');
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(headerName.replace(/\$[\w.-]+\$/g, 'x'))) throw new Error(`${name}: header Name must be an HTTP header name`);
    return { name: headerName, value: text(h) ?? '', add: attributesOf(h).Action === 'add' };
  });
  const substitution = text(raw.substitution);
  const groups = expression?.groupCount() ?? 0;
  return { name, onMatch, replaceAll: replace === 'all', types, expression, substitution: substitution === undefined ? undefined : readSubstitution(substitution, groups), headers, overrides };
}

/**
 * Java's replacement syntax, translated: `$n` is capture group n (two digits when that group
 * exists), `\c` is the character c (Adobe's `\?`). A `$` not followed by a group number stays a
 * `$`, where Java would fail: substitutions here write `$var=` and `$macro$` (docs/compatibility.md).
 */
function readSubstitution(text: string, groups: number): Substitution {
  const parts: Substitution = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      literal += text[++i];
      continue;
    }
    const digits = c === '$' ? /^\d{1,2}/.exec(text.slice(i + 1))?.[0] : undefined;
    if (digits !== undefined) {
      const two = digits.length === 2 && Number(digits) <= groups;
      const n = Number(two ? digits : digits[0]);
      if (n <= groups) {
        if (literal) parts.push(literal);
        literal = '';
        parts.push(n);
        i += two ? 2 : 1;
        continue;
      }
    }
    literal += c;
  }
  if (literal) parts.push(literal);
  return parts;
}

const expand = (substitution: Substitution, match: string, groups: (string | undefined)[]) =>
  substitution.map((p) => (typeof p === 'number' ? (p === 0 ? match : (groups[p - 1] ?? '')) : p)).join('');

/** Applies the rules in order to the request string (path after the context, `?`, query). */
export function applyRules(set: RuleSet, target: string, context: 'is' | 'static'): RuleOutcome {
  let current = target;
  const overrides: RuleOverrides = {};
  const headers: Header[] = [];
  for (const rule of set.rules) {
    if (!rule.types.has(context)) continue;
    let matched = true;
    if (rule.expression) {
      const matcher = rule.expression.matcher(current);
      matched = matcher.find();
      if (matched && rule.substitution !== undefined) {
        const substitution = rule.substitution;
        const groups = rule.expression.groupCount();
        const replacer = (match: string, ...rest: unknown[]) => expand(substitution, match, rest.slice(0, groups) as (string | undefined)[]);
        const again = rule.expression.matcher(current);
        current = rule.replaceAll ? again.replaceAll(replacer) : again.replaceFirst(replacer);
      }
    } else if (rule.substitution !== undefined) {
      // Without an expression every request matches, and the substitution is appended.
      current += expand(rule.substitution, '', []);
    }
    if (!matched) continue;
    if (rule.onMatch === 'error') throw forbidden('The request was refused');
    Object.assign(overrides, rule.overrides);
    headers.push(...rule.headers);
    if (rule.onMatch === 'break') break;
  }
  return { target: current, overrides, headers };
}

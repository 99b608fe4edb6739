// The modifiers as a map of commands, and the readers of that map that come before, and apart from,
// the typed request: empty values dropped, the last occurrence winning, which of several rival
// commands came last, the request type (req=) and the cache= policy.
import { COMMANDS } from './command-table.ts';
import { forbidden } from './errors.ts';
import { CONTENT_TYPES } from './reply-format.ts';
import type { Modifier } from './url.ts';
import { oneOf } from './values.ts';

const REQUEST_TYPES = [
  'img', 'tmb', 'mask', 'savetofile', 'props', 'imageprops', 'exists', 'validate', 'resolve', 'userdata', 'catalogprops', 'message', 'loadcache',
  'tile', 'set', 'imageset', 'targets', 'xmp', 'map', 'ctx', 'fvctx',
] as const;

/** What `req=` asks for, lower case (`req=saveToFile` is `savetofile`). */
export type RequestType = (typeof REQUEST_TYPES)[number];
const isRequestType = (name: string): name is RequestType => (REQUEST_TYPES as readonly string[]).includes(name);
const CACHE_MODES = { on: 'on', off: 'off', validate: 'validate', update: 'update' } as const;

/**
 * Commands whose empty value (`wid=`, `fit=`) real URL builders send for "not given": they are
 * dropped before anything reads them. An empty value keeps its meaning for these.
 */
const EMPTY_MEANS_SOMETHING = new Set(['defaultimage', 'src', 'mask', 'layer', 'effect', 'name', 'message', 'id', 'handler', 'type', 'template', 'req', 'cache']);

export function withoutEmptyValues(modifiers: readonly Modifier[]): Modifier[] {
  return modifiers.filter((m) => !((m.value === undefined || m.value.trim() === '') && COMMANDS.has(m.name) && !EMPTY_MEANS_SOMETHING.has(m.name)));
}

/** The last occurrence of each command wins (the precedence the reference gives commands: URL over catalog Modifier, PostModifier over both). */
export function lastWins(modifiers: readonly Modifier[]): Map<string, string | undefined> {
  const commands = new Map<string, string | undefined>();
  for (const m of modifiers) {
    commands.delete(m.name);
    commands.set(m.name, m.value);
  }
  return commands;
}

export function requestType(commands: Map<string, string | undefined>): RequestType {
  const value = commands.get('req');
  if (value === undefined) return 'img';
  const [rawType = '', format] = value.split(',').map((p) => p.trim().toLowerCase());
  if (!isRequestType(rawType)) throw forbidden(`req=${/^[a-z]{1,20}$/.test(rawType) ? rawType : '…'} is not supported`);
  if (format !== undefined) oneOf(CONTENT_TYPES, format, 'the req= format');
  return rawType;
}

/** Of commands that replace one another (crop/cropN, op_usm/op_usmR, extend/extendN), the one given last. */
export function lastOf(commands: Map<string, string | undefined>, ...names: string[]): string | undefined {
  return [...commands.keys()].filter((n) => names.includes(n)).at(-1);
}

/** cache=: the client part `off` makes the reply non-cacheable (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-cache). */
export function clientCacheAllowed(commands: Map<string, string | undefined>): boolean {
  const value = commands.get('cache');
  if (value === undefined) return true;
  return oneOf(CACHE_MODES, value.split(',')[0], 'cache') !== 'off';
}

/** cache=: the server part (the second value; the client's when there is one only) of https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-cache. */
export function serverCacheMode(commands: Map<string, string | undefined>): 'on' | 'off' | 'validate' | 'update' {
  const value = commands.get('cache');
  if (value === undefined) return 'on';
  const [client = '', server = client] = value.split(',').map((p) => p.trim().toLowerCase());
  return Object.hasOwn(CACHE_MODES, server) ? CACHE_MODES[server as keyof typeof CACHE_MODES] : 'on';
}

import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { BoundedCache } from '../common/bounded-cache.ts';
import { forbidden } from './errors.ts';

/**
 * Client address lists (ClientAddressFilter, --save-allow): addresses with optional CIDR masks,
 * separated by commas. IPv4 clients that arrive as IPv4-mapped IPv6 (`::ffff:a.b.c.d`) are matched
 * as IPv4.
 */
export function parseAddressList(text: string, what: string): BlockList {
  const list = new BlockList();
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const [address = '', mask] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const bits = mask === undefined ? (family === 'ipv4' ? 32 : 128) : Number(mask);
    if (!family || !Number.isInteger(bits) || bits < 0 || bits > (family === 'ipv4' ? 32 : 128)) {
      throw new Error(`${what}: '${entry}' is not an address with an optional /mask`);
    }
    list.addSubnet(address, bits, family);
  }
  return list;
}

/**
 * Answers by list and address, remembered: BlockList.check builds an address object each call, a
 * cost on every request (the trusted proxies are checked for each). The lists are made once, by
 * parseAddressList, and never changed; each keeps at most MAX_REMEMBERED answers, the least recently
 * used out.
 */
const remembered = new WeakMap<BlockList, BoundedCache<string, boolean>>();
const MAX_REMEMBERED = 1024;

export function allows(list: BlockList, clientAddress: string | undefined): boolean {
  if (!clientAddress) return false;
  let answers = remembered.get(list);
  if (!answers) remembered.set(list, (answers = new BoundedCache({ maxEntries: MAX_REMEMBERED })));
  let answer = answers.get(clientAddress);
  if (answer === undefined) answers.set(clientAddress, (answer = check(list, clientAddress)));
  return answer;
}

/** ClientAddressFilter: refuses a client the catalog's filter (when it has one) does not list. */
export function admitClient(filter: BlockList | undefined, clientAddress: string | undefined): void {
  if (filter && !allows(filter, clientAddress)) throw forbidden('Access denied: this client address is not allowed for this catalog');
}

function check(list: BlockList, clientAddress: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(clientAddress)?.[1];
  if (mapped) return list.check(mapped, 'ipv4');
  if (isIPv4(clientAddress)) return list.check(clientAddress, 'ipv4');
  // An obfuscated or unknown hop (`for=_hidden`, `unknown`) is no address and is allowed nowhere.
  return isIPv6(clientAddress) && list.check(clientAddress, 'ipv6');
}

/** A `for=` node of RFC 7239 or an X-Forwarded-For entry without its quotes, brackets and port. */
function node(text: string): string {
  const t = text.trim().replace(/^"|"$/g, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(t);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/.exec(t);
  return v4 ? v4[1]! : t;
}

/** The forwarding header Isle believes from a trusted proxy; the other one is ignored entirely. */
export type ForwardedHeader = 'x-forwarded-for' | 'forwarded';

/** The hops a request came through, nearest last, as the one believed header lists them. */
function forwardedHops(value: string, which: ForwardedHeader): string[] {
  if (which === 'forwarded') {
    return value.split(',').flatMap((element) => {
      const pair = element.split(';').map((p) => p.trim()).find((p) => /^for=/i.test(p));
      return pair ? [node(pair.slice(4))] : [];
    });
  }
  return value.split(',').map(node).filter((h) => h !== '');
}

/**
 * The client's address: the peer's, unless the peer is a trusted proxy; then the hops of the one
 * header the operator names (`--forwarded-header`) are walked from the nearest, and the first one
 * not trusted is the client (a client can prepend any hops it likes, so only those our own proxies
 * added count). The other header is never read: a proxy that sets only X-Forwarded-For passes a
 * client's own `Forwarded` on unchanged. Pure.
 */
export function clientAddress(
  peer: string | undefined,
  headers: Record<string, string | string[] | undefined>,
  trusted: BlockList,
  which: ForwardedHeader = 'x-forwarded-for',
): string | undefined {
  if (!allows(trusted, peer)) return peer;
  const value = headers[which];
  const hops = forwardedHops(Array.isArray(value) ? value.join(',') : (value ?? ''), which);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i];
    if (!allows(trusted, client)) return client;
  }
  return client;
}

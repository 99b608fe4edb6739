import { BlockList, isIPv4, isIPv6 } from 'node:net';

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

export function allows(list: BlockList, clientAddress: string | undefined): boolean {
  if (!clientAddress) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(clientAddress)?.[1];
  if (mapped) return list.check(mapped, 'ipv4');
  return list.check(clientAddress, isIPv4(clientAddress) ? 'ipv4' : 'ipv6');
}

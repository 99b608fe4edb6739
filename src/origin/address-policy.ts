import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Which addresses a foreign source may be fetched from (`src=` with an http(s) address; a server-side
 * request forgery surface): none of loopback, private, link-local (the cloud metadata services at
 * 169.254.169.254 and fd00:ec2::254 among them), carrier-grade NAT, documentation, multicast or
 * reserved ranges, unless the operator's allow-list names them. Pure.
 *
 * IPv6 ranges that embed or translate an IPv4 address are refused whole, whatever the IPv4 inside
 * (a public one is reachable by its own form, and a host may route these to its own loopback):
 * IPv4-compatible `::/96`, IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96`, NAT64
 * `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16`. So is the deprecated site-local `fec0::/10`.
 */
const SPECIAL = { ipv4: new BlockList(), ipv6: new BlockList() };
for (const [subnet, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL.ipv4.addSubnet(subnet, bits, 'ipv4');
for (const [subnet, bits] of [
  ['::', 96], ['::1', 128], ['::ffff:0:0', 96], ['::ffff:0:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64],
  ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) SPECIAL.ipv6.addSubnet(subnet, bits, 'ipv6');

/** Why an address may not be fetched from, or undefined when it may. */
export function refusedAddress(address: string, allow: BlockList): string | undefined {
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return `${address} is not an IP address`;
  // An allow-list written in IPv4 also names the IPv4-mapped form of its addresses.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (allow.check(address, family) || (mapped !== undefined && allow.check(mapped, 'ipv4'))) return undefined;
  // Two lists: BlockList matches an IPv4 address against IPv6 rules by its mapped form.
  if (SPECIAL[family].check(address, family)) return `${address} is a loopback, private, link-local, reserved or IPv4-embedding address`;
  return undefined;
}

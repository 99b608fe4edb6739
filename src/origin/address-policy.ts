import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Which addresses a foreign source may be fetched from (spec composition §A.3.3; a server-side
 * request forgery surface): none of loopback, private, link-local (the cloud metadata services at
 * 169.254.169.254 and fd00:ec2::254 among them), carrier-grade NAT, documentation, multicast or
 * reserved ranges, unless the operator's allow-list names them. Pure.
 */
const SPECIAL = new BlockList();
for (const [subnet, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL.addSubnet(subnet, bits, 'ipv4');
for (const [subnet, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) SPECIAL.addSubnet(subnet, bits, 'ipv6');

/** Why an address may not be fetched from, or undefined when it may. */
export function refusedAddress(address: string, allow: BlockList): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const [ip, family] = mapped ? [mapped, 'ipv4' as const] : isIPv4(address) ? [address, 'ipv4' as const] : isIPv6(address) ? [address, 'ipv6' as const] : [undefined, undefined];
  if (!ip || !family) return `${address} is not an IP address`;
  if (allow.check(ip, family)) return undefined;
  if (SPECIAL.check(ip, family)) return `${ip} is a loopback, private, link-local or reserved address`;
  return undefined;
}

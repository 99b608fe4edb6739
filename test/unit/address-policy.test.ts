import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusedAddress } from '../../src/origin/address-policy.ts';
import { parseAddressList } from '../../src/protocol/addresses.ts';

const NONE = parseAddressList('', 'test');

test('IPv6 ranges that embed or translate an IPv4 address, and site-local, are refused as loopback is', () => {
  const refused = {
    'IPv4-compatible ::/96': ['::127.0.0.1', '::7f00:1', '::8.8.8.8', '::'],
    'IPv4-mapped ::ffff:0:0/96': ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:8.8.8.8'],
    'IPv4-translated ::ffff:0:0:0/96': ['::ffff:0:7f00:1', '::ffff:0:127.0.0.1'],
    'NAT64 64:ff9b::/96': ['64:ff9b::7f00:1', '64:ff9b::8.8.8.8'],
    'local NAT64 64:ff9b:1::/48': ['64:ff9b:1::7f00:1', '64:ff9b:1:ffff::1'],
    '6to4 2002::/16': ['2002:7f00:1::1', '2002:808:808::1'],
    'site-local fec0::/10': ['fec0::1', 'feff:ffff::1'],
  };
  for (const [range, addresses] of Object.entries(refused)) {
    for (const a of addresses) assert.match(refusedAddress(a, NONE) ?? '', /IPv4-embedding/, `${a} (${range})`);
  }
  for (const a of ['2606:2800:220:1:248:1893:25c8:1946', '2001:4860:4860::8888', '64:ff9b:2::1', '2003::1', 'fe00::1']) {
    assert.equal(refusedAddress(a, NONE), undefined, `${a} is an ordinary address`);
  }
});

test('the operator allow-list lets these ranges through as it does loopback', () => {
  assert.equal(refusedAddress('::7f00:1', parseAddressList('::/96', 'test')), undefined);
  assert.equal(refusedAddress('2002:7f00:1::1', parseAddressList('2002::/16', 'test')), undefined);
  assert.equal(refusedAddress('::ffff:127.0.0.1', parseAddressList('127.0.0.1/32', 'test')), undefined, 'an IPv4 entry names its mapped form');
  assert.ok(refusedAddress('::7f00:1', parseAddressList('127.0.0.1/32', 'test')), 'but not its IPv4-compatible one');
});

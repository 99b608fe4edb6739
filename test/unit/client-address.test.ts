import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, parseAddressList } from '../../src/protocol/addresses.ts';

test('the client address: the peer unless it is a trusted proxy, then the right-most untrusted hop', () => {
  const trusted = parseAddressList('10.0.0.0/8,::1', 'test');
  const none = parseAddressList('', 'test');
  assert.equal(clientAddress('203.0.113.5', { 'x-forwarded-for': '198.51.100.1' }, trusted), '203.0.113.5', 'an untrusted peer is the client');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '198.51.100.1' }, none), '10.0.0.2', 'nothing is trusted by default');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '198.51.100.1' }, trusted), '198.51.100.1');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '1.2.3.4, 198.51.100.1, 10.0.0.7' }, trusted), '198.51.100.1', 'a forged left hop is ignored');
  assert.equal(clientAddress('::ffff:10.0.0.2', { 'x-forwarded-for': '198.51.100.1' }, trusted), '198.51.100.1', 'IPv4-mapped peers match');
  assert.equal(clientAddress('::1', { forwarded: 'for=192.0.2.43, for="[2001:db8::17]:4711";proto=https' }, trusted, 'forwarded'), '2001:db8::17');
  assert.equal(clientAddress('::1', { forwarded: 'for="192.0.2.60:8080"', 'x-forwarded-for': '1.1.1.1' }, trusted, 'forwarded'), '192.0.2.60', 'the named header wins');
  assert.equal(clientAddress('::1', { forwarded: 'for="192.0.2.60:8080"', 'x-forwarded-for': '1.1.1.1' }, trusted), '1.1.1.1', 'Forwarded is ignored by default');
  assert.equal(clientAddress('::1', { forwarded: 'for=_hidden' }, trusted, 'forwarded'), '_hidden', 'an obfuscated hop is kept, and allowed nowhere');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '10.0.0.9' }, trusted), '10.0.0.9', 'all hops trusted: the farthest');
  assert.equal(clientAddress('10.0.0.2', {}, trusted), '10.0.0.2');
});

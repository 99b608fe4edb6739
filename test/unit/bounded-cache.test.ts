import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedCache } from '../../src/common/bounded-cache.ts';

const bytes = (n: number) => new Uint8Array(n);
const byLength = { sizeOf: (v: Uint8Array) => v.byteLength };
const keys = (cache: { has(key: string): boolean }, candidates: string[]) => candidates.filter((k) => cache.has(k));

test('the least recently used entry goes first: a get makes an entry recent, a peek does not', () => {
  const cache = new BoundedCache<string, number>({ maxEntries: 3 });
  for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) cache.set(k, v);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.peek('b'), 2);
  cache.set('d', 4);
  assert.deepEqual(keys(cache, ['a', 'b', 'c', 'd']), ['a', 'c', 'd'], 'b, peeked but not used, was the oldest');
  // Setting a held key again makes it the most recent and takes no room of its own.
  cache.set('c', 30);
  cache.set('e', 5);
  assert.deepEqual(keys(cache, ['a', 'c', 'd', 'e']), ['c', 'd', 'e']);
  assert.equal(cache.peek('c'), 30);
  assert.equal(cache.size, 3);
});

test('bytes are bounded: the oldest entries go until a new one fits, and bytes follow every change', () => {
  const cache = new BoundedCache<string, Uint8Array>({ maxBytes: 100, ...byLength });
  cache.set('a', bytes(40));
  cache.set('b', bytes(40));
  assert.equal(cache.bytes, 80);
  cache.set('c', bytes(50));
  assert.deepEqual(keys(cache, ['a', 'b', 'c']), ['b', 'c']);
  assert.equal(cache.bytes, 90);
  cache.set('b', bytes(10));
  assert.equal(cache.bytes, 60, 'a replaced value counts its own bytes, not the old ones');
  assert.ok(cache.delete('c'));
  assert.equal(cache.delete('c'), false);
  assert.deepEqual([cache.bytes, cache.size], [10, 1]);
  // A value that is the whole budget empties the cache for itself.
  cache.set('d', bytes(100));
  assert.deepEqual([keys(cache, ['b', 'd']), cache.bytes], [['d'], 100]);
});

test('an entry over the per-entry limit is not kept and evicts nothing; the old value of its key goes', () => {
  const cache = new BoundedCache<string, Uint8Array>({ maxBytes: 100, maxEntryBytes: 25, ...byLength });
  cache.set('a', bytes(20));
  cache.set('b', bytes(20));
  cache.set('k', bytes(5));
  assert.equal(cache.set('big', bytes(26)), false);
  assert.deepEqual(keys(cache, ['a', 'b', 'k', 'big']), ['a', 'b', 'k']);
  assert.equal(cache.counts.evictions, 0);
  assert.equal(cache.set('k', bytes(30)), false);
  assert.deepEqual([keys(cache, ['a', 'b', 'k']), cache.bytes], [['a', 'b'], 40]);
  // With no room at all (a cache turned off), nothing is kept.
  const off = new BoundedCache<string, Uint8Array>({ maxBytes: 0, ...byLength });
  assert.equal(off.set('a', bytes(1)), false);
  assert.equal(off.size, 0);
});

test('hits, misses and evictions are counted; peek, has and delete count nothing', () => {
  const cache = new BoundedCache<string, number>({ maxEntries: 2 });
  cache.set('a', 1);
  cache.get('a');
  cache.get('a');
  cache.get('z');
  cache.peek('z');
  cache.has('a');
  cache.set('b', 2);
  cache.set('c', 3);
  cache.delete('c');
  assert.deepEqual(cache.counts, { hits: 2, misses: 1, evictions: 1 });
  assert.ok(cache.evictOldest());
  assert.equal(cache.evictOldest(), false, 'an empty cache has nothing to evict');
  assert.deepEqual([cache.counts.evictions, cache.size], [2, 0]);
});

test('a value may be undefined: has tells a kept undefined from a missing key', () => {
  const cache = new BoundedCache<string, number | undefined>({ maxEntries: 1 });
  cache.set('none', undefined);
  assert.ok(cache.has('none'));
  assert.equal(cache.get('none'), undefined);
  assert.deepEqual(cache.counts, { hits: 1, misses: 0, evictions: 0 });
});

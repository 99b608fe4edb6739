/**
 * A cache bounded by its number of entries and by bytes, the least recently used entry out first,
 * with the figures /metrics reads (observe/metrics.ts): hits, misses and evictions, the bytes and the
 * entries held. Bytes are what `sizeOf` says an entry costs, counted once when it is kept; an entry
 * over `maxEntryBytes` is never kept, so that one large value cannot empty the cache.
 */
export interface CacheLimits<K, V> {
  /** Entries held at most; none by default. */
  maxEntries?: number;
  /** Bytes held at most, as sizeOf counts them; none by default. */
  maxBytes?: number;
  /** The largest entry kept; maxBytes by default. */
  maxEntryBytes?: number;
  /** An entry's bytes; 0 by default (a cache bounded by entries only). */
  sizeOf?: (value: V, key: K) => number;
}

export interface CacheCounts {
  hits: number;
  misses: number;
  evictions: number;
}

/** What a cache shows /metrics (observe/metrics.ts), read when scraped. */
export interface CacheFigures {
  readonly counts: Readonly<CacheCounts>;
  readonly bytes: number;
  readonly size: number;
}

export class BoundedCache<K, V> implements CacheFigures {
  // Map order is insertion order: an entry used again is moved to the end, so the first is the least recent.
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private held = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  private readonly sizeOf: (value: V, key: K) => number;
  readonly counts: CacheCounts = { hits: 0, misses: 0, evictions: 0 };

  constructor(limits: CacheLimits<K, V> = {}) {
    this.maxEntries = limits.maxEntries ?? Infinity;
    this.maxBytes = limits.maxBytes ?? Infinity;
    this.maxEntryBytes = Math.min(limits.maxEntryBytes ?? Infinity, this.maxBytes);
    this.sizeOf = limits.sizeOf ?? (() => 0);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.held;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The value, made the most recently used; counted as a hit or a miss. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value, with no count and no change of order. */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /**
   * Keeps a value as the most recently used, in place of the key's old one, evicting the least
   * recently used entries until it fits. One over maxEntryBytes is not kept and evicts nothing (the
   * key's old value goes all the same: it is stale); returns whether the value was kept.
   */
  set(key: K, value: V): boolean {
    const bytes = this.sizeOf(value, key);
    this.delete(key);
    if (bytes > this.maxEntryBytes || this.maxEntries < 1) return false;
    while (this.entries.size >= this.maxEntries || this.held + bytes > this.maxBytes) {
      if (!this.evictOldest()) break;
    }
    this.entries.set(key, { value, bytes });
    this.held += bytes;
    return true;
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.held -= entry.bytes;
    return true;
  }

  /**
   * Evicts the least recently used entry, counted; false when there is none. For an owner whose
   * caches share one byte budget (the render cache's replies and remembered requests).
   */
  evictOldest(): boolean {
    const oldest = this.entries.keys().next();
    if (oldest.done) return false;
    this.delete(oldest.value);
    this.counts.evictions++;
    return true;
  }
}

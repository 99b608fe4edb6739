import type { BlockList } from 'node:net';

/**
 * The server's render cache (Scene7's has `cache=`'s server part and `req=loadcache`): rendered
 * replies kept in memory up to a byte limit, least recently used first out. A key is the whole
 * render plan and the identity of every input (each source's path, size and modification time),
 * so anything that changes the output changes the key; errors and saves are never kept.
 */
export interface CachedRender {
  body: Uint8Array;
  etag: string;
  contentType: string;
  vary?: string[];
  acceptHints?: string[];
  negotiated?: string;
}

/**
 * What a request's answer from the cache rested on, so that the same request (its URL and the
 * headers smart imaging reads) goes straight to its entry while the catalogs are the same object
 * (a reload makes new ones) and its one source is the same file: no rule set, parsing or planning.
 * Kept for single-source renders of req=img and req=tmb only (image.ts).
 */
export interface RememberedRequest {
  key: string;
  catalogs: object;
  source: { file: string; root: string };
  /** The source's identity (path, size, modification time) when the entry was made. */
  identity: string;
  /** When the source last had that identity for sure (Date.now()); --cache-validation reads it. */
  checkedAt: number;
  clientFilter?: BlockList;
  ttlHours?: number;
  lastModified?: Date;
}

/**
 * Requests remembered at most; the oldest goes first. Each holds a reference to its key, not a copy,
 * but one whose entry was evicted keeps its key (a kilobyte or two) until it is recalled or pushed out:
 * a few MiB at most, outside the cache's byte count.
 */
const MAX_REMEMBERED = 4096;

export interface CacheCounts {
  hits: number;
  misses: number;
  evictions: number;
}

export class RenderCache {
  private readonly entries = new Map<string, CachedRender>();
  private readonly requests = new Map<string, RememberedRequest>();
  private held = 0;
  readonly counts: CacheCounts = { hits: 0, misses: 0, evictions: 0 };

  constructor(private readonly maxBytes: number) {}

  /**
   * The key of a render: its plan (steps, output, formats) and its inputs' identities, as they are
   * (a kilobyte or two, counted with the entry): hashing them cost more than the rest of a cache
   * hit's lookup.
   */
  static keyOf(plan: unknown, inputs: readonly string[]): string {
    return `${JSON.stringify(plan)}\0${inputs.join('\0')}`;
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedRender | undefined {
    const hit = this.entries.get(key);
    if (!hit) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    // Map order is insertion order: moving the entry to the end makes it the most recent.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** Keeps a reply, evicting the least recently used ones to make room; one too big is not kept. */
  set(key: string, value: CachedRender): void {
    if (!this.enabled || value.body.byteLength > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= sizeOf(key, old);
    }
    while (this.held + sizeOf(key, value) > this.maxBytes) {
      const [oldest, entry] = this.entries.entries().next().value as [string, CachedRender];
      this.entries.delete(oldest);
      this.held -= sizeOf(oldest, entry);
      this.counts.evictions++;
    }
    this.entries.set(key, value);
    this.held += sizeOf(key, value);
  }

  /** Whether a render is held (no count of a hit or a miss). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  remember(request: string, remembered: RememberedRequest): void {
    if (this.requests.size >= MAX_REMEMBERED && !this.requests.has(request)) this.requests.delete(this.requests.keys().next().value!);
    this.requests.set(request, remembered);
  }

  /** The request's remembered entry, if that entry is still held. */
  recall(request: string): RememberedRequest | undefined {
    const remembered = this.requests.get(request);
    if (remembered && !this.entries.has(remembered.key)) {
      this.requests.delete(request);
      return undefined;
    }
    return remembered;
  }

  /** The cached length of a render, for req=props' image.length (0 when it is not cached). */
  lengthOf(key: string): number {
    return this.entries.get(key)?.body.byteLength ?? 0;
  }
}

/** An entry's bytes: its reply's and its key's (two a character, as V8 may hold it). */
const sizeOf = (key: string, value: CachedRender) => value.body.byteLength + key.length * 2;

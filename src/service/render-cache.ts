import { createHash } from 'node:crypto';
import type { BlockList } from 'node:net';

/**
 * The server's render cache (Scene7's has `cache=`'s server part and `req=loadcache`): rendered
 * replies kept in memory up to a byte limit, least recently used first out. A key is a hash of the
 * whole render plan and the identity of every input (each source's), so anything that changes
 * the output changes the key; errors and saves are never kept.
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
  /** The source's identity (file-identity.ts) when the entry was made. */
  identity: string;
  /** When the source last had that identity for sure (Date.now()); --cache-validation reads it. */
  checkedAt: number;
  clientFilter?: BlockList;
  ttlHours?: number;
  lastModified?: Date;
}

/**
 * Requests remembered at most; the oldest goes first. Each is kept under a hash of the request (a URL
 * may be 8 KB) and its bytes count in the cache's budget, so that they are never memory beside it.
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
   * The key of a render: a hash of its plan (steps, output, formats) and its inputs' identities, of
   * a fixed size whatever the plan's (a long text layer's plan may be megabytes).
   */
  static keyOf(plan: unknown, inputs: readonly string[]): string {
    return createHash('sha256').update(JSON.stringify(plan)).update(`\0${inputs.join('\0')}`).digest('base64url');
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

  /** Keeps a reply, evicting the least recently used ones to make room; one over a quarter of the budget is not kept. */
  set(key: string, value: CachedRender): void {
    const size = sizeOf(key, value);
    if (!this.enabled || size > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= sizeOf(key, old);
    }
    this.makeRoom(size);
    this.entries.set(key, value);
    this.held += size;
  }

  /** Evicts replies, least recently used first, then remembered requests, until `size` more bytes fit. */
  private makeRoom(size: number): void {
    while (this.held + size > this.maxBytes) {
      const oldest = this.entries.entries().next();
      if (!oldest.done) {
        const [key, entry] = oldest.value;
        this.entries.delete(key);
        this.held -= sizeOf(key, entry);
        this.counts.evictions++;
        continue;
      }
      const request = this.requests.keys().next();
      if (request.done) return;
      this.forget(request.value);
    }
  }

  /** Whether a render is held (no count of a hit or a miss). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  remember(request: string, remembered: RememberedRequest): void {
    const hashed = hashOf(request);
    const size = rememberedSize(hashed, remembered);
    if (!this.enabled || size > this.maxBytes / 4) return;
    this.forget(hashed);
    if (this.requests.size >= MAX_REMEMBERED) this.forget(this.requests.keys().next().value!);
    this.makeRoom(size);
    this.requests.set(hashed, remembered);
    this.held += size;
  }

  /** The request's remembered entry, if that entry is still held. */
  recall(request: string): RememberedRequest | undefined {
    const hashed = hashOf(request);
    const remembered = this.requests.get(hashed);
    if (remembered && !this.entries.has(remembered.key)) {
      this.forget(hashed);
      return undefined;
    }
    return remembered;
  }

  private forget(hashed: string): void {
    const remembered = this.requests.get(hashed);
    if (!remembered) return;
    this.requests.delete(hashed);
    this.held -= rememberedSize(hashed, remembered);
  }

  /** The cached length of a render, for req=props' image.length (0 when it is not cached). */
  lengthOf(key: string): number {
    return this.entries.get(key)?.body.byteLength ?? 0;
  }
}

/** An entry's bytes: its reply's and its key's (two a character, as V8 may hold it). */
const sizeOf = (key: string, value: CachedRender) => value.body.byteLength + key.length * 2;

/** A remembered request's bytes: its strings (two a character) and the object's own, about 200. */
const rememberedSize = (hashed: string, r: RememberedRequest) => 200 + 2 * (hashed.length + r.key.length + r.identity.length + r.source.file.length + r.source.root.length);

const hashOf = (request: string) => createHash('sha256').update(request).digest('base64url');

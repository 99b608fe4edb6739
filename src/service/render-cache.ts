import { createHash } from 'node:crypto';
import type { BlockList } from 'node:net';
import { BoundedCache, type CacheCounts, type CacheFigures } from '../common/bounded-cache.ts';

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

export class RenderCache implements CacheFigures {
  private readonly replies: BoundedCache<string, CachedRender>;
  private readonly requests: BoundedCache<string, RememberedRequest>;

  constructor(private readonly maxBytes: number) {
    // The two share one budget, kept by makeRoom; one over a quarter of it is not kept.
    this.replies = new BoundedCache({ maxEntryBytes: maxBytes / 4, sizeOf });
    this.requests = new BoundedCache({ maxEntries: MAX_REMEMBERED, maxEntryBytes: maxBytes / 4, sizeOf: rememberedSize });
  }

  /**
   * The key of a render: a hash of its plan (steps, output, formats) and its inputs' identities, of
   * a fixed size whatever the plan's (a long text layer's plan may be megabytes).
   */
  static keyOf(plan: unknown, inputs: readonly string[]): string {
    const json = JSON.stringify(plan, (name, value: unknown) => (name === 'contours' && Array.isArray(value) ? contoursDigest(value as number[][]) : value));
    return createHash('sha256').update(json).update(`\0${inputs.join('\0')}`).digest('base64url');
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** The replies' hits, misses and evictions (remembered requests are not replies). */
  get counts(): CacheCounts {
    return this.replies.counts;
  }

  /** Bytes of the replies and of the requests remembered. */
  get bytes(): number {
    return this.replies.bytes + this.requests.bytes;
  }

  /** Replies held. */
  get size(): number {
    return this.replies.size;
  }

  get(key: string): CachedRender | undefined {
    return this.replies.get(key);
  }

  /** Keeps a reply, evicting the least recently used ones to make room; one over a quarter of the budget is not kept. */
  set(key: string, value: CachedRender): void {
    // Room is made before the reply is kept, so that it cannot evict itself.
    const size = sizeOf(value, key);
    if (size > this.maxBytes / 4) return;
    this.replies.delete(key);
    this.makeRoom(size);
    this.replies.set(key, value);
  }

  /** Evicts replies, least recently used first, then remembered requests, until `size` more bytes fit. */
  private makeRoom(size: number): void {
    while (this.bytes + size > this.maxBytes) {
      if (!this.replies.evictOldest() && !this.requests.evictOldest()) return;
    }
  }

  /** Whether a render is held (no count of a hit or a miss). */
  has(key: string): boolean {
    return this.replies.has(key);
  }

  remember(request: string, remembered: RememberedRequest): void {
    // Kept first, as the newest request: room is made from every reply and every older request before it.
    if (this.requests.set(hashOf(request), remembered)) this.makeRoom(0);
  }

  /** The request's remembered entry, if that entry is still held. */
  recall(request: string): RememberedRequest | undefined {
    const hashed = hashOf(request);
    const remembered = this.requests.peek(hashed);
    if (remembered && !this.replies.has(remembered.key)) {
      this.requests.delete(hashed);
      return undefined;
    }
    return remembered;
  }

  /** The cached length of a render, for req=props' image.length (0 when it is not cached). */
  lengthOf(key: string): number {
    return this.replies.peek(key)?.body.byteLength ?? 0;
  }
}

/** An entry's bytes: its reply's and its key's (two a character, as V8 may hold it). */
const sizeOf = (value: CachedRender, key: string) => value.body.byteLength + key.length * 2;

/** A remembered request's bytes: its strings (two a character) and the object's own, about 200. */
const rememberedSize = (r: RememberedRequest, hashed: string) => 200 + 2 * (hashed.length + r.key.length + r.identity.length + r.source.file.length + r.source.root.length);

const hashOf = (request: string) => createHash('sha256').update(request).digest('base64url');

/**
 * A text layer's outlines (every glyph's polygons: millions of numbers for a long text) in a key as
 * the digest of their binary, each contour after its length: written out as JSON they took the main
 * thread seconds and a string of a hundred megabytes.
 */
function contoursDigest(contours: readonly number[][]): string {
  let length = 0;
  for (const c of contours) length += c.length + 1;
  const flat = new Float64Array(length);
  let at = 0;
  for (const c of contours) {
    flat[at++] = c.length;
    flat.set(c, at);
    at += c.length;
  }
  return createHash('sha256').update(flat).digest('base64url');
}

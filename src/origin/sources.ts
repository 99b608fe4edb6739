import { createHash } from 'node:crypto';
import { HeldBytes, type Holder } from '../protocol/held-bytes.ts';
import { BoundedCache } from '../common/bounded-cache.ts';
import { fetchSource, type FetchPolicy } from './fetch.ts';

/**
 * Foreign sources kept in memory up to a byte limit (--origin-cache), least recently used out. A
 * use revalidates with the origin (If-None-Match / If-Modified-Since), so a repeat costs a 304,
 * not a download; a bounded number of fetches run at once per origin (--origin-concurrency).
 */
interface Entry {
  bytes: Uint8Array;
  etag?: string;
  lastModified?: string;
  identity: string;
}

export interface OriginCounts {
  fetched: number;
  revalidated: number;
  refused: number;
  bytes: number;
}

export class ForeignSources {
  private readonly entries: BoundedCache<string, Entry>;
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  readonly counts: OriginCounts = { fetched: 0, revalidated: 0, refused: 0, bytes: 0 };
  private readonly budget: HeldBytes;

  constructor(
    maxBytes: number,
    private readonly perOrigin: number,
    /** --max-fetch-held: the bodies all requests in progress may hold at once, each until its job has them. */
    maxHeld: number,
  ) {
    this.budget = new HeldBytes(maxHeld, { one: 'A foreign source', many: 'foreign sources', option: 'max-fetch-held' });
    this.entries = new BoundedCache({ maxBytes, maxEntryBytes: maxBytes / 4, sizeOf: (entry) => entry.bytes.byteLength });
  }

  /** The source's bytes and an identity for the render cache (its URL and validator). */
  async get(url: URL, policy: FetchPolicy): Promise<{ bytes: Uint8Array; identity: string }> {
    const key = url.href;
    const cached = this.entries.peek(key);
    await this.slot(url.origin);
    try {
      const result = await fetchSource(url, policy, cached ?? {});
      if (result.status === 304 && cached) {
        this.counts.revalidated++;
        // Made the most recent, or kept again if it was evicted while the origin answered.
        if (this.entries.get(key) === undefined) this.entries.set(key, cached);
        return cached;
      }
      if (result.status !== 200) throw new Error('unexpected 304 without a cached copy');
      this.counts.fetched++;
      this.counts.bytes += result.bytes.byteLength;
      const validator = result.etag ?? result.lastModified ?? createHash('sha256').update(result.bytes).digest('base64url');
      const entry: Entry = { bytes: result.bytes, etag: result.etag, lastModified: result.lastModified, identity: `${key}#${validator}` };
      if (result.etag || result.lastModified) this.entries.set(key, entry);
      return entry;
    } catch (err) {
      this.counts.refused++;
      throw err;
    } finally {
      this.release(url.origin);
    }
  }

  /**
   * A request's hold on the bodies it downloads and keeps, grown as the bytes arrive (`grow`, which
   * a download calls for every chunk, before it keeps it) until `release`, within --max-fetch-held.
   */
  holder(): Holder {
    return this.budget.holder();
  }

  /** What requests in progress hold now. */
  get held(): number {
    return this.budget.held;
  }

  get bytes(): number {
    return this.entries.bytes;
  }

  private async slot(origin: string): Promise<void> {
    while ((this.active.get(origin) ?? 0) >= this.perOrigin) {
      await new Promise<void>((resolve) => this.waiting.set(origin, [...(this.waiting.get(origin) ?? []), resolve]));
    }
    this.active.set(origin, (this.active.get(origin) ?? 0) + 1);
  }

  private release(origin: string): void {
    this.active.set(origin, (this.active.get(origin) ?? 1) - 1);
    const next = this.waiting.get(origin)?.shift();
    next?.();
  }
}

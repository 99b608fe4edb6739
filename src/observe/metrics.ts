import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheFigures } from '../common/bounded-cache.ts';
import type { PoolEvent, RenderPool } from '../host/pool.ts';
import { METERS, type Account, type Meter } from '../protocol/account.ts';

/** What the origin cache shows: its fetches, the bytes it keeps and those requests in progress hold, read when scraped. */
interface OriginFigures {
  readonly counts: { fetched: number; revalidated: number; refused: number; bytes: number };
  readonly bytes: number;
  readonly held: number;
}

/**
 * Prometheus metrics (prom-client), one registry per server so that tests can run several: Isle's
 * own and prom-client's standard process and Node metrics (memory, event-loop lag, GC, handles).
 * Pool figures are read when scraped, not pushed on every event.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'isle_requests_total',
    help: 'Requests by catalog (its RootId, or "default"), req type and HTTP status (304: the client cache was current)',
    labelNames: ['catalog', 'req', 'status'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'isle_request_duration_seconds',
    help: 'Request duration by req type',
    labelNames: ['req'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly sentBytes = new Counter({
    name: 'isle_sent_bytes_total',
    help: 'Reply body bytes sent, by req type',
    labelNames: ['req'],
    registers: [this.registry],
  });
  readonly saves = new Counter({
    name: 'isle_saves_total',
    help: 'saveToFile outcomes: success, failure, timeout',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  /** What requests' accounts were charged, by meter, and the requests their limits refused (protocol/account.ts). */
  readonly charged = new Counter({
    name: 'isle_account_charged_total',
    help: "What requests' accounts were charged, by meter: query (bytes), glyphs, points (of text outlines), inflated (bytes), fetched (bytes), pixels",
    labelNames: ['meter'],
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'isle_account_refusals_total',
    help: 'Requests refused by a limit of their account, by the limit (its option)',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  readonly savedBytes = new Counter({ name: 'isle_saved_bytes_total', help: 'Bytes written by successful saves', registers: [this.registry] });
  private readonly replaced = new Counter({
    name: 'isle_worker_restarts_total',
    help: 'Workers replaced after a failure, by reason: timeout, failure (a trap), heap, crash',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly recycled = new Counter({
    name: 'isle_worker_recycles_total',
    help: 'Idle workers replaced by fresh ones to give their memory back (--idle-recycle)',
    registers: [this.registry],
  });

  /** A finished request's account. */
  account(account: Account): void {
    for (const [meter, amount] of Object.entries(account.charged)) if (amount > 0) this.charged.inc({ meter: meter as Meter }, amount);
  }

  constructor(pool: () => RenderPool, cache: CacheFigures, origins: OriginFigures, sources: Omit<CacheFigures, 'size'>, sourceReads: { held: number }) {
    const stats = () => pool().stats();
    const counts = cache.counts;
    const reads = sources.counts;
    const fetches = origins.counts;
    // Counts the caches keep themselves, read when scraped.
    for (const [name, help, count] of [
      ['isle_render_cache_hits_total', 'Replies served from the render cache', () => counts.hits],
      ['isle_render_cache_misses_total', 'Renders the cache did not hold', () => counts.misses],
      ['isle_render_cache_evictions_total', 'Replies dropped from the render cache to make room', () => counts.evictions],
      ['isle_source_cache_hits_total', 'Source files read from memory rather than from disk', () => reads.hits],
      ['isle_source_cache_misses_total', 'Source files read from disk', () => reads.misses],
      ['isle_source_cache_evictions_total', 'Source files dropped from memory to make room', () => reads.evictions],
      ['isle_origin_fetches_total', 'Foreign sources downloaded in full', () => fetches.fetched],
      ['isle_origin_revalidations_total', 'Foreign sources revalidated with a 304', () => fetches.revalidated],
      ['isle_origin_refusals_total', 'Foreign source fetches refused or failed', () => fetches.refused],
      ['isle_origin_bytes_total', 'Bytes of foreign sources downloaded', () => fetches.bytes],
    ] as const) {
      new Counter({ name, help, registers: [this.registry], collect() { this.reset(); this.inc(count()); } });
    }
    new Gauge({ name: 'isle_origin_cache_bytes', help: 'Bytes of foreign sources held in memory', registers: [this.registry], collect() { this.set(origins.bytes); } });
    new Gauge({ name: 'isle_source_held_bytes', help: 'Bytes of source files that requests in progress hold (--max-read-held)', registers: [this.registry], collect() { this.set(sourceReads.held); } });
    new Gauge({ name: 'isle_origin_held_bytes', help: 'Bytes of foreign sources that requests in progress hold (--max-fetch-held)', registers: [this.registry], collect() { this.set(origins.held); } });
    new Gauge({ name: 'isle_render_cache_bytes', help: 'Bytes held by the render cache: its replies, their keys and the requests it remembers', registers: [this.registry], collect() { this.set(cache.bytes); } });
    new Gauge({ name: 'isle_source_cache_bytes', help: 'Bytes of source files held in memory', registers: [this.registry], collect() { this.set(sources.bytes); } });
    new Gauge({ name: 'isle_render_cache_entries', help: 'Replies held by the render cache', registers: [this.registry], collect() { this.set(cache.size); } });
    // Every reason shows from the start, at 0, so that a rate can be taken before the first one.
    for (const reason of ['timeout', 'failure', 'heap', 'crash']) this.replaced.inc({ reason }, 0);
    for (const [meter, { option }] of Object.entries(METERS)) {
      this.charged.inc({ meter }, 0);
      this.refused.inc({ limit: option }, 0);
    }
    collectDefaultMetrics({ register: this.registry });
    new Counter({ name: 'isle_decoded_pixels_total', help: "Pixels the workers' decoders decoded (a tiled TIFF: the tiles a request touched)", registers: [this.registry], collect() { this.reset(); this.inc(stats().decodedPixels); } });
    new Gauge({ name: 'isle_queue_length', help: 'Jobs waiting for a worker', registers: [this.registry], collect() { this.set(stats().queued); } });
    new Gauge({ name: 'isle_workers_busy', help: 'Workers rendering', registers: [this.registry], collect() { this.set(stats().busy); } });
    new Gauge({
      name: 'isle_worker_wasm_heap_bytes',
      help: 'WASM linear memory held by each worker',
      labelNames: ['worker'],
      registers: [this.registry],
      collect() {
        stats().heapBytes.forEach((bytes, i) => this.set({ worker: String(i) }, bytes));
      },
    });
  }

  /** Counts the pool's worker replacements as they happen. */
  poolEvent(event: PoolEvent): void {
    if (event.type !== 'worker-replaced') return;
    if (event.reason === 'idle') this.recycled.inc();
    else this.replaced.inc({ reason: event.reason });
  }
}

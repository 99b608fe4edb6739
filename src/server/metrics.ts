import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RenderPool } from '../worker/pool.ts';

/**
 * Prometheus metrics (prom-client), one registry per server so that tests can run several.
 * Pool figures are read when scraped, not pushed on every event.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'isle_requests_total',
    help: 'Requests by req type and HTTP status',
    labelNames: ['req', 'status'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'isle_request_duration_seconds',
    help: 'Request duration by req type',
    labelNames: ['req'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly saves = new Counter({
    name: 'isle_saves_total',
    help: 'saveToFile outcomes: success, failure, timeout',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor(pool: RenderPool) {
    const stats = () => pool.stats();
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'isle_queue_length', help: 'Jobs waiting for a worker', registers: [this.registry], collect() { this.set(stats().queued); } });
    new Gauge({ name: 'isle_workers_busy', help: 'Workers rendering', registers: [this.registry], collect() { this.set(stats().busy); } });
    new Gauge({ name: 'isle_worker_restarts', help: 'Workers replaced since start (timeouts, failures, heap)', registers: [this.registry], collect() { this.set(stats().restarts); } });
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
}

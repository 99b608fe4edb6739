import { Worker } from 'node:worker_threads';
import { IsError, unavailable } from '../protocol/errors.ts';
import type { RenderPlan } from '../render/plan.ts';
import type { RenderJob, WorkerReply } from './entry.ts';
import type { WasmModules } from './modules.ts';

/**
 * A small worker pool, hand-rolled because neither tinypool nor piscina can retire one particular
 * worker when its WASM heap (invisible to V8's resourceLimits) passes a ceiling or after a trap,
 * and piscina pulls a native optional dependency (wasm-notes §8).
 *
 * One FIFO queue, bounded; a job's deadline covers its wait and its render, and a job still running
 * at its deadline has its worker terminated (a WASM call cannot be interrupted) and replaced.
 */
export interface PoolOptions {
  size: number;
  /** Jobs waiting beyond the running ones; past it, 503 at once. */
  maxQueue: number;
  /** A worker whose WASM heap passes this after a job is replaced. */
  maxHeapBytes: number;
  modules: WasmModules;
  onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent =
  | { type: 'worker-replaced'; workerId: number; reason: 'timeout' | 'failure' | 'heap' | 'crash'; error?: string }
  | { type: 'worker-started'; workerId: number };

export interface RunOptions {
  timeoutMs: number;
  /** The error a timed-out job fails with: 503 for a reply, 403 for a save. */
  timeoutError: IsError;
}

/** A rendered image, and which worker made it after how long a wait (for the request log). */
export interface RenderResult {
  image: ArrayBuffer;
  workerId: number;
  queueMs: number;
}

interface Job {
  id: number;
  source: ArrayBuffer;
  plan: RenderPlan;
  queuedAt: number;
  startedAt?: number;
  resolve: (result: RenderResult) => void;
  reject: (err: IsError) => void;
  timer: NodeJS.Timeout;
  slot?: Slot;
}

interface Slot {
  workerId: number;
  worker: Worker;
  ready: boolean;
  job?: Job;
  retiring: boolean;
  heapBytes: number;
}

/** Defined (true) by the bundle build, `npm run build`. */
declare const __ISLE_BUNDLE__: boolean | undefined;

const TSX_API = (() => {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
})();

/**
 * The worker's script: the bundle's own single file (`dist/isle.mjs` starts a worker when it is not
 * the main thread), `thread.js` beside the compiled pool, or, under tsx (tests, bench), the
 * TypeScript with tsx registered inside the worker.
 */
function spawn(modules: WasmModules): Worker {
  const here = import.meta.url;
  if (typeof __ISLE_BUNDLE__ !== 'undefined') return new Worker(new URL(here), { workerData: { modules } });
  if (here.endsWith('.ts') && TSX_API) {
    const entry = new URL('./thread.ts', here).href;
    const boot = `const { register } = await import(${JSON.stringify(TSX_API)}); register(); await import(${JSON.stringify(entry)});`;
    return new Worker(boot, { eval: true, workerData: { modules } });
  }
  return new Worker(new URL('./thread.js', here), { workerData: { modules } });
}

export class RenderPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextJobId = 1;
  private nextWorkerId = 1;
  private closed = false;
  /** Workers that died before they were ready, in a row: past three, start-up has failed. */
  private startupFailures = 0;
  private startupError?: Error;
  restarts = 0;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.startWorker());
  }

  /** Resolves when every worker has instantiated its codecs; rejects if workers keep dying on start. */
  async ready(): Promise<void> {
    while (this.slots.some((s) => !s.ready)) {
      if (this.startupError) throw this.startupError;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  run(source: ArrayBuffer, plan: RenderPlan, options: RunOptions): Promise<RenderResult> {
    if (this.closed) return Promise.reject(unavailable('The server is shutting down'));
    const waiting = this.queue.length;
    const idle = this.slots.some((s) => s.ready && !s.job && !s.retiring);
    if (!idle && waiting >= this.options.maxQueue) {
      return Promise.reject(unavailable('The server is busy; try again shortly', 1));
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextJobId++,
        source,
        plan,
        queuedAt: performance.now(),
        resolve,
        reject,
        timer: setTimeout(() => this.timeOut(job, options.timeoutError), options.timeoutMs),
      };
      this.queue.push(job);
      this.dispatch();
    });
  }

  stats() {
    return {
      workers: this.slots.length,
      ready: this.slots.filter((s) => s.ready && !s.retiring).length,
      busy: this.slots.filter((s) => s.job).length,
      queued: this.queue.length,
      restarts: this.restarts,
      heapBytes: this.slots.map((s) => s.heapBytes),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, unavailable('The server is shutting down'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private startWorker(): Slot {
    const slot: Slot = { workerId: this.nextWorkerId++, worker: spawn(this.options.modules), ready: false, retiring: false, heapBytes: 0 };
    slot.worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    slot.worker.on('error', (err) => this.replace(slot, 'crash', err.message));
    slot.worker.on('exit', () => {
      if (!slot.retiring && !this.closed) this.replace(slot, 'crash');
    });
    return slot;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    slot.heapBytes = reply.heapBytes;
    if (reply.type === 'ready') {
      slot.ready = true;
      this.startupFailures = 0;
      this.options.onEvent?.({ type: 'worker-started', workerId: slot.workerId });
      this.dispatch();
      return;
    }
    const job = slot.job;
    slot.job = undefined;
    if (job && job.id === reply.id) {
      if (reply.type === 'done') {
        this.settle(job, undefined, { image: reply.image, workerId: slot.workerId, queueMs: Math.round((job.startedAt ?? job.queuedAt) - job.queuedAt) });
      }
      else this.settle(job, new IsError(reply.status, reply.message));
    }
    if (reply.type === 'failed' && reply.recycle) this.replace(slot, 'failure');
    else if (reply.heapBytes > this.options.maxHeapBytes) this.replace(slot, 'heap');
    else this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job || slot.retiring) continue;
      const job = this.queue.shift()!;
      job.slot = slot;
      job.startedAt = performance.now();
      slot.job = job;
      const message: RenderJob = { id: job.id, source: job.source, plan: job.plan };
      slot.worker.postMessage(message, [job.source]);
    }
  }

  private timeOut(job: Job, error: IsError): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.settle(job, error);
    if (job.slot?.job === job) this.replace(job.slot, 'timeout');
  }

  private settle(job: Job, error?: IsError, result?: RenderResult): void {
    clearTimeout(job.timer);
    if (error) job.reject(error);
    else job.resolve(result!);
  }

  /** Terminates a worker (a running job fails) and puts a fresh one in its place. */
  private replace(slot: Slot, reason: 'timeout' | 'failure' | 'heap' | 'crash', error?: string): void {
    if (slot.retiring) return;
    slot.retiring = true;
    if (!slot.ready && reason === 'crash' && ++this.startupFailures >= 3) {
      this.startupError = new Error(`render workers fail to start: ${error ?? 'they exit'}`);
      void slot.worker.terminate();
      return;
    }
    const job = slot.job;
    slot.job = undefined;
    if (job && reason !== 'timeout') this.settle(job, unavailable('The worker rendering this image failed; try again'));
    void slot.worker.terminate();
    if (this.closed) return;
    this.restarts++;
    this.options.onEvent?.({ type: 'worker-replaced', workerId: slot.workerId, reason, error });
    this.slots[this.slots.indexOf(slot)] = this.startWorker();
  }
}

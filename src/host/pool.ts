import { Worker } from 'node:worker_threads';
import type { Deadline } from '../protocol/deadline.ts';
import type { InflateShare } from '../protocol/account.ts';
import { forbidden, fromWire, IsError, unavailable } from '../protocol/errors.ts';
import type { RenderPlan } from '../planning/composite-plan.ts';
import type { RenderJob, WorkerData, WorkerReply } from './entry.ts';
import type { WasmModules } from '../image/modules.ts';
import { closeZlibGate, zlibGate } from '../common/zlib.ts';

/**
 * A small worker pool, hand-rolled because neither tinypool nor piscina can retire one particular
 * worker when its WASM heap (invisible to V8's resourceLimits) passes a ceiling or after a trap,
 * and piscina pulls a native optional dependency (`@napi-rs/nice`).
 *
 * One bounded queue, served smallest job first (by the planner's estimate of its work) so
 * that a thumbnail does not wait behind a poster, except that a job waiting longer than `agingMs`
 * goes first, oldest first. When the queue is full, a newcomer takes the place of a bigger job that
 * has not waited that long (which gets the 503 instead). A client (by address) has at most
 * `maxClientRenders` jobs on workers at once, its others waiting behind other clients' jobs, and at
 * most its share of the queue waiting (the queue divided among the clients that have jobs in the
 * pool): past it, 503. A job's deadline covers its wait and its render, and a job
 * still running at its deadline has its worker terminated (a WASM call cannot be interrupted) and
 * replaced.
 */

export interface PoolOptions {
  size: number;
  /** Jobs waiting beyond the running ones; past it, 503 at once. */
  maxQueue: number;
  /** A job that has waited this long is served before smaller ones, so big jobs are not starved. */
  agingMs: number;
  /** A worker whose WASM heap passes this after a job is replaced, and so is one whose heap plus a job's estimate would. */
  maxHeapBytes: number;
  /** Jobs of one client on workers at once (--max-client-renders). */
  maxClientRenders: number;
  /**
   * A worker that has rendered and then sits idle this long is replaced by a fresh one (0: never).
   * Its heap's size says little: the pages a job touched stay resident until the worker ends.
   */
  idleRecycleMs: number;
  modules: WasmModules;
  onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent =
  | { type: 'worker-replaced'; workerId: number; reason: Reason; error?: string }
  | { type: 'worker-started'; workerId: number };

type Reason = 'timeout' | 'failure' | 'heap' | 'idle' | 'crash';

export interface RunOptions {
  /** Covers the wait and the render; its error is what a timed-out job fails with. */
  deadline: Deadline;
  /** The planner's estimate of the job's peak memory (planning/footprint.ts). */
  memoryBytes: number;
  /** The planner's estimate of the job's work, in pixel operations; smaller jobs are served first. */
  work: number;
  /** What the request has left to inflate (protocol/account.ts), carried to the worker. */
  inflate: InflateShare;
  /** The client's address (through trusted proxies); a job without one (isle render) has no per-client limit. */
  client?: string;
}

/** A rendered image, and which worker made it after how long a wait (for the request log). */
export interface RenderResult {
  image: ArrayBuffer;
  /** The image's MD5, hex, hashed by the worker. */
  md5: string;
  /** Bytes the worker inflated, within the share it was given (RunOptions.inflate). */
  inflated: number;
  workerId: number;
  queueMs: number;
}

interface Job {
  id: number;
  sources: ArrayBufferLike[];
  plan: RenderPlan;
  inflate: InflateShare;
  memoryBytes: number;
  work: number;
  client?: string;
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
  /** Flags shared with the worker so that it is never terminated inside a zlib call (common/zlib.ts). */
  gate: SharedArrayBuffer;
  ready: boolean;
  job?: Job;
  retiring: boolean;
  heapBytes: number;
  /** The heap right after start-up: a worker above it has grown. */
  freshHeapBytes: number;
  idleTimer?: NodeJS.Timeout;
}

const PAST_SHARE = 'This client has its share of the render queue waiting; try again shortly';

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
function spawn(workerData: WorkerData): Worker {
  const here = import.meta.url;
  if (typeof __ISLE_BUNDLE__ !== 'undefined') return new Worker(new URL(here), { workerData });
  if (here.endsWith('.ts') && TSX_API) {
    const entry = new URL('./thread.ts', here).href;
    const boot = `const { register } = await import(${JSON.stringify(TSX_API)}); register(); await import(${JSON.stringify(entry)});`;
    return new Worker(boot, { eval: true, workerData });
  }
  return new Worker(new URL('./thread.js', here), { workerData });
}

/** Terminates a worker once it is outside any zlib call. */
async function stop(slot: Slot): Promise<void> {
  await closeZlibGate(slot.gate);
  await slot.worker.terminate();
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
  /** Idle workers replaced to give memory back; not failures, so not counted in `restarts`. */
  recycled = 0;
  /** Pixels the workers' decoders decoded, over every job (a TIFF read by region counts its tiles). */
  decodedPixels = 0;
  /** Jobs handed to a worker so far. */
  private dispatched = 0;

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

  run(sources: ArrayBufferLike[], plan: RenderPlan, options: RunOptions): Promise<RenderResult> {
    if (this.closed) return Promise.reject(unavailable('The server is shutting down'));
    const fresh = Math.max(0, ...this.slots.map((s) => s.freshHeapBytes));
    if (fresh + options.memoryBytes > this.options.maxHeapBytes) {
      const mib = (n: number) => Math.ceil(n / 1024 / 1024);
      return Promise.reject(forbidden(`The render would need about ${mib(options.memoryBytes)} MiB besides the worker's ${mib(fresh)} MiB; the limit is ${mib(this.options.maxHeapBytes)} MiB`));
    }
    // Alone, a client's share is the whole queue, and the rules of a full queue below apply.
    const share = options.client === undefined ? this.options.maxQueue : this.shareOf(options.client);
    if (share < this.options.maxQueue && this.queuedOf(options.client) >= share) return Promise.reject(unavailable(PAST_SHARE, 1));
    const idle = this.slots.some((s) => s.ready && !s.job && !s.retiring) && !this.atLimit(options.client, this.running());
    if (!idle && this.queue.length >= this.options.maxQueue) {
      // Overloaded: the newest job of a client past its share gives its place up to a client within
      // its own; else the biggest waiting job that is bigger than this one and not yet owed its
      // turn, so that the work shed is the most expensive.
      const over = this.pastShare(share);
      const shed = over >= 0 ? over : this.biggerWaiting(options.work);
      if (shed < 0) return Promise.reject(unavailable('The server is busy; try again shortly', 1));
      const [job] = this.queue.splice(shed, 1);
      this.settle(job!, unavailable(over >= 0 ? PAST_SHARE : 'The server is busy with smaller jobs; try again shortly', 1));
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextJobId++,
        sources,
        plan,
        inflate: options.inflate,
        memoryBytes: options.memoryBytes,
        work: options.work,
        client: options.client,
        queuedAt: performance.now(),
        resolve,
        reject,
        timer: setTimeout(() => this.timeOut(job, options.deadline.error), options.deadline.remaining()),
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
      recycled: this.recycled,
      decodedPixels: this.decodedPixels,
      jobs: this.dispatched,
      heapBytes: this.slots.map((s) => s.heapBytes),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, unavailable('The server is shutting down'));
    for (const slot of this.slots) clearTimeout(slot.idleTimer);
    await Promise.all(this.slots.map((s) => stop(s)));
  }

  private startWorker(): Slot {
    const gate = zlibGate();
    const slot: Slot = { workerId: this.nextWorkerId++, worker: spawn({ modules: this.options.modules, gate }), gate, ready: false, retiring: false, heapBytes: 0, freshHeapBytes: 0 };
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
      slot.freshHeapBytes = reply.heapBytes;
      this.startupFailures = 0;
      this.options.onEvent?.({ type: 'worker-started', workerId: slot.workerId });
      this.dispatch();
      return;
    }
    const job = slot.job;
    slot.job = undefined;
    if (job && job.id === reply.id) {
      if (reply.type === 'done') {
        this.decodedPixels += reply.decodedPixels;
        this.settle(job, undefined, { image: reply.image, md5: reply.md5, inflated: reply.inflated, workerId: slot.workerId, queueMs: Math.round((job.startedAt ?? job.queuedAt) - job.queuedAt) });
      }
      else this.settle(job, fromWire(reply.error));
    }
    if (reply.type === 'failed' && reply.recycle) this.replace(slot, 'failure');
    else if (reply.heapBytes > this.options.maxHeapBytes) this.replace(slot, 'heap');
    else {
      this.dispatch();
      if (!slot.job && this.options.idleRecycleMs > 0) {
        slot.idleTimer = setTimeout(() => !slot.job && this.replace(slot, 'idle'), this.options.idleRecycleMs).unref();
      }
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job || slot.retiring) continue;
      // A grown worker that could not also hold this job is replaced first; the job waits for the new one.
      const next = this.next();
      if (next < 0) return;
      if (slot.heapBytes > slot.freshHeapBytes && slot.heapBytes + this.queue[next]!.memoryBytes > this.options.maxHeapBytes) {
        this.replace(slot, 'heap');
        continue;
      }
      clearTimeout(slot.idleTimer);
      const job = this.queue.splice(next, 1)[0]!;
      job.slot = slot;
      job.startedAt = performance.now();
      this.dispatched++;
      slot.job = job;
      const message: RenderJob = { id: job.id, sources: job.sources, plan: job.plan, inflate: job.inflate };
      // A file of the source cache's is shared memory, which is sent and never transferred.
      slot.worker.postMessage(message, job.sources.filter((b): b is ArrayBuffer => !(b instanceof SharedArrayBuffer)));
    }
  }

  /**
   * The index of the job to run next among those whose client is under its limit of running jobs:
   * the oldest if it has waited too long, else the smallest; -1 when every waiting client is at it.
   */
  private next(): number {
    const running = this.running();
    const now = performance.now();
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const job = this.queue[i]!;
      if (this.atLimit(job.client, running)) continue;
      // The queue is in arrival order: the first eligible job that has waited too long goes first.
      if (now - job.queuedAt >= this.options.agingMs) return i;
      if (best < 0 || job.work < this.queue[best]!.work) best = i;
    }
    return best;
  }

  /** Jobs on workers, by client. */
  private running(): Map<string, number> {
    const running = new Map<string, number>();
    for (const slot of this.slots) if (slot.job?.client !== undefined) running.set(slot.job.client, (running.get(slot.job.client) ?? 0) + 1);
    return running;
  }

  private atLimit(client: string | undefined, running: Map<string, number>): boolean {
    return client !== undefined && (running.get(client) ?? 0) >= this.options.maxClientRenders;
  }

  private queuedOf(client: string | undefined): number {
    return this.queue.reduce((n, job) => n + (job.client === client ? 1 : 0), 0);
  }

  /** The newest queued job of the client with the most jobs waiting, if more than `share`; else -1. */
  private pastShare(share: number): number {
    const counts = new Map<string | undefined, number>();
    let most: string | undefined;
    for (const job of this.queue) {
      if (job.client === undefined) continue;
      const n = (counts.get(job.client) ?? 0) + 1;
      counts.set(job.client, n);
      if (n > (counts.get(most) ?? 0)) most = job.client;
    }
    if (most === undefined || counts.get(most)! <= share) return -1;
    for (let i = this.queue.length - 1; ; i--) if (this.queue[i]!.client === most) return i;
  }

  /** The queue divided among the clients with jobs waiting or running, this one included. */
  private shareOf(client: string): number {
    const clients = new Set<string | undefined>([client]);
    for (const job of this.queue) clients.add(job.client);
    for (const slot of this.slots) if (slot.job) clients.add(slot.job.client);
    return Math.max(1, Math.floor(this.options.maxQueue / clients.size));
  }

  /** The index of the biggest queued job bigger than `work` that has not waited past the aging time, or -1. */
  private biggerWaiting(work: number): number {
    const now = performance.now();
    let found = -1;
    this.queue.forEach((job, i) => {
      if (job.work > work && now - job.queuedAt < this.options.agingMs && (found < 0 || job.work > this.queue[found]!.work)) found = i;
    });
    return found;
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
  private replace(slot: Slot, reason: Reason, error?: string): void {
    if (slot.retiring) return;
    slot.retiring = true;
    clearTimeout(slot.idleTimer);
    if (!slot.ready && reason === 'crash' && ++this.startupFailures >= 3) {
      this.startupError = new Error(`render workers fail to start: ${error ?? 'they exit'}`);
      void stop(slot);
      return;
    }
    const job = slot.job;
    slot.job = undefined;
    if (job && reason !== 'timeout') this.settle(job, unavailable('The worker rendering this image failed; try again'));
    void stop(slot);
    if (this.closed) return;
    if (reason === 'idle') this.recycled++;
    else this.restarts++;
    this.options.onEvent?.({ type: 'worker-replaced', workerId: slot.workerId, reason, error });
    this.slots[this.slots.indexOf(slot)] = this.startWorker();
  }
}

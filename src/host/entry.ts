import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { budgetOf, type InflateShare } from '../protocol/account.ts';
import { IsError, toWire, type WireError } from '../protocol/errors.ts';
import { runPlan } from '../pipeline/pipeline.ts';
import type { RenderPlan } from '../planning/composite-plan.ts';
import { initCodecs, wasmHeapBytes } from '../image/wasm-codecs.ts';
import type { WasmModules } from '../image/modules.ts';
import { useZlibGate } from '../common/zlib.ts';

/** What the pool gives a worker to start with. */
export interface WorkerData {
  modules: WasmModules;
  gate: SharedArrayBuffer;
}

/** Messages between the pool and a worker. */
export interface RenderJob {
  id: number;
  /** The job's source files; a plan refers to them by index. Shared ones are the source cache's (read only). */
  sources: ArrayBufferLike[];
  plan: RenderPlan;
  /** What is left of the request's inflate budget; the worker charges an account of its own. */
  inflate: InflateShare;
}

export type WorkerReply =
  | { type: 'ready'; heapBytes: number }
  /** decodedPixels: what the job's decoders decoded (a TIFF region's whole tiles), for /metrics. */
  /** md5: the image's, hex, for its ETag: hashed here, as a reply of tens of MB took the main thread 30 ms and more. */
  | { type: 'done'; id: number; image: ArrayBuffer; md5: string; inflated: number; decodedPixels: number; heapBytes: number }
  | { type: 'failed'; id: number; error: WireError; recycle: boolean; heapBytes: number };

/** The body of a render worker: instantiate the codecs, then execute plans until terminated. */
export async function startWorker(): Promise<void> {
  const port = parentPort!;
  const data = workerData as WorkerData;
  useZlibGate(data.gate);
  await initCodecs(data.modules);
  port.postMessage({ type: 'ready', heapBytes: wasmHeapBytes() } satisfies WorkerReply);
  port.on('message', (job: RenderJob) => void render(port, job));
}

async function render(port: NonNullable<typeof parentPort>, job: RenderJob): Promise<void> {
  try {
    const budget = budgetOf(job.inflate);
    // A shared file is the source cache's: read where it lies, copied only for a decoder that writes
    // or keeps its input (steps/codec.ts).
    const image = await runPlan(job.sources, job.plan, budget);
    const md5 = createHash('md5').update(new Uint8Array(image)).digest('hex');
    const reply: WorkerReply = { type: 'done', id: job.id, image, md5, inflated: budget.account.charged.inflated, decodedPixels: budget.account.charged.pixels, heapBytes: wasmHeapBytes() };
    port.postMessage(reply, [image]);
  } catch (err) {
    // Anything but our own IsError came out of WASM (a trap, a panic, an allocation failure): the
    // instances may be corrupt, so the pool retires this worker.
    const known = err instanceof IsError;
    // The client gets the protocol's message; the log gets what actually happened.
    const internal = err instanceof Error ? err.message : String(err);
    const reply: WorkerReply = {
      type: 'failed',
      id: job.id,
      error: toWire(known ? err : new IsError(403, 'The image could not be rendered (codec failure)', undefined, false, `codec failure: ${internal}`)),
      recycle: !known,
      heapBytes: wasmHeapBytes(),
    };
    port.postMessage(reply);
  }
}

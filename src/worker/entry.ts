import { parentPort, workerData } from 'node:worker_threads';
import { IsError } from '../protocol/errors.ts';
import { runPlan } from '../render/pipeline.ts';
import type { RenderPlan } from '../render/plan.ts';
import { initCodecs, wasmHeapBytes } from './codecs.ts';
import type { WasmModules } from './modules.ts';

/** Messages between the pool and a worker. */
export interface RenderJob {
  id: number;
  source: ArrayBuffer;
  plan: RenderPlan;
}

export type WorkerReply =
  | { type: 'ready'; heapBytes: number }
  | { type: 'done'; id: number; image: ArrayBuffer; heapBytes: number }
  | { type: 'failed'; id: number; status: 403 | 503; message: string; trapped: boolean; heapBytes: number };

const port = parentPort!;
await initCodecs((workerData as { modules: WasmModules }).modules);
port.postMessage({ type: 'ready', heapBytes: wasmHeapBytes() } satisfies WorkerReply);

port.on('message', async (job: RenderJob) => {
  try {
    const image = await runPlan(job.source, job.plan);
    const reply: WorkerReply = { type: 'done', id: job.id, image, heapBytes: wasmHeapBytes() };
    port.postMessage(reply, [image]);
  } catch (err) {
    // A RuntimeError is a WASM trap (out of bounds, unreachable, out of memory): the instance may
    // be corrupt, so the pool retires this worker.
    const trapped = err instanceof WebAssembly.RuntimeError || (err instanceof Error && /memory/i.test(err.message));
    const known = err instanceof IsError && err.status !== 404;
    const reply: WorkerReply = {
      type: 'failed',
      id: job.id,
      status: known ? (err.status as 403 | 503) : 403,
      message: known ? err.message : trapped ? 'The image could not be rendered (decoder failure)' : 'The image could not be rendered',
      trapped,
      heapBytes: wasmHeapBytes(),
    };
    port.postMessage(reply);
  }
});

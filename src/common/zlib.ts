import * as zlib from 'node:zlib';

/**
 * node:zlib's one-shot calls, safe in a worker the pool may terminate at any moment.
 *
 * Node (20 at least) aborts the whole process when a worker thread is terminated between a zlib
 * handle's construction and its init: the handle's destructor asserts "close before init"
 * (src/node_zlib.cc) as the worker's environment is torn down. Every one-shot call opens that window,
 * and a timed-out job's worker is terminated wherever it is, so a request that times out while
 * inflating TIFF strips could take the server down (a test reproduces it without the gate).
 *
 * The gate closes the window with two flags shared with the pool: the worker raises CALLING around
 * each call, the pool raises STOPPING before it terminates and then waits for CALLING to fall. A call
 * that begins once STOPPING is up waits until the termination lands. Both sides write their flag before
 * they read the other's (sequentially consistent atomics), so either the pool sees the call and waits
 * for it, or the call sees the pool and never starts.
 */
const CALLING = 0;
const STOPPING = 1;

let gate: Int32Array | undefined;

/** The shared flags of one worker, made by the pool and handed to the worker with its workerData. */
export function zlibGate(): SharedArrayBuffer {
  return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
}

/** In the worker: guard every call from now on with the pool's flags. */
export function useZlibGate(shared: SharedArrayBuffer): void {
  gate = new Int32Array(shared);
}

/**
 * In the pool, before terminating the worker: raise STOPPING and wait for a call in flight to end.
 * One-shot calls on bounded input end by themselves; `boundMs` is there in case one does not, and the
 * worker is terminated then all the same (a call that long is past its handle's init).
 */
export async function closeZlibGate(shared: SharedArrayBuffer, boundMs = 10_000): Promise<void> {
  const flags = new Int32Array(shared);
  Atomics.store(flags, STOPPING, 1);
  if (Atomics.load(flags, CALLING) === 0) return;
  const wait = Atomics.waitAsync(flags, CALLING, 1, boundMs);
  if (wait.async) await wait.value;
}

function guarded<T>(call: () => T): T {
  const flags = gate;
  if (!flags) return call();
  Atomics.store(flags, CALLING, 1);
  if (Atomics.load(flags, STOPPING) !== 0) {
    Atomics.store(flags, CALLING, 0);
    Atomics.notify(flags, CALLING);
    // The pool is terminating this worker; the termination interrupts the wait.
    for (;;) Atomics.wait(flags, STOPPING, 1);
  }
  try {
    return call();
  } finally {
    Atomics.store(flags, CALLING, 0);
    Atomics.notify(flags, CALLING);
  }
}

export const inflateSync = (input: zlib.InputType, options?: zlib.ZlibOptions): Buffer => guarded(() => zlib.inflateSync(input, options));

export const deflateSync = (input: zlib.InputType, options?: zlib.ZlibOptions): Buffer => guarded(() => zlib.deflateSync(input, options));

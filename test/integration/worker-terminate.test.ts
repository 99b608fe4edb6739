import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

/**
 * Node 20 aborts the process when a worker thread is terminated between a zlib handle's construction
 * and its init ("close before init"). The pool terminates a worker whose job passes its deadline, at
 * whatever point it is, so without common/zlib.ts's gate a request timing out while its worker inflates
 * takes the whole server down. This drives the gate the way the pool does, many times, against workers
 * that do nothing but inflate; the same loop without the gate aborted within its first rounds when it was
 * written. It runs in a child process, since what it guards against is the process ending.
 */

const ROUNDS = 150;

const child = `
import { Worker } from 'node:worker_threads';
const gateUrl = ${JSON.stringify(new URL('../../build/src/common/zlib.js', import.meta.url).href)};
const { zlibGate, closeZlibGate } = await import(gateUrl);
const body = \`
  const { workerData, parentPort } = await import('node:worker_threads');
  const { useZlibGate, deflateSync, inflateSync } = await import(\${JSON.stringify(gateUrl)});
  useZlibGate(workerData.gate);
  const packed = deflateSync(Buffer.alloc(16));
  parentPort.postMessage('inflating');
  for (;;) inflateSync(packed);\`;
for (let round = 0; round < ${ROUNDS}; round++) {
  const gate = zlibGate();
  const worker = new Worker(body, { eval: true, workerData: { gate } });
  await new Promise((resolve) => worker.once('message', resolve));
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
  await closeZlibGate(gate);
  await worker.terminate();
}
console.log('survived ${ROUNDS} terminations');
`;

test('a worker terminated by the pool while it inflates never aborts the process (the zlib gate)', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', child], { timeout: 120_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
  assert.equal(code, 0, `the child ended badly:\n${stderr.slice(0, 2000)}`);
  assert.match(stdout, new RegExp(`survived ${ROUNDS} terminations`));
});

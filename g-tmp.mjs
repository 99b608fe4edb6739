import { Worker } from 'node:worker_threads';
const gateUrl = new URL('./src/common/zlib.ts', import.meta.url).href;
const tsx = import.meta.resolve('tsx/esm/api');
const useGate = process.argv[2] !== 'off';
const code = `
const { workerData } = await import('node:worker_threads');
const { register } = await import(${JSON.stringify(tsx)}); register();
const g = await import(${JSON.stringify(gateUrl)});
if (workerData.useGate) g.useZlibGate(workerData.gate);
const b = g.deflateSync(Buffer.alloc(10));
for (;;) { g.inflateSync(b); }`;
const g = await import(gateUrl);
for (let i = 0; i < 300; i++) {
  const gate = g.zlibGate();
  const w = new Worker(code, { eval: true, workerData: { gate, useGate } });
  await new Promise(r => setTimeout(r, 150 + Math.random()*20));
  if (useGate) await g.closeZlibGate(gate);
  await w.terminate();
}
console.log('survived');

// Compiles the AssemblyScript kernels of wasm/ to wasm/build/*.wasm (run by `npm ci` via prepare).
import { readFileSync } from 'node:fs';
import { main } from 'assemblyscript/asc';

const kernels = ['jpegdec', 'resize', 'jpegenc', 'color', 'pngfilter', 'composite'];
// 64 KiB pages of memory at start: the JPEG decoder's static tables (eight Huffman tables with
// their lookaheads and SKIP tables, 214 KB in all) need four.
const pages = { jpegdec: 4 };
// The resizer and the encoder work in the decoder's memory (src/image/kernels.ts), so that pixels
// pass from one to the next without a copy: each imports it and puts its statics after those
// of the kernel before it. The memory is a shared one (a SharedArrayBuffer): when it grows, the
// views of it already handed out stay valid, where an ArrayBuffer's would be detached.
const sharing = { resize: 'jpegdec', jpegenc: 'resize' };
const shared = ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'];
const heapBase = (name) => {
  const module = new WebAssembly.Module(readFileSync(`wasm/build/${name}.wasm`));
  const memory = new WebAssembly.Memory({ initial: pages.jpegdec, maximum: 65536, shared: true });
  const { exports } = new WebAssembly.Instance(module, { env: { memory, abort() {} } });
  return Math.ceil(exports.heapBase.value / 16) * 16;
};
for (const name of kernels) {
  const after = sharing[name];
  const { error, stderr } = await main([
    `wasm/${name}.ts`,
    '--outFile', `wasm/build/${name}.wasm`,
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--runtime', 'stub',
    '--enable', 'simd',
    '--noAssert',
    ...(after ? ['--importMemory', '--memoryBase', String(heapBase(after)), ...shared] : ['--initialMemory', String(pages[name] ?? 1)]),
    ...(name === 'jpegdec' ? shared : []),
  ]);
  if (error) {
    console.error(stderr.toString());
    process.exit(1);
  }
}
// The memory the decoder starts with must hold the statics of all three (an importer asks for at least that).
if (heapBase('jpegenc') > pages.jpegdec * 65536) {
  console.error(`wasm/build.mjs: the shared kernels' statics pass ${pages.jpegdec} pages: raise pages.jpegdec`);
  process.exit(1);
}

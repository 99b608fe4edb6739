// Compiles the AssemblyScript kernels of wasm/ to wasm/build/*.wasm (run by `npm ci` via prepare).
import { main } from 'assemblyscript/asc';

const kernels = ['resize', 'color', 'jpegdec', 'jpegenc', 'pngfilter', 'composite'];
// 64 KiB pages of memory at start: the JPEG decoder's static tables (eight Huffman tables with
// their lookaheads and SKIP tables, 214 KB in all) need four.
const pages = { jpegdec: 4 };
for (const name of kernels) {
  const { error, stderr } = await main([
    `wasm/${name}.ts`,
    '--outFile', `wasm/build/${name}.wasm`,
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--runtime', 'stub',
    '--enable', 'simd',
    '--noAssert',
    '--initialMemory', String(pages[name] ?? 1),
  ]);
  if (error) {
    console.error(stderr.toString());
    process.exit(1);
  }
}

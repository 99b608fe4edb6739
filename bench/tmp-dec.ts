import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STANDARD_PHOTO } from './encode.ts';
import { decodeJpegScaled } from '../src/image/jpeg.ts';
import { codecs } from '../test/helpers/pixels.ts';
await codecs();
const bytes = readFileSync(fileURLToPath(STANDARD_PHOTO));
const small = readFileSync(fileURLToPath(new URL('320x240.jpg', STANDARD_PHOTO)));
const ab = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
for (const [name, file, factors] of [['standard', ab(bytes), [1, 2, 8]], ['320x240', ab(small), [1, 2]]] as const) {
  for (const f of factors) {
    decodeJpegScaled(file, f as 1 | 2 | 8);
    const times: number[] = [];
    for (let i = 0; i < (name === 'standard' ? 15 : 200); i++) { const t = performance.now(); decodeJpegScaled(file, f as 1 | 2 | 8); times.push(performance.now() - t); }
    times.sort((a, b) => a - b);
    console.log(name, `1/${f}`, 'median ms', times[times.length >> 1]!.toFixed(2));
  }
}

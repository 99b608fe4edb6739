import { readFileSync } from 'node:fs';
import { codecs } from '../test/helpers/pixels.ts';
import { decodeJpeg, encodeJpeg } from '../src/image/wasm-codecs.ts';
import { resize } from '../src/pipeline/steps/resize.ts';
await codecs();
const b = readFileSync('../shared/corpus/photos/2569067123_aca715a2ee_o.jpg');
const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
for (let i = 0; i < 3; i++) {
  let t = performance.now(); const img = await decodeJpeg(ab, 1); const d = performance.now() - t;
  t = performance.now(); const r = resize({ ...img, data: img.data.slice() }, 2000, 1633, { premultiply: false, filter: 'lanczos3' }); const rs = performance.now() - t;
  t = performance.now(); const e = await encodeJpeg(r, { quality: 85, fullChroma: false, gray: false }); const en = performance.now() - t;
  console.log(`decode ${d.toFixed(0)} resize ${rs.toFixed(0)} encode ${en.toFixed(0)} bytes ${e.byteLength}`);
}

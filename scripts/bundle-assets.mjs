// The files `npm run build` puts beside dist/isle.mjs: the samples, every .wasm module (ours and the
// codecs'), HarfBuzz's module where harfbuzzjs looks for it (beside the importing file), and the
// regular and bold faces of the built-in fonts, the @fontsource packages among the dependencies.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dist = 'dist';
const modules = [
  ...readdirSync('wasm/build').filter((f) => f.endsWith('.wasm')).map((f) => join('wasm/build', f)),
  'node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm',
  'node_modules/@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm',
  'node_modules/@jsquash/webp/codec/enc/webp_enc_simd.wasm',
  'node_modules/@jsquash/avif/codec/enc/avif_enc.wasm',
  'node_modules/@jsquash/webp/codec/dec/webp_dec.wasm',
  'node_modules/@jsquash/avif/codec/dec/avif_dec.wasm',
  'node_modules/@jsquash/jxl/codec/dec/jxl_dec.wasm',
  'node_modules/libheif-js/libheif-wasm/libheif.wasm',
  'node_modules/@cornerstonejs/codec-openjpeg/dist/openjpegwasm.wasm',
];
rmSync(join(dist, 'samples'), { recursive: true, force: true });
rmSync(join(dist, 'fonts'), { recursive: true, force: true });
// A save folder someone made under samples/ holds their files, not the package's.
cpSync('samples', join(dist, 'samples'), { recursive: true, filter: (from) => !from.startsWith(join('samples', 'saved')) });
mkdirSync(join(dist, 'wasm'), { recursive: true });
for (const m of modules) cpSync(m, join(dist, 'wasm', m.split('/').at(-1)));
cpSync('node_modules/harfbuzzjs/dist/harfbuzz.wasm', join(dist, 'harfbuzz.wasm'));
const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8'));
for (const name of Object.keys(dependencies).filter((d) => d.startsWith('@fontsource/'))) {
  const id = name.slice('@fontsource/'.length);
  const from = join('node_modules', name);
  const to = join(dist, 'fonts', id);
  mkdirSync(join(to, 'files'), { recursive: true });
  cpSync(join(from, 'unicode.json'), join(to, 'unicode.json'));
  for (const f of readdirSync(join(from, 'files')).filter((f) => /-(400|700)-(normal|italic)\.woff$/.test(f))) cpSync(join(from, 'files', f), join(to, 'files', f));
}

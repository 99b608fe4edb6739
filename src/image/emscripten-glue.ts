/**
 * An Emscripten module factory (the JavaScript glue of a @jsquash codec) with one loop replaced.
 *
 * embind hands a typed array to a `std::string` parameter by copying it into the module's memory
 * in JavaScript, a byte at a time (`HEAPU8[ptr+i]=value[i]`). The WebP and AVIF encoders take their
 * RGBA pixels that way: for the 1024x836 image of the bench's webp1024 job an encode took 45 ms so
 * and 39 ms with one copy (`npm run bench`'s WebP encode table). `bulkCopyGlue` makes the factory again
 * from its own source with that loop as one `HEAPU8.set(value,ptr)`: the same bytes in the same
 * place, for the typed arrays embind accepts there (Uint8, Uint8Clamped, Int8).
 *
 * The source is the factory's own text (Function.prototype.toString): as npm ships it, or as esbuild
 * reprints it into the bundle, spaces and line breaks added (so the loop is matched with any spacing).
 * The body runs in strict mode, as the glue's module did. `import.meta` cannot stand in a Function's
 * body, so the glue's reads of its own URL take `url` instead: the codecs are instantiated by hand,
 * and that URL only names the .wasm file the glue would otherwise fetch. A factory whose text lacks
 * the loop, or holds it more than once, or loads anything, is returned as it is
 * (`test/unit/emscripten-glue.test.ts` fails then, so that an upgrade which changes the glue is seen).
 */
const BYTE_LOOP = /for\s*\(\s*var i\s*=\s*0;\s*i\s*<\s*length;\s*\+\+i\s*\)\s*\{\s*HEAPU8\[\s*ptr\s*\+\s*i\s*\]\s*=\s*value\[\s*i\s*\];?\s*\}/g;

export function bulkCopyGlue<F extends (options?: object) => Promise<unknown>>(factory: F, url: string): F {
  const source = factory.toString();
  if (source.match(BYTE_LOOP)?.length !== 1 || /\bimport\s*\(|\brequire\s*\(/.test(source)) return factory;
  const body = source.replace(BYTE_LOOP, 'HEAPU8.set(value, ptr)').replaceAll('import.meta.url', 'glueUrl');
  try {
    return new Function('_scriptDir', 'glueUrl', `"use strict"; return (${body});`)(url, url) as F;
  } catch {
    return factory;
  }
}

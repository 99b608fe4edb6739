import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { destinationBlackPoint, sourceBlackPoint } from '../../src/image/black-point.ts';
import { parseProfile, profileDescription, ProfileError } from '../../src/image/icc.ts';
import { outputKind } from '../../src/image/icc-pcs.ts';
import { builtinProfile } from '../../src/image/icc-profiles.ts';
import { separation, transformTo } from '../../src/image/icc-transforms.ts';
import { RGB_SPACES } from '../../src/image/rgb-spaces.ts';
import { cmykProfile, grayProfile, lutRgbProfile, rgbProfile } from '../../tools/fixtures/icc.ts';
import { codecs } from '../helpers/pixels.ts';

// Matrix/TRC conversions run on the colour kernel.
before(() => codecs());

/**
 * Every profile is untrusted (a source's embedded one, a catalog's file): damaged in any byte,
 * cut short, or with its tag table pointing anywhere, reading it and building every transform from
 * it either works or throws a ProfileError (which the server answers as a 403 or ignores), within
 * a bounded time; never another exception, a trap or a hang.
 */
const BASES: [string, Uint8Array][] = [
  ['lut16 CMYK', new Uint8Array(cmykProfile())],
  ['v4 mAB/mBA RGB', new Uint8Array(lutRgbProfile())],
  ['matrix RGB', new Uint8Array(rgbProfile('fuzz', [[0.4361, 0.2225, 0.0139], [0.3851, 0.7169, 0.0971], [0.1431, 0.0606, 0.7141]], 2.2))],
  ['grey', new Uint8Array(grayProfile('fuzz', 1.8))],
  ['built-in sRGB', builtinProfile(RGB_SPACES.srgb)],
];

/** Everything the engine does with a profile; a few pixels through each transform. */
function useFully(bytes: Uint8Array): void {
  const p = parseProfile(bytes);
  profileDescription(p);
  const pixels = new Uint8ClampedArray([0, 0, 0, 255, 128, 64, 200, 255, 255, 255, 255, 255]);
  for (const intent of ['perceptual', 'relative', 'absolute'] as const) {
    sourceBlackPoint(p, intent);
    destinationBlackPoint(p, intent);
    transformTo(p, intent, RGB_SPACES.srgb, true)(pixels.slice());
  }
  const kind = outputKind(p);
  if (kind !== 'matrix') separation(p, kind, 'relative', true)(pixels.slice());
}

const onlyProfileErrors = (bytes: Uint8Array) => {
  try {
    useFully(bytes);
  } catch (err) {
    if (!(err instanceof ProfileError)) throw err;
  }
};

test('the fixtures the fuzzing starts from are whole profiles the engine uses fully', () => {
  for (const [name, bytes] of BASES) assert.doesNotThrow(() => useFully(bytes), name);
});

/**
 * Damage: bytes overwritten anywhere, biased to the header and tag table and to the first bytes of
 * each tag (types, channel and grid counts, element offsets), with values that are sizes' edges.
 */
function damage(base: Uint8Array) {
  const heads = [...parseProfile(base).tags.values()].map((t) => t.offset);
  const position = fc.oneof(
    fc.integer({ min: 0, max: base.length - 1 }),
    fc.integer({ min: 0, max: Math.min(base.length - 1, 400) }),
    fc.tuple(fc.constantFrom(...heads), fc.integer({ min: 0, max: 63 })).map(([head, k]) => Math.min(base.length - 1, head + k)),
  );
  const value = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 2, 3, 4, 8, 15, 16, 17, 127, 128, 255));
  return fc.record({ writes: fc.array(fc.tuple(position, value), { minLength: 1, maxLength: 12 }), cut: fc.option(fc.integer({ min: 0, max: base.length }), { freq: 4 }) });
}

for (const [name, base] of BASES) {
  test(`a damaged ${name} profile: read or refused with a ProfileError, quickly`, () => {
    fc.assert(
      fc.property(damage(base), ({ writes, cut }) => {
        const bytes = base.slice(0, cut ?? base.length);
        for (const [at, value] of writes) if (at < bytes.length) bytes[at] = value;
        const started = performance.now();
        onlyProfileErrors(bytes);
        // Bounded work: a damaged size field must not make a grid of billions of points.
        assert.ok(performance.now() - started < 5000, `took ${Math.round(performance.now() - started)} ms`);
      }),
      { numRuns: 80 },
    );
  });
}

import assert from 'node:assert/strict';
import { relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadCatalogs } from '../../src/catalog/load.ts';
import { isInside, resolveObject } from '../../src/catalog/resolve.ts';
import { interpretImageRequest } from '../../src/protocol/commands.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { parseRequestTarget } from '../../src/protocol/url.ts';
import { layoutView } from '../../src/planning/view.ts';
import { resolveSaveTarget } from '../../src/save/path.ts';
import { REPO } from '../helpers/server.ts';

/** Written independently of the code's isInside: every path segment after the root must be a real name. */
const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel !== '' && rel.split(sep).every((s) => s !== '..' && s !== '.' && s !== '') && !path.includes('\0') && isInside(root, path);
};
/** Only the protocol's error may escape; anything else (TypeError, RangeError, ...) is a bug. */
const onlyIsError = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof IsError)) throw err;
    assert.ok(err.status === 403 || err.status === 404);
  }
};

/** Strings built from the pieces attackers and real URLs are made of. */
const PIECES = ['..', '.', '/', '\\', '%', '%2e', '%2E', '%2f', '%5c', '%00', '%25', '%c0%ae', '%e0%80%ae', '+', '=', '&', ',', '$', ':', '~', '\0', '\n', 'a', 'b.png', 'x', ' ', 'é', '%zz'];
const hostile = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 3 })), { maxLength: 14 }).map((p) => p.join(''));

const COMMANDS = ['wid', 'hei', 'scl', 'fit', 'align', 'bgc', 'rgn', 'rect', 'fmt', 'qlt', 'req', 'name', 'timeout', 'id', 'cache', 'WID', 'Fit'];
const VALUES = ['0', '1', '-1', '300', '2000', '1e6', '0.5', '.5', 'crop,1', 'fit,0', 'stretch', 'constrain,2', '0,-1', '1,1', '0,0,10,10', '5,5,100,50,2', 'png', 'jpeg,gray', 'png-alpha', 'gif', '80,1', 'ffffff', '0,100,200', 'saveToFile', 'img', ''];
const modifierString = fc
  .array(fc.tuple(fc.constantFrom(...COMMANDS), fc.oneof(fc.constantFrom(...VALUES), hostile)), { maxLength: 8 })
  .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('&'));

const DEFAULTS = { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3' as const, resolution: 72, formatAuto: true, browserFormatConversion: false };

test('fuzz: any request target either parses into a request or yields the protocol error', () => {
  fc.assert(
    fc.property(fc.oneof(hostile, modifierString), hostile, (query, path) => {
      onlyIsError(() => {
        const url = parseRequestTarget(`/is/image/${path}?${query}`);
        interpretImageRequest(url.modifiers, DEFAULTS);
      });
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: every planned reply obeys MaxPix', () => {
  const maxSize = { width: 2000, height: 1500 };
  fc.assert(
    fc.property(modifierString, fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 20000 }), (query, width, height) => {
      let layout;
      try {
        const request = interpretImageRequest(parseRequestTarget(`/is/image/x?${query}`).modifiers, DEFAULTS);
        layout = layoutView(request.view, { width, height }, { defaultSize: { width: 400, height: 400 }, maxSize, upscaleWithoutFit: true });
      } catch (err) {
        if (err instanceof IsError) return;
        throw err;
      }
      assert.ok(layout.canvas.width <= maxSize.width && layout.canvas.height <= maxSize.height);
      assert.ok(layout.canvas.width >= 1 && layout.canvas.height >= 1);
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: no saveToFile name escapes SaveDirectory/SavePath', () => {
  const root = '/srv/isle/saves';
  fc.assert(
    fc.property(hostile, (name) => {
      let target;
      try {
        target = resolveSaveTarget(root, 'out', name);
      } catch (err) {
        if (err instanceof IsError) return;
        throw err;
      }
      assert.ok(inside(resolve(root, 'out'), target.file), `${JSON.stringify(name)} -> ${target.file}`);
      assert.ok(!target.file.includes('\0'));
    }),
    { numRuns: 5000 },
  );
});

test('fuzz: no object path escapes the image root, however encoded', () => {
  const catalogs = loadCatalogs(resolve(REPO, 'samples/catalogs'));
  const root = '/srv/isle/images';
  fc.assert(
    fc.property(fc.array(hostile, { minLength: 1, maxLength: 5 }), (elements) => {
      let object;
      try {
        const url = parseRequestTarget(`/is/image/${elements.join('/')}`);
        object = resolveObject(url.path, catalogs, root);
      } catch (err) {
        if (err instanceof IsError) return;
        throw err;
      }
      assert.ok(inside(object.root, object.file), `${JSON.stringify(elements)} -> ${object.file}`);
      assert.ok(inside(root, object.file) || object.root === root);
    }),
    { numRuns: 5000 },
  );
});

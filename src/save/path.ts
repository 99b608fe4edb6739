import { resolve } from 'node:path';
import { containedPath } from '../catalog/resolve.ts';
import { forbidden } from '../protocol/errors.ts';

/** Temporary files of in-flight saves start with this; no `name=` may, so they never collide. */
export const TEMP_PREFIX = '.isle-tmp-';

const MAX_NAME_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;

/**
 * Where `req=saveToFile&name=` writes: SaveDirectory/SavePath/name, checked lexically. The name
 * has been percent-decoded once already; a `%` left in it is a double-encoding attempt and is
 * refused with the rest (backslashes, NUL and control characters, absolute paths, `.`/`..`).
 */
export function resolveSaveTarget(saveDirectory: string, savePath: string, name: string): { folder: string; file: string } {
  if (savePath === '') throw forbidden('Saving is disabled for this catalog: SavePath is empty');
  if (name === '') throw forbidden('req=saveToFile needs name=');
  if (name.length > MAX_NAME_LENGTH) throw forbidden('The save name is too long');
  if (/[\x00-\x1f\x7f\\%:]/.test(name) || name.startsWith('/')) {
    throw forbidden('Invalid save name: it must be a relative path without backslashes, colons, % or control characters');
  }
  const segments = name.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw forbidden("Invalid save name: empty, '.' and '..' path elements are not allowed");
    if (s.length > MAX_SEGMENT_LENGTH) throw forbidden('Invalid save name: a path element is too long');
    if (s.startsWith(TEMP_PREFIX)) throw forbidden(`Invalid save name: names may not start with ${TEMP_PREFIX}`);
  }
  const folder = containedPath(resolve(saveDirectory), savePath, 'SavePath');
  return { folder, file: containedPath(folder, name, 'save name') };
}

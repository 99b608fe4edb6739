import { resolve } from 'node:path';
import { containedPath } from '../catalog/resolve.ts';
import { forbidden } from '../protocol/errors.ts';
import { TEMP_PREFIX } from './temp.ts';

/**
 * Bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9) make a name read differently from
 * what it is (`gpj.exe` shown as `exe.jpg`).
 */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

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
  if (/[\x00-\x1f\x7f\\%:]/.test(name) || BIDI.test(name) || name.startsWith('/')) {
    throw forbidden('Invalid save name: it must be a relative path without backslashes, colons, % or control characters');
  }
  const segments = name.split('/');
  for (const s of segments) {
    if (s === '' || /^\.+$/.test(s)) throw forbidden('Invalid save name: empty path elements and elements made only of dots are not allowed');
    // Windows and SMB shares drop a trailing dot or space, so `a.jpg.` would land on `a.jpg`.
    if (/[. ]$/.test(s)) throw forbidden('Invalid save name: a path element may not end with a dot or a space');
    if (s.length > MAX_SEGMENT_LENGTH) throw forbidden('Invalid save name: a path element is too long');
    if (s.toLowerCase().startsWith(TEMP_PREFIX)) throw forbidden(`Invalid save name: names may not start with ${TEMP_PREFIX}`);
  }
  const folder = containedPath(resolve(saveDirectory), savePath, 'SavePath');
  return { folder, file: containedPath(folder, name, 'save name') };
}

import { constants, existsSync } from 'node:fs';
import { lstat, open, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isInside } from '../catalog/resolve.ts';
import { forbidden, IsError } from '../protocol/errors.ts';
import type { Deadline } from '../protocol/deadline.ts';
import { newTempName } from './temp.ts';

/** Error codes a save can meet, told without the absolute paths they carry. */
const REASONS: Record<string, string> = {
  ENOENT: 'the target folder does not exist (folders are never created)',
  ENOTDIR: 'a part of the target path is not a folder',
  ELOOP: 'a part of the target path is a symbolic link',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EISDIR: 'the target is a folder',
  EEXIST: 'a temporary file already exists',
};

const saveError = (err: unknown) =>
  err instanceof IsError ? err : forbidden(`Saving failed: ${REASONS[(err as NodeJS.ErrnoException).code ?? ''] ?? 'the file could not be written'}`);

/**
 * Linux names an open directory `/proc/self/fd/<n>`, and a path through it stays in that directory
 * whatever is renamed afterwards: Node's path APIs then act relative to a handle, as openat(2) does.
 */
const HANDLE_PATHS = process.platform === 'linux' && existsSync('/proc/self/fd');

/** A folder held open, and how to name an entry in it. */
interface Folder {
  entry(name: string): string;
  close(): Promise<void>;
}

const DIRECTORY = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0);
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Opens `file`'s folder by walking down from the save folder one element at a time, each opened
 * relative to the handle of the one above with O_NOFOLLOW: a symlink anywhere below the save folder,
 * even one swapped in a moment after a check, fails the open instead of being followed.
 */
async function openFolderOnLinux(saveFolder: string, elements: string[]): Promise<Folder> {
  let handle: FileHandle = await open(await realpath(saveFolder), DIRECTORY);
  try {
    for (const element of elements) {
      const next = await open(`/proc/self/fd/${handle.fd}/${element}`, DIRECTORY | NO_FOLLOW);
      await handle.close();
      handle = next;
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  const held = handle;
  return { entry: (name) => `/proc/self/fd/${held.fd}/${name}`, close: () => held.close() };
}

/**
 * Elsewhere the best the platform allows: the folder's real path is checked, then used by path
 * string, so a rename between the check and the write can still redirect it (docs/deployment.md, Security).
 */
async function openFolderByPath(saveFolder: string, elements: string[]): Promise<Folder> {
  const realSave = await realpath(saveFolder);
  const realTarget = await realpath(join(saveFolder, ...elements));
  if (realTarget !== realSave && !isInside(realSave, realTarget)) throw forbidden('Invalid save name: it leads outside the save folder');
  return { entry: (name) => join(realTarget, name), close: async () => {} };
}

/**
 * Writes `bytes` to `file` (below `saveFolder`) so that a reader only ever sees the old file or the
 * complete new one: a temporary file in the target folder, fsync, then rename, every step through
 * the one folder handle that was opened. The file's time is read from the temporary file's own
 * handle, so once the rename has happened nothing can turn the save into a failure. A failed save
 * removes its temporary file; a save past its deadline is stopped before the rename.
 */
export async function writeAtomically(saveFolder: string, file: string, bytes: Uint8Array, deadline: Deadline): Promise<{ createdMs: number }> {
  const elements = relative(saveFolder, file).split(sep);
  const name = elements.pop()!;
  let folder: Folder;
  try {
    folder = await (HANDLE_PATHS ? openFolderOnLinux : openFolderByPath)(saveFolder, elements);
  } catch (err) {
    throw saveError(err);
  }
  const temp = folder.entry(newTempName());
  let created = false;
  try {
    const existing = await lstat(folder.entry(name)).catch(() => undefined);
    if (existing?.isSymbolicLink() || existing?.isDirectory()) throw forbidden('Saving failed: the target exists and is not a regular file');
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o644);
    created = true;
    let createdMs: number;
    try {
      await handle.writeFile(bytes);
      await handle.sync();
      const info = await handle.stat();
      createdMs = Math.round(info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs);
    } finally {
      await handle.close();
    }
    deadline.check();
    await rename(temp, folder.entry(name));
    created = false;
    return { createdMs };
  } catch (err) {
    if (created) await rm(temp, { force: true }).catch(() => {});
    throw saveError(err);
  } finally {
    await folder.close();
  }
}

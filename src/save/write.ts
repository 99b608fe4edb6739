import { randomUUID } from 'node:crypto';
import { lstat, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isInside } from '../catalog/resolve.ts';
import { forbidden, IsError } from '../protocol/errors.ts';
import { TEMP_PREFIX } from './path.ts';

/** Error codes a save can meet, told without the absolute paths they carry. */
const REASONS: Record<string, string> = {
  ENOENT: 'the target folder does not exist (folders are never created)',
  ENOTDIR: 'a part of the target path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EISDIR: 'the target is a folder',
  EEXIST: 'a temporary file already exists',
};

const saveError = (err: unknown) =>
  forbidden(`Saving failed: ${REASONS[(err as NodeJS.ErrnoException).code ?? ''] ?? 'the file could not be written'}`);


/**
 * Writes `bytes` to `file` so that a reader only ever sees the old file or the complete new one:
 * a temporary file in the same folder, fsync, then rename. The folder is resolved through any
 * symlinks and must still lie inside `folder`. The deadline is checked right before the rename,
 * so a save that ran out of time leaves nothing behind.
 */
export async function writeAtomically(
  folder: string,
  file: string,
  bytes: Uint8Array,
  deadline: { at: number; error: IsError },
): Promise<{ createdMs: number }> {
  let realFolder: string;
  let realTargetFolder: string;
  try {
    realFolder = await realpath(folder);
    realTargetFolder = await realpath(dirname(file));
  } catch (err) {
    throw saveError(err);
  }
  if (realTargetFolder !== realFolder && !isInside(realFolder, realTargetFolder)) throw forbidden('Invalid save name: it leads outside the save folder');
  const target = join(realTargetFolder, basename(file));
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isSymbolicLink() || existing?.isDirectory()) {
    throw forbidden('Saving failed: the target exists and is not a regular file');
  }
  const temp = join(realTargetFolder, `${TEMP_PREFIX}${randomUUID()}`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (Date.now() >= deadline.at) throw deadline.error;
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err instanceof IsError ? err : saveError(err);
  }
  const info = await stat(target);
  return { createdMs: Math.round(info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs) };
}

/** Removes temporary files that a crash left behind, below each save folder. */
export async function removeStaleTempFiles(folders: Iterable<string>, maxDepth = 8): Promise<number> {
  let removed = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
        await rm(path, { force: true });
        removed++;
      } else if (entry.isDirectory() && depth < maxDepth) {
        await visit(path, depth + 1);
      }
    }
  };
  for (const folder of new Set(folders)) await visit(folder, 0);
  return removed;
}

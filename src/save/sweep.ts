import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbandoned, TEMP_PREFIX, THIS_PROCESS } from './temp.ts';

/** Whether a process runs on this host (EPERM: it runs, as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the abandoned temporary files below each save folder, at any depth (symlinks are not
 * followed, so a loop cannot trap the walk). Files of live instances are left alone.
 */
export async function removeAbandonedTempFiles(folders: Iterable<string>, maxAgeMs: number): Promise<number> {
  let removed = 0;
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await visit(path);
      } else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
        const info = await lstat(path).catch(() => undefined);
        if (!info || !isAbandoned(entry.name, Date.now() - info.mtimeMs, maxAgeMs, THIS_PROCESS, running)) continue;
        await rm(path, { force: true });
        removed++;
      }
    }
  };
  for (const folder of new Set(folders)) await visit(folder);
  return removed;
}

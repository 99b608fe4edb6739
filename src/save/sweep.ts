import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalogs } from '../catalog/load.ts';
import { resolveSaveTarget } from './path.ts';
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
async function removeAbandonedTempFiles(folders: Iterable<string>, maxAgeMs: number): Promise<number> {
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

/**
 * A temporary file older than twice the longest save (timeout= allows a day) is abandoned whoever
 * made it; younger ones only when their process is gone (save/temp.ts).
 */
const ABANDONED_AFTER_MS = 2 * 86_400_000;

/** The save folders of all catalogs, for the start-up sweep of stale temporary files. */
function saveFolders(catalogs: Catalogs, saveDir: string): string[] {
  const { defaultCatalog, byRootId } = catalogs;
  return [defaultCatalog, ...byRootId.values()]
    .filter((c) => c.attributes.savePath !== '')
    .map((c) => resolveSaveTarget(saveDir, c.attributes.savePath, 'x').folder);
}

/** The start-up sweep: abandoned temporary files under every catalog's save folder. */
export const sweepSaveFolders = (catalogs: Catalogs, saveDir: string) => removeAbandonedTempFiles(saveFolders(catalogs, saveDir), ABANDONED_AFTER_MS);

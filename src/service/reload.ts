import { watch } from 'node:fs';
import { loadCatalogs } from '../catalog/load.ts';
import type { ServerContext } from './context.ts';
import { log } from '../observe/log.ts';

/** Catalog files are re-read when they change; a broken edit is logged and the old catalogs stay. */
export function watchCatalogs(context: ServerContext): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(context.config.catalogs, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        context.catalogs = loadCatalogs(context.config.catalogs, context.config['max-modifiers']);
        for (const warning of context.catalogs.warnings) log.warn({ catalogs: context.config.catalogs }, warning);
        log.info({ catalogs: context.catalogs.byRootId.size + 1 }, 'catalogs reloaded');
      } catch (err) {
        log.error({ err: (err as Error).message }, 'catalogs not reloaded: keeping the previous ones');
      }
    }, 100);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}


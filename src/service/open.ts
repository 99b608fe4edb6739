import { loadCatalogs, type Catalogs } from '../catalog/load.ts';
import type { ServerConfig } from '../config/options.ts';
import { compileModules } from '../image/modules.ts';
import { RenderPool } from '../host/pool.ts';
import type { ServerContext } from './context.ts';
import { Limiter } from './limiter.ts';
import { log } from '../observe/log.ts';
import { Metrics } from '../observe/metrics.ts';
import { RenderCache } from './render-cache.ts';
import { Fonts } from '../inputs/fonts.ts';
import { ProfileFiles } from '../inputs/profiles.ts';
import { SourceHeaders } from '../inputs/source-headers.ts';
import { ForeignSources } from '../origin/sources.ts';
import { parseAddressList } from '../protocol/addresses.ts';
import { sweepSaveFolders } from '../save/sweep.ts';
import { watchCatalogs } from './reload.ts';
import { HeldBytes } from '../protocol/held-bytes.ts';

/** The image service, open: what `isle serve` puts behind its HTTP server and `isle render` calls directly. */
export interface Service {
  context: ServerContext;
  /** Stops watching the catalogs and stops the workers. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /**
   * A server: saveToFile is on (--save-allow), the save folders are swept of abandoned temporary
   * files and the catalogs are reloaded when they change. Off for `isle render`, which saves nothing.
   */
  serve: boolean;
  /** The catalogs as loaded, changed before use (isle render's --no-limits lifts MaxPix). */
  adjust?: (catalogs: Catalogs) => Catalogs;
}

/**
 * Start-up, once for both: everything that can refuse the configuration runs before any worker
 * starts (catalogs, address lists), then the sweep, then the workers.
 */
export async function openService(config: ServerConfig, { serve, adjust = (c) => c }: ServiceOptions): Promise<Service> {
  const catalogs = adjust(loadCatalogs(config.catalogs, config['max-modifiers']));
  for (const warning of catalogs.warnings) log.warn({ catalogs: config.catalogs }, warning);
  const saveClients = parseAddressList(serve ? config['save-allow'] : '', '--save-allow');
  const originAllow = parseAddressList(config['origin-allow'], '--origin-allow');
  if (serve) {
    const stale = await sweepSaveFolders(catalogs, config['save-dir']);
    if (stale > 0) log.warn({ removed: stale }, 'removed temporary files left by an interrupted save');
  }
  const context = await openContext(config, catalogs, saveClients, originAllow);
  const reloader = serve ? watchCatalogs(context) : undefined;
  return {
    context,
    async close() {
      reloader?.close();
      await context.pool.close();
    },
  };
}

async function openContext(config: ServerConfig, catalogs: Catalogs, saveClients: ServerContext['saveClients'], originAllow: ServerContext['originAllow']): Promise<ServerContext> {
  const cache = new RenderCache(config['render-cache'] * 1024 * 1024);
  const origins = new ForeignSources(config['origin-cache'] * 1024 * 1024, config['origin-concurrency'], config['max-fetch-held'] * 1024 * 1024);
  const sourceHeaders = new SourceHeaders(config['source-cache'] * 1024 * 1024);
  const sourceReads = new HeldBytes(config['max-read-held'] * 1024 * 1024, { one: 'A source file', many: 'source files', option: 'max-read-held' });
  const metrics = new Metrics(() => pool, cache, origins, sourceHeaders, sourceReads);
  const pool = new RenderPool({
    size: config.workers,
    maxQueue: config['max-queue'] * config.workers,
    agingMs: config['queue-aging'],
    maxHeapBytes: config['max-worker-memory'] * 1024 * 1024,
    maxClientRenders: config['max-client-renders'] || Math.max(1, config.workers - 1),
    idleRecycleMs: config['idle-recycle'],
    modules: compileModules(),
    onEvent: (event) => {
      metrics.poolEvent(event);
      if (event.type === 'worker-replaced' && event.reason === 'idle') log.debug(event, 'idle worker recycled');
      else if (event.type === 'worker-replaced') log.warn(event, 'worker replaced');
    },
  });
  await pool.ready().catch(async (err: Error) => {
    await pool.close();
    throw err;
  });
  return {
    config,
    catalogs,
    pool,
    // One worker at least is left to replies, so saves cannot starve them.
    saves: new Limiter(Math.min(config['max-concurrent-saves'], Math.max(1, config.workers - 1))),
    saveClients,
    metrics,
    cache,
    sourceHeaders,
    sourceReads,
    origins,
    originAllow,
    fonts: new Fonts(config.root),
    profiles: new ProfileFiles(config.root),
  };
}

import type { BlockList } from 'node:net';
import type { Catalogs } from '../catalog/load.ts';
import type { ServerConfig } from '../config/options.ts';
import { compileModules } from '../image/modules.ts';
import { RenderPool } from '../host/pool.ts';
import type { ServerContext } from './context.ts';
import { Limiter } from './limiter.ts';
import { log } from './log.ts';
import { Metrics } from './metrics.ts';
import { RenderCache } from './render-cache.ts';
import { Fonts } from './fonts.ts';
import { ProfileFiles } from './profiles.ts';
import { SourceHeaders } from './source-headers.ts';
import { ForeignSources } from '../origin/sources.ts';
import { parseAddressList } from '../protocol/addresses.ts';

/**
 * The shared state of request handlers, its render pool started and ready: what `isle serve` puts
 * behind its HTTP server and `isle render` calls directly.
 */
export async function openContext(config: ServerConfig, catalogs: Catalogs, saveClients: BlockList): Promise<ServerContext> {
  const cache = new RenderCache(config['render-cache'] * 1024 * 1024);
  const origins = new ForeignSources(config['origin-cache'] * 1024 * 1024, config['origin-concurrency']);
  const headers = new SourceHeaders(config['source-cache'] * 1024 * 1024);
  const metrics = new Metrics(() => pool, cache, origins, headers);
  const pool = new RenderPool({
    size: config.workers,
    maxQueue: config['max-queue'] * config.workers,
    agingMs: config['queue-aging'],
    maxHeapBytes: config['max-worker-memory'] * 1024 * 1024,
    maxWork: config['max-request-work'] * 1e6,
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
    headers,
    origins,
    originAllow: parseAddressList(config['origin-allow'], '--origin-allow'),
    fonts: new Fonts(config.root),
    profiles: new ProfileFiles(config.root),
  };
}

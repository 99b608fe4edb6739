import type { Catalogs } from '../catalog/load.ts';
import type { ServerConfig } from '../config/options.ts';
import type { RenderPool } from '../worker/pool.ts';

/** What request handlers share: the settings, the loaded catalogs and the render pool. */
export interface ServerContext {
  config: ServerConfig;
  catalogs: Catalogs;
  pool: RenderPool;
}

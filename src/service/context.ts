import type { BlockList } from 'node:net';
import type { Catalogs } from '../catalog/load.ts';
import type { ServerConfig } from '../config/options.ts';
import type { RenderPool } from '../host/pool.ts';
import type { Limiter } from './limiter.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { RenderCache } from './render-cache.ts';
import type { SourceHeaders } from '../inputs/source-headers.ts';
import type { ForeignSources } from '../origin/sources.ts';
import type { HeldBytes } from '../protocol/held-bytes.ts';
import type { Fonts } from '../inputs/fonts.ts';
import type { ProfileFiles } from '../inputs/profiles.ts';

/** Who asked: the client's address (through trusted proxies, see addresses.ts) and the method. */
export interface Client {
  address: string | undefined;
  method: string;
  /** The headers smart imaging reads: Accept, and the DPR client hints. */
  hints?: { accept?: string; secChDpr?: string; dpr?: string };
}

/** What request handlers share: the settings, the loaded catalogs and the render pool. */
export interface ServerContext {
  config: ServerConfig;
  catalogs: Catalogs;
  pool: RenderPool;
  /** saveToFile requests in progress. */
  saves: Limiter;
  /** Clients allowed to save (--save-allow). */
  saveClients: BlockList;
  metrics: Metrics;
  /** Rendered replies (--render-cache). */
  cache: RenderCache;
  /** Sources' headers, so a cached render is planned without reading its file. */
  sourceHeaders: SourceHeaders;
  /** Source files that requests in progress hold (--max-read-held). */
  sourceReads: HeldBytes;
  /** Foreign sources fetched over HTTP (--origin-cache), and the addresses allowed although private (--origin-allow). */
  origins: ForeignSources;
  originAllow: BlockList;
  /** Font files opened for text layers. */
  fonts: Fonts;
  /** The catalogs' profiles for sources that embed none. */
  profiles: ProfileFiles;
}

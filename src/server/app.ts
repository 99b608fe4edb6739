import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadCatalogs } from '../catalog/load.ts';
import { parseAddressList } from '../config/addresses.ts';
import type { ServerConfig } from '../config/options.ts';
import { asIsError, forbidden, IsError } from '../protocol/errors.ts';
import { formatOptionsOf } from '../protocol/reply-format.ts';
import { parseModifiers, parseRequestTarget } from '../protocol/url.ts';
import { resolveSaveTarget } from '../save/path.ts';
import { removeStaleTempFiles } from '../save/write.ts';
import { compileModules } from '../worker/modules.ts';
import { RenderPool } from '../worker/pool.ts';
import type { ServerContext } from './context.ts';
import { handleContent } from './content.ts';
import { handleImage } from './image.ts';
import { Limiter } from './limiter.ts';
import { log } from './log.ts';
import { send, sendError } from './respond.ts';

export interface IsleServer {
  server: Server;
  context: ServerContext;
  /** http://host:port of the listening server. */
  url: string;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then stops the workers. */
  close(graceMs?: number): Promise<void>;
}

/** The save folders of all catalogs, for the start-up sweep of stale temporary files. */
function saveFolders(ctx: Pick<ServerContext, 'catalogs' | 'config'>): string[] {
  const { defaultCatalog, byRootId } = ctx.catalogs;
  return [defaultCatalog, ...byRootId.values()]
    .filter((c) => c.attributes.savePath !== '')
    .map((c) => resolveSaveTarget(ctx.config['save-dir'], c.attributes.savePath, 'x').folder);
}

async function route(req: IncomingMessage, ctx: ServerContext) {
  const target = req.url ?? '/';
  if (target.length > ctx.config['max-url-length']) {
    throw forbidden(`The request URL is longer than ${ctx.config['max-url-length']} bytes`);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new IsError(405, 'Only GET and HEAD are supported');
  const url = parseRequestTarget(target);
  if (url.context === '/is/image') return handleImage(url, ctx, req.socket.remoteAddress);
  if (url.context === '/is/content') return handleContent(url, ctx);
  throw new IsError(404, 'Unknown context');
}

/** Errors of property requests answer in the format the request asked for (spec §4.5). */
function errorFormat(target: string) {
  try {
    const q = target.indexOf('?');
    return formatOptionsOf(q < 0 ? [] : parseModifiers(target.slice(q + 1)));
  } catch {
    return formatOptionsOf([]);
  }
}

export async function startServer(config: ServerConfig): Promise<IsleServer> {
  // Everything that can refuse the configuration runs before any worker starts.
  const catalogs = loadCatalogs(config.catalogs);
  const saveClients = parseAddressList(config['save-allow'], '--save-allow');
  const stale = await removeStaleTempFiles(saveFolders({ catalogs, config }));
  if (stale > 0) log.warn({ removed: stale }, 'removed temporary files left by an interrupted save');

  const pool = new RenderPool({
    size: config.workers,
    maxQueue: config['max-queue'] * config.workers,
    maxHeapBytes: config['max-worker-memory'] * 1024 * 1024,
    modules: compileModules(),
    onEvent: (event) => {
      if (event.type === 'worker-replaced') log.warn(event, 'worker replaced');
    },
  });
  const context: ServerContext = { config, catalogs, pool, saves: new Limiter(config['max-concurrent-saves']), saveClients };
  await pool.ready();

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer(
    {
      headersTimeout: config['headers-timeout'],
      requestTimeout: config['request-timeout'],
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config['headers-timeout'] / 2)),
    },
    async (req: IncomingMessage, res: ServerResponse) => {
      inFlight++;
      // Counted until the reply has left (or the connection died), not just until it was handed over.
      res.once('close', () => {
        if (--inFlight === 0) drained?.();
      });
      try {
        send(req, res, await route(req, context));
      } catch (err) {
        // Anything but the protocol's own error is a bug: log it whole, answer without details.
        if (!(err instanceof IsError)) log.error({ err, url: req.url }, 'unexpected error');
        if (!res.headersSent) sendError(req, res, asIsError(err), errorFormat(req.url ?? ''));
        else res.destroy();
      }
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    server,
    context,
    url: `http://${host}:${port}`,
    async close(graceMs = 0) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
      server.closeIdleConnections();
      if (inFlight > 0) await Promise.race([new Promise<void>((r) => (drained = r)), wait(graceMs)]);
      server.closeIdleConnections();
      await Promise.race([closed, wait(1000)]);
      server.closeAllConnections();
      await closed;
      await pool.close();
    },
  };
}

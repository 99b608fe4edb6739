import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { watch } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadCatalogs } from '../catalog/load.ts';
import { clientAddress, parseAddressList } from '../protocol/addresses.ts';
import type { ServerConfig } from '../config/options.ts';
import { asIsError, forbidden, IsError, unavailable } from '../protocol/errors.ts';
import { formatOptionsOf } from '../protocol/reply-format.ts';
import { parseModifiers, parseRequestTarget } from '../protocol/url.ts';
import { resolveSaveTarget } from '../save/path.ts';
import { removeAbandonedTempFiles } from '../save/sweep.ts';
import { ConnectionGuard } from './connections.ts';
import type { Client, ServerContext } from './context.ts';
import { handleContent } from './content.ts';
import { handleImage } from './image.ts';
import { playgroundCommands, playgroundImages, playgroundPage } from './playground.ts';
import { log } from './log.ts';
import { send, sendError, type Reply } from './respond.ts';
import { openContext } from './setup.ts';

export interface IsleServer {
  server: Server;
  context: ServerContext;
  /** http://host:port of the listening server. */
  url: string;
  /** Where the metrics are: on the public port, or on the private listener of --metrics-port. */
  metricsUrl: string;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then stops the workers. */
  close(graceMs?: number): Promise<void>;
}

/**
 * A temporary file older than twice the longest save (timeout= allows a day) is abandoned whoever
 * made it; younger ones only when their process is gone (save/temp.ts).
 */
const ABANDONED_AFTER_MS = 2 * 86_400_000;

/** The save folders of all catalogs, for the start-up sweep of stale temporary files. */
function saveFolders(ctx: Pick<ServerContext, 'catalogs' | 'config'>): string[] {
  const { defaultCatalog, byRootId } = ctx.catalogs;
  return [defaultCatalog, ...byRootId.values()]
    .filter((c) => c.attributes.savePath !== '')
    .map((c) => resolveSaveTarget(ctx.config['save-dir'], c.attributes.savePath, 'x').folder);
}

/** /healthz, /readyz and /metrics (each movable or switched off by its setting). */
async function operational(path: string, ctx: ServerContext): Promise<Reply | undefined> {
  const text = (body: string) => ({ body, contentType: 'text/plain; charset=utf-8' });
  if (path === ctx.config['health-path']) return text('ok\n');
  if (path === ctx.config['ready-path']) {
    const { ready, workers } = ctx.pool.stats();
    if (ready < workers) throw unavailable(`${ready} of ${workers} workers are ready`);
    return text(`ready: ${workers} workers, ${ctx.catalogs.byRootId.size + 1} catalogs\n`);
  }
  if (path === ctx.config['metrics-path'] && ctx.config['metrics-port'] === '') return metricsReply(ctx);
  return undefined;
}

async function metricsReply(ctx: ServerContext): Promise<Reply> {
  return { body: await ctx.metrics.registry.metrics(), contentType: ctx.metrics.registry.contentType };
}

/** The metrics on a listener of their own (--metrics-host, --metrics-port), away from the public port. */
async function listenForMetrics(ctx: ServerContext): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== ctx.config['metrics-path'] || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metricsReply(ctx).then(
      (reply) => send(req, res, reply),
      () => res.writeHead(503).end(),
    );
  });
  const url = await listen(server, Number(ctx.config['metrics-port']), ctx.config['metrics-host']);
  return { server, url };
}

/** Listens and gives back http://host:port. */
async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
}

/** The catalog a request's path names (its RootId), or "default" (or "-" off /is/), for metrics; never throws. */
function catalogOf(target: string, ctx: ServerContext): string {
  const segments = target.split('?')[0]!.split('/');
  if (segments[1] !== 'is') return '-';
  let first = segments[3] ?? '';
  try {
    first = decodeURIComponent(first);
  } catch {
    return 'default';
  }
  return ctx.catalogs.byRootId.has(first) ? first : 'default';
}

/** The req type a request asked for, for logs and metrics; never throws. */
function requestKind(target: string): string {
  const q = target.indexOf('?');
  const match = q < 0 ? null : /(?:^|&)req=([a-zA-Z]+)/i.exec(target.slice(q + 1));
  if (match) return match[1]!.toLowerCase();
  return target.startsWith('/is/') ? 'img' : 'other';
}

async function route(req: IncomingMessage, ctx: ServerContext, client: Client, guard: ConnectionGuard) {
  const target = req.url ?? '/';
  if (target.length > ctx.config['max-url-length']) {
    throw forbidden(`The request URL is longer than ${ctx.config['max-url-length']} bytes`);
  }
  // Every endpoint, operational ones included, is read-only.
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new IsError(405, 'Only GET and HEAD are supported');
  const path = target.split('?')[0]!;
  if (path !== '' && !path.startsWith('/is/')) {
    const reply = await operational(path, ctx);
    if (reply) return reply;
  }
  const playground = ctx.config['playground-path'];
  if (playground !== '' && path === playground) return playgroundPage();
  if (playground !== '' && path === `${playground}/images.json`) return playgroundImages(ctx);
  if (playground !== '' && path === `${playground}/commands.json`) return playgroundCommands();
  if (guard.full) throw unavailable('The server holds too many replies that clients have not read yet', 1);
  const url = parseRequestTarget(target);
  if (url.context === '/is/image') return handleImage(url, ctx, client);
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

/** Catalog files are re-read when they change; a broken edit is logged and the old catalogs stay. */
function watchCatalogs(context: ServerContext): { close(): void } {
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

/** The client's X-Request-Id when it is a plain token (kept to 128 characters), else a new UUID. */
function requestId(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(value) ? value : randomUUID();
}

export async function startServer(config: ServerConfig): Promise<IsleServer> {
  // Everything that can refuse the configuration runs before any worker starts.
  const catalogs = loadCatalogs(config.catalogs, config['max-modifiers']);
  for (const warning of catalogs.warnings) log.warn({ catalogs: config.catalogs }, warning);
  const saveClients = parseAddressList(config['save-allow'], '--save-allow');
  const trustedProxies = parseAddressList(config['trusted-proxies'], '--trusted-proxies');
  const stale = await removeAbandonedTempFiles(saveFolders({ catalogs, config }), ABANDONED_AFTER_MS);
  if (stale > 0) log.warn({ removed: stale }, 'removed temporary files left by an interrupted save');

  const context = await openContext(config, catalogs, saveClients);
  const { pool } = context;
  const reloader = watchCatalogs(context);
  const guard = new ConnectionGuard({
    perConnection: config['max-connection-requests'],
    sendIdleMs: config['send-timeout'],
    requestMs: config['request-timeout'],
    maxUnsentBytes: config['max-unsent-bytes'] * 1024 * 1024,
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer(
    {
      headersTimeout: config['headers-timeout'],
      requestTimeout: config['request-timeout'],
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config['headers-timeout'] / 2)),
    },
    (req: IncomingMessage, res: ServerResponse) => guard.admit(req, res, () => void handle(req, res)),
  );
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    const receivedAt = Date.now();
    const started = process.hrtime.bigint();
    const client: Client = { address: clientAddress(req.socket.remoteAddress, req.headers, trustedProxies), method: req.method ?? 'GET' };
    let rendered: Reply['render'];
    let bytes = 0;
    let errorMessage: string | undefined;
    const id = requestId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', id);
    // Counted until the reply has left (or the connection died), not just until it was handed over.
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kind = requestKind(req.url ?? '');
      context.metrics.requests.inc({ catalog: catalogOf(req.url ?? '', context), req: kind, status: String(res.statusCode) });
      context.metrics.sentBytes.inc({ req: kind }, bytes);
      context.metrics.duration.observe({ req: kind }, seconds);
      log.info(
        {
          method: req.method,
          url: req.url,
          client: client.address,
          id,
          ua: req.headers['user-agent']?.slice(0, 200),
          req: kind,
          status: res.statusCode,
          bytes,
          ms: Math.round(seconds * 1000),
          worker: rendered?.workerId,
          queueMs: rendered?.queueMs,
          errorMessage,
        },
        'request',
      );
    });
    try {
      const reply = await route(req, context, client, guard);
      rendered = reply.render;
      const size = typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : reply.body.byteLength;
      if (!guard.admits(size)) throw unavailable('The server holds too many replies that clients have not read yet', 1);
      bytes = send(req, res, reply);
    } catch (err) {
      // Anything but the protocol's own error is a bug: log it whole, answer without details.
      if (!(err instanceof IsError)) log.error({ err, url: req.url, id }, 'unexpected error');
      const error = asIsError(err);
      errorMessage = error.logReason;
      if (!res.headersSent) bytes = sendError(req, res, error, errorFormat(req.url ?? ''));
      else res.destroy();
    }
    guard.sending(res, bytes, receivedAt);
  };
  const url = await listen(server, config.port, config.host);
  const metrics = config['metrics-port'] === '' ? undefined : await listenForMetrics(context);
  return {
    server,
    context,
    url,
    metricsUrl: metrics ? `${metrics.url}${config['metrics-path']}` : `${url}${config['metrics-path']}`,
    async close(graceMs = 0) {
      if (metrics) await new Promise((r) => metrics.server.close(r));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
      server.closeIdleConnections();
      if (inFlight > 0) await Promise.race([new Promise<void>((r) => (drained = r)), wait(graceMs)]);
      server.closeIdleConnections();
      await Promise.race([closed, wait(1000)]);
      server.closeAllConnections();
      await closed;
      reloader.close();
      await pool.close();
    },
  };
}

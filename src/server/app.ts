import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ServerConfig } from '../config/options.ts';
import { clientAddress, parseAddressList, type ForwardedHeader } from '../protocol/addresses.ts';
import { asIsError, IsError, unavailable } from '../protocol/errors.ts';
import { ConnectionGuard } from './connections.ts';
import type { Client, ServerContext } from '../service/context.ts';
import { listen } from './listen.ts';
import { log } from '../observe/log.ts';
import { listenForMetrics } from './operational.ts';
import { catalogOf, requestId, requestKind } from './request-info.ts';
import { FILE_CHUNK_BYTES, send, sendError } from './respond.ts';
import type { Reply } from '../service/reply.ts';
import { errorFormat, route } from './routes.ts';
import { openService } from '../service/open.ts';

/** A header sent once (a repeated one is not believed). */
const header = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/**
 * A running server. startServer opens the image service (service/open.ts: catalogs, sweep, workers, reload), admits
 * connections (connections.ts), takes each request through its life (route, send, log, metrics)
 * and drains on close.
 */
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

export async function startServer(config: ServerConfig): Promise<IsleServer> {
  // Everything that can refuse the configuration runs before any worker starts.
  const trustedProxies = parseAddressList(config['trusted-proxies'], '--trusted-proxies');
  const forwardedHeader = config['forwarded-header'].toLowerCase() as ForwardedHeader;
  const service = await openService(config, { serve: true });
  const { context } = service;
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
    const client: Client = {
      address: clientAddress(req.socket.remoteAddress, req.headers, trustedProxies, forwardedHeader),
      method: req.method ?? 'GET',
      hints: { accept: req.headers.accept, secChDpr: header(req.headers['sec-ch-dpr']), dpr: header(req.headers.dpr) },
    };
    let rendered: Reply['render'];
    let negotiated: Reply['negotiated'];
    let cacheHit: Reply['cacheHit'];
    let servedAs: Reply['servedAs'];
    let bytes = 0;
    /** What the reply holds in memory until its client has read it (a streamed file: one buffer). */
    let held: number | undefined;
    let errorMessage: string | undefined;
    const id = requestId(req.headers['x-request-id']);
    // Sent with the reply's own headers: one set at once costs writeHead a merge.
    const idHeader = { 'X-Request-Id': id };
    // Counted until the reply has left (or the connection died), not just until it was handed over.
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kind = requestKind(req.url ?? '');
      context.metrics.requests.inc({ catalog: catalogOf(req.url ?? '', context), req: kind, status: String(res.statusCode) });
      context.metrics.sentBytes.inc({ req: kind }, bytes);
      context.metrics.duration.observe({ req: kind }, seconds);
      // The entry is built only for a logger that writes it.
      if (!log.isLevelEnabled('info')) return;
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
          format: negotiated,
          cache: cacheHit ? 'hit' : undefined,
          servedAs,
          errorMessage,
        },
        'request',
      );
    });
    try {
      const reply = await route(req, context, client, guard);
      rendered = reply.render;
      negotiated = reply.negotiated;
      cacheHit = reply.cacheHit;
      servedAs = reply.servedAs;
      // A streamed file holds one read buffer at a time, whatever its size.
      const size = reply.file ? Math.min(reply.file.size, FILE_CHUNK_BYTES) : typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : reply.body.byteLength;
      if (!guard.admits(size)) throw unavailable('The server holds too many replies that clients have not read yet', 1);
      bytes = send(req, res, reply, 200, idHeader);
      held = reply.file ? Math.min(bytes, FILE_CHUNK_BYTES) : bytes;
    } catch (err) {
      // Anything but the protocol's own error is a bug: log it whole, answer without details.
      if (!(err instanceof IsError)) log.error({ err, url: req.url, id }, 'unexpected error');
      const error = asIsError(err);
      errorMessage = error.logReason;
      if (error.limit) context.metrics.refused.inc({ limit: error.limit });
      if (!res.headersSent) bytes = sendError(req, res, error, errorFormat(req.url ?? ''), idHeader);
      else res.destroy();
    }
    guard.sending(res, held ?? bytes, receivedAt);
  };
  let url: string;
  let metrics: Awaited<ReturnType<typeof listenForMetrics>> | undefined;
  try {
    url = await listen(server, config.port, config.host);
    metrics = config['metrics-port'] === '' ? undefined : await listenForMetrics(context);
  } catch (err) {
    // A port taken: the workers and the catalog watcher opened for it end with the attempt.
    server.close();
    await service.close();
    throw err;
  }
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
      await service.close();
    },
  };
}

import { createServer, type Server } from 'node:http';
import type { ServerContext } from '../service/context.ts';
import { listen } from './listen.ts';
import { send } from './respond.ts';
import type { Reply } from '../service/reply.ts';
import { unavailable } from '../protocol/errors.ts';

/** /healthz, /readyz and /metrics (each movable or switched off by its setting). */
export async function operational(path: string, ctx: ServerContext): Promise<Reply | undefined> {
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
export async function listenForMetrics(ctx: ServerContext): Promise<{ server: Server; url: string }> {
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


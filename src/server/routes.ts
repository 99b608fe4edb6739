import type { IncomingMessage } from 'node:http';
import { forbidden, IsError, unavailable } from '../protocol/errors.ts';
import { formatOptionsOf } from '../protocol/reply-format.ts';
import { parseModifiers, parseRequestTarget } from '../protocol/url.ts';
import type { ConnectionGuard } from './connections.ts';
import type { Client, ServerContext } from '../service/context.ts';
import { handleContent } from '../service/content.ts';
import { handleDelivery } from '../service/delivery.ts';
import { handleImage, rememberedReply, requestSignature } from '../service/image.ts';
import { operational } from './operational.ts';
import { playgroundCommands, playgroundDelivery, playgroundImages, playgroundPage } from './playground.ts';
import type { ErrorForm } from './respond.ts';

/** Which handler answers a request: the operational endpoints, the playground, /is/image, /is/content. */
export async function route(req: IncomingMessage, ctx: ServerContext, client: Client, guard: ConnectionGuard) {
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
  if (playground !== '' && path === `${playground}/images.json`) return playgroundImages(ctx, client);
  if (playground !== '' && path === `${playground}/commands.json`) return playgroundCommands();
  if (playground !== '' && path === `${playground}/delivery.json`) return playgroundDelivery(target, ctx, client);
  if (guard.full) throw unavailable('The server holds too many replies that clients have not read yet', 1);
  if (isDeliveryPath(path)) return handleDelivery(target, ctx, client);
  // A request the render cache answered before goes straight to its reply, unparsed.
  const signature = ctx.cache.enabled ? requestSignature(target, client) : undefined;
  const remembered = signature === undefined ? undefined : rememberedReply(signature, ctx, client);
  if (remembered) return remembered;
  const url = parseRequestTarget(target);
  if (url.context === '/is/image') return handleImage(url, ctx, client, signature);
  if (url.context === '/is/content') return handleContent(url, ctx, client);
  // Someone who opens the server's root in a browser is most likely looking for where to start.
  throw new IsError(404, playground === '' ? 'Unknown context' : `Unknown context: images are under /is/image; try the playground at ${playground}`);
}

/** Dynamic Media with OpenAPI's delivery URLs (service/delivery.ts). */
const isDeliveryPath = (path: string) => path.startsWith('/adobe/');

/** Errors of property requests answer in the format the request asked for; the delivery API's are problem documents. */
export function errorFormat(target: string): ErrorForm {
  if (isDeliveryPath(target.split('?')[0]!)) return 'problem';
  try {
    const q = target.indexOf('?');
    return formatOptionsOf(q < 0 ? [] : parseModifiers(target.slice(q + 1)));
  } catch {
    return formatOptionsOf([]);
  }
}


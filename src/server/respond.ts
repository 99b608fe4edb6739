import type { ServerResponse } from 'node:http';
import { IsError } from '../protocol/errors.ts';
import { formatProperties } from '../protocol/properties.ts';

/** Everything a handler can answer; turned into HTTP here and nowhere else. */
export type Reply =
  | { kind: 'image'; body: Uint8Array; contentType: string }
  | { kind: 'text'; body: string; contentType?: string; cacheable: boolean };

const NOT_CACHEABLE = { 'Cache-Control': 'no-cache, no-store', Pragma: 'no-cache' };

export function errorReply(err: IsError): Reply {
  return { kind: 'text', body: formatProperties([['error.message', err.message]], false), cacheable: false };
}

export function send(res: ServerResponse, reply: Reply, head: boolean, status = 200, extra: Record<string, string> = {}): void {
  const body = reply.kind === 'image' ? reply.body : Buffer.from(reply.body, 'utf8');
  const headers: Record<string, string | number> = {
    'Content-Type': reply.kind === 'image' ? reply.contentType : (reply.contentType ?? 'text/plain; charset=utf-8'),
    'Content-Length': body.byteLength,
    'X-Content-Type-Options': 'nosniff',
    ...(reply.kind === 'text' && !reply.cacheable ? NOT_CACHEABLE : {}),
    ...extra,
  };
  res.writeHead(status, headers);
  res.end(head ? undefined : body);
}

/** The one mapping from the protocol's error to HTTP: status, Retry-After, a properties body. */
export function sendError(res: ServerResponse, err: IsError, head: boolean): void {
  const extra: Record<string, string> = {};
  if (err.retryAfter !== undefined) extra['Retry-After'] = String(err.retryAfter);
  if (err.status === 405) extra.Allow = 'GET, HEAD';
  send(res, errorReply(err), head, err.status, extra);
}

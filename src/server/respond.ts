import { createReadStream } from 'node:fs';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { IsError } from '../protocol/errors.ts';
import { etagOf, type Reply } from '../service/reply.ts';
import { CONTENT_TYPES, errorText, formatReply, type FormatOptions } from '../protocol/reply-format.ts';

const NOT_CACHEABLE = { 'Cache-Control': 'no-cache, no-store', Pragma: 'no-cache' };
/** Expiration -1 means "never expires": a year, the longest HTTP/1.1 caches are asked to keep. */
const FOREVER_SECONDS = 365 * 24 * 3600;

/** How an error is written: in a property reply's format (/is/), or as an RFC 7807 problem document (the delivery API). */
export type ErrorForm = FormatOptions | 'problem';

function errorReply(err: IsError, form: ErrorForm): Reply {
  if (form === 'problem') {
    // about:blank: the title is the status's own phrase (RFC 7807 section 4.2); the detail says why.
    const problem = { type: 'about:blank', title: STATUS_CODES[err.status], status: err.status, detail: errorText(err.message) };
    return { body: JSON.stringify(problem), contentType: 'application/problem+json' };
  }
  return { body: formatReply([['error.message', errorText(err.message)]], form, false), contentType: CONTENT_TYPES[form.format] };
}

function cacheHeaders(ttlHours: number | undefined, isPrivate: boolean, now: number): Record<string, string> {
  if (ttlHours === undefined) return NOT_CACHEABLE;
  const seconds = ttlHours < 0 ? FOREVER_SECONDS : Math.round(ttlHours * 3600);
  const scope = isPrivate ? 'private, ' : seconds === 0 ? '' : 'public, ';
  return {
    'Cache-Control': scope + (seconds === 0 ? 'no-cache' : `max-age=${seconds}`),
    Expires: httpDate(Math.floor(now / 1000) + seconds),
  };
}

/** The last HTTP date written, by its second: replies in the same second mostly share their Expires. */
let lastDate = { second: NaN, text: '' };

function httpDate(second: number): string {
  if (second !== lastDate.second) lastDate = { second, text: new Date(second * 1000).toUTCString() };
  return lastDate.text;
}

/** If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2); dates compare in whole seconds. */
function notModified(req: IncomingMessage, etag: string, lastModified: Date | undefined): boolean {
  const match = req.headers['if-none-match'];
  if (match) return match.split(',').some((m) => m.trim() === etag || m.trim() === '*');
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return lastModified !== undefined && !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/** Sends a reply; returns the body bytes sent (0 for HEAD and 304), for the request log. */
export function send(req: IncomingMessage, res: ServerResponse, reply: Reply, status = 200, extra: Record<string, string> = {}): number {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  const headers: Record<string, string | number> = {
    'Content-Type': reply.contentType,
    'X-Content-Type-Options': 'nosniff',
    ...cacheHeaders(status === 200 ? reply.ttlHours : undefined, reply.private === true, Date.now()),
    ...reply.headers,
    ...extra,
  };
  if (status === 200 && reply.lastModified) headers['Last-Modified'] = reply.lastModified.toUTCString();
  // A cache must keep one variant per Accept (and per DPR hint); a 304 says the same.
  if (reply.vary?.length) headers.Vary = reply.vary.join(', ');
  if (reply.acceptHints?.length) headers['Accept-CH'] = reply.acceptHints.join(', ');
  if (status === 200 && reply.ttlHours !== undefined) {
    const etag = reply.etag ?? etagOf(body);
    headers.ETag = etag;
    if (notModified(req, etag, reply.lastModified)) {
      delete headers['Content-Type'];
      res.writeHead(304, headers);
      res.end();
      return 0;
    }
  }
  if (reply.file) return sendFile(req, res, reply.file, status, headers);
  headers['Content-Length'] = body.byteLength;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return req.method === 'HEAD' ? 0 : body.byteLength;
}

/** What a streamed file holds in memory while its client reads it: one read buffer (the connection guard counts it as unsent). */
export const FILE_CHUNK_BYTES = 64 * 1024;

/** A file reply: read as the client takes it, so a slow client holds one buffer; a read error ends the connection. */
function sendFile(req: IncomingMessage, res: ServerResponse, file: { path: string; size: number }, status: number, headers: Record<string, string | number>): number {
  headers['Content-Length'] = file.size;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || file.size === 0) {
    res.end();
    return 0;
  }
  // The size the reply announced, whatever the file does meanwhile: a shorter file ends the connection early.
  const stream = createReadStream(file.path, { start: 0, end: file.size - 1, highWaterMark: FILE_CHUNK_BYTES });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
  return file.size;
}

/** The one mapping from the protocol's error to HTTP: status, Retry-After, a body in the requested format. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: IsError, format: ErrorForm, headers: Record<string, string> = {}): number {
  const extra: Record<string, string> = { ...headers };
  if (err.retryAfter !== undefined) extra['Retry-After'] = String(err.retryAfter);
  if (err.status === 405) extra.Allow = 'GET, HEAD';
  return send(req, res, errorReply(err, format), err.status, extra);
}

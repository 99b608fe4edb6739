import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../service/context.ts';
import { assetUuid } from '../protocol/delivery-api.ts';

/** The catalog a request's path names (its RootId; a delivery URL's, that of its asset), or "default" (or "-" elsewhere), for metrics; never throws. */
export function catalogOf(target: string, ctx: ServerContext): string {
  const segments = target.split('?')[0]!.split('/');
  if (segments[1] === 'adobe') {
    const uuid = segments.map((s) => (s.length < 100 ? assetUuid(s.replace(/%3a/gi, ':')) : undefined)).find((u) => u !== undefined);
    const entry = uuid === undefined ? undefined : ctx.catalogs.assets.get(uuid);
    return entry ? entry.catalog.rootId || 'default' : '-';
  }
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
export function requestKind(target: string): string {
  const q = target.indexOf('?');
  const match = q < 0 ? null : /(?:^|&)req=([a-zA-Z]+)/i.exec(target.slice(q + 1));
  if (match && !target.startsWith('/adobe/')) return match[1]!.toLowerCase();
  return target.startsWith('/is/') ? 'img' : target.startsWith('/adobe/') ? 'delivery' : 'other';
}

/** The client's X-Request-Id when it is a plain token (kept to 128 characters), else a new UUID. */
export function requestId(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(value) ? value : randomUUID();
}


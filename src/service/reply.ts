import { createHash } from 'node:crypto';

/**
 * Everything a handler can answer; turned into HTTP in one place (server/respond.ts). `ttlHours` is the client
 * cache lifetime (catalog Expiration and friends); without it the reply is not cacheable.
 */
export interface Reply {
  body: Uint8Array | string;
  /**
   * The body is this file instead, streamed from disk as the client reads it (the delivery API's
   * original, which may be far larger than anything a reply holds in memory); `body` is then empty.
   */
  file?: { path: string; size: number };
  contentType: string;
  ttlHours?: number;
  /**
   * Only the client may keep it (`Cache-Control: private`): the reply of a ClientAddressFilter
   * catalog, which a shared cache would otherwise serve to the clients the filter refuses.
   */
  private?: boolean;
  /** Which worker rendered the reply and how long it queued, for the request log. */
  render?: { workerId: number; queueMs: number };
  /** Sent as Last-Modified (UseLastModified=1, and always for /is/content); If-Modified-Since is checked. */
  lastModified?: Date;
  /** Request headers the reply depends on (smart imaging), sent as Vary. */
  vary?: string[];
  /** Client hints asked for (Accept-CH), so that the browser's next request carries them. */
  acceptHints?: string[];
  /** The format smart imaging chose and why, for the request log (`avif by Accept`). */
  negotiated?: string;
  /** The /is/image request a delivery URL was served as (service/delivery.ts), for the request log. */
  servedAs?: string;
  /** Served from the render cache, for the request log. */
  cacheHit?: boolean;
  /** The body's ETag when it is already known (a cached reply keeps its own). */
  etag?: string;
  /** Response headers a rule set adds (catalog/rule-set.ts). */
  headers?: Record<string, string>;
}

/** The ETag of a body: its MD5 (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/config-admin/server-settings/r-access-logging). */
export const etagOf = (body: Uint8Array) => etagOfMd5(createHash('md5').update(body).digest('hex'));

/** The ETag of a body whose MD5 is known (a render's, hashed by its worker off the main thread). */
export const etagOfMd5 = (md5: string) => `"${md5}"`;

/** The ETag of a file streamed from disk, whose bytes are not at hand: the MD5 of its identity (file-identity.ts). */
export const identityEtag = (identity: string) => `"${createHash('md5').update(identity).digest('hex')}"`;

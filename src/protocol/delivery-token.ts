import { createHmac, timingSafeEqual } from 'node:crypto';
import { forbidden } from './errors.ts';

/**
 * The delivery API's `token` and `expiryTime`, for a catalog with a DeliveryTokenSecret: the token is
 * the lower-case hex HMAC-SHA256, keyed by the secret's UTF-8 bytes, of the request path exactly as
 * in the URL (percent-escapes as sent, no query), a line feed, and expiryTime, the decimal Unix time
 * in seconds after which the URL is refused (docs/compatibility.md, with a shell line that makes one).
 */
export function deliveryToken(secret: string, path: string, expiryTime: string): string {
  return createHmac('sha256', secret).update(`${path}\n${expiryTime}`).digest('hex');
}

/** Refuses (403) a missing, wrong or expired token; `nowSeconds` is the server's clock. */
export function checkDeliveryToken(secret: string, path: string, token: string | undefined, expiryTime: string | undefined, nowSeconds: number): void {
  if (token === undefined || expiryTime === undefined) throw forbidden('This asset needs a token and an expiryTime');
  if (!/^\d{1,12}$/.test(expiryTime)) throw forbidden('expiryTime must be a Unix time in seconds');
  const expected = Buffer.from(deliveryToken(secret, path, expiryTime), 'utf8');
  const given = Buffer.from(token.toLowerCase(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw forbidden('The token does not match this URL');
  if (Number(expiryTime) < nowSeconds) throw forbidden('The token has expired');
}

/** The query's token and expiryTime (their last occurrences), whatever else it holds. */
export function tokenParams(rawQuery: string): { token?: string; expiryTime?: string } {
  let token: string | undefined;
  let expiryTime: string | undefined;
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (name.toLowerCase() === 'token') token = value.trim();
    else if (name.toLowerCase() === 'expirytime') expiryTime = value.trim();
  }
  return { token, expiryTime };
}

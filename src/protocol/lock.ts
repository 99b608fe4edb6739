import { forbidden } from './errors.ts';

/** The reference's request-lock hash (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-request-locking): sum = (sum*131 + c) & 0xffff. */
export function lockValue(text: string): number {
  let sum = 0;
  for (const byte of Buffer.from(text, 'latin1')) sum = (sum * 131 + byte) & 0xffff;
  return sum;
}

/**
 * Checks the `&xxxx` lock at the end of a still-encoded query and returns the query without it.
 * The hash covers the modifiers as sent, before any decoding.
 */
export function unlockQuery(rawQuery: string): string {
  const lock = rawQuery.slice(-5);
  const body = rawQuery.slice(0, -5);
  if (!/^&[0-9a-fA-F]{4}$/.test(lock) || parseInt(lock.slice(1), 16) !== lockValue(body)) {
    throw forbidden('Invalid lock');
  }
  return body;
}

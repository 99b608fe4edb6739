/**
 * The one error type of the protocol. Everything that can go wrong with a request ends up as an
 * IsError; the HTTP layer maps it to a response in one place (server/respond.ts).
 *
 * Status codes follow the reference: 403 for "most common errors" (parse, limits, missing or
 * undecodable images, failed saves), 404 for unknown contexts, 503 when the server is overloaded
 * or a render ran out of time. 400 is only the delivery API's (protocol/delivery-api.ts): a bad
 * parameter there is a client error, as its reference answers it.
 */
export type ErrorStatus = 400 | 403 | 404 | 405 | 503;

export class IsError extends Error {
  constructor(
    readonly status: ErrorStatus,
    message: string,
    /** Seconds a client should wait before retrying; only meaningful with 503. */
    readonly retryAfter?: number,
    /** Set for a missing source image, which a default image may stand in for. */
    readonly missingImage = false,
    /** The reason for the log, when the client is told less (ErrorDetail). */
    readonly logReason = message,
    /** The request account's limit that refused the request (its option's name), counted on /metrics. */
    readonly limit?: string,
  ) {
    super(message);
    this.name = 'IsError';
  }
}

/** An IsError as plain data, every field kept, to cross a worker boundary (structured clone drops class and fields). */
export interface WireError {
  status: ErrorStatus;
  message: string;
  retryAfter?: number;
  missingImage: boolean;
  logReason: string;
  limit?: string;
}

export const toWire = (err: IsError): WireError => ({ status: err.status, message: err.message, retryAfter: err.retryAfter, missingImage: err.missingImage, logReason: err.logReason, limit: err.limit });
export const fromWire = (w: WireError): IsError => new IsError(w.status, w.message, w.retryAfter, w.missingImage, w.logReason, w.limit);

export const forbidden = (message: string) => new IsError(403, message);
export const badRequest = (message: string) => new IsError(400, message);
export const notFound = (message: string) => new IsError(404, message);
export const imageNotFound = () => new IsError(403, 'Image not found', undefined, true);
export const unavailable = (message: string, retryAfter = 1) => new IsError(503, message, retryAfter);

/** Turns anything thrown into an IsError without leaking internal details (paths, stacks). */
export function asIsError(err: unknown, fallback = 'Internal rendering error'): IsError {
  if (err instanceof IsError) return err;
  return new IsError(403, fallback);
}

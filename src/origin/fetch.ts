import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type BlockList, type LookupFunction } from 'node:net';
import { forbidden } from '../protocol/errors.ts';
import { refusedAddress } from './address-policy.ts';

/**
 * One fetch of a foreign source over HTTP or HTTPS, guarded: every address a connection would use
 * is checked before it connects (the lookup itself is checked, so a name cannot resolve to a
 * private address between check and use), redirects are followed only where the caller's rule
 * permits, and the body is bounded in bytes and time, and its type checked.
 */
export interface FetchPolicy {
  /** Addresses allowed although private or loopback (--origin-allow). */
  allow: BlockList;
  maxBytes: number;
  /** The refusal of a body over `maxBytes` when the limit is not the origin's own (the request's account). */
  tooLarge?: () => Error;
  /** Told of every chunk before it is kept, so the server's bound on held bodies applies while they arrive (it may throw). */
  onBytes?: (bytes: number) => void;
  timeoutMs: number;
  /** Whether a URL (the first, or a redirect's target) may be fetched at all (RootUrl, AllowDirectUrls). */
  permits(url: URL): boolean;
  /** The resolver; tests inject one. */
  lookup?: typeof dnsLookup;
  /** Looks at the first bytes (and again at the end) and throws to stop a source that is too large. */
  onHead?: (bytes: Uint8Array) => void;
}

export type FetchResult =
  | { status: 200; bytes: Uint8Array; etag?: string; lastModified?: string }
  | { status: 304 };

const MAX_REDIRECTS = 3;
const HEAD_BYTES = 64 * 1024;
/** What an image source may be sent as; other types (an HTML error page, say) are refused. */
const IMAGE_TYPES = /^(image\/[\w.+-]+|application\/octet-stream|binary\/octet-stream)\s*(;|$)/i;

const refused = (why: string) => forbidden(`The foreign source was refused: ${why}`);

function checkedLookup(policy: FetchPolicy): LookupFunction {
  const resolve = policy.lookup ?? dnsLookup;
  return (hostname, options, callback) => {
    resolve(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as unknown as LookupAddress[];
      const bad = list.map((a) => refusedAddress(a.address, policy.allow)).find((r) => r !== undefined);
      if (bad || list.length === 0) return callback(refused(bad ?? `${hostname} has no address`) as NodeJS.ErrnoException, '', 4);
      const first = list[0]!;
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [first]);
      else callback(null, first.address, first.family);
    });
  };
}

export async function fetchSource(url: URL, policy: FetchPolicy, conditional: { etag?: string; lastModified?: string } = {}): Promise<FetchResult> {
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw refused('only http and https URLs are fetched');
    if (!policy.permits(current)) throw refused(hop === 0 ? 'this URL is not allowed (RootUrl, AllowDirectUrls)' : 'a redirect left the allowed URLs');
    const literal = current.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal)) {
      const bad = refusedAddress(literal, policy.allow);
      if (bad) throw refused(bad);
    }
    const res = await send(current, policy, deadline, hop === 0 ? conditional : {});
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    if (res.statusCode === 304) {
      res.resume();
      return { status: 304 };
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw res.statusCode === 404 ? forbidden('Image not found') : refused(`the origin answered ${res.statusCode}`);
    }
    const type = res.headers['content-type'] ?? '';
    if (!IMAGE_TYPES.test(type)) {
      res.resume();
      throw refused(`its content type is ${type.slice(0, 60) || 'missing'}, not an image`);
    }
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > policy.maxBytes) {
      res.destroy();
      throw policy.tooLarge?.() ?? refused(`it is ${length} bytes; the limit is ${policy.maxBytes}`);
    }
    return { status: 200, bytes: await body(res, policy, deadline), etag: res.headers.etag, lastModified: res.headers['last-modified'] };
  }
  throw refused(`more than ${MAX_REDIRECTS} redirects`);
}

function send(url: URL, policy: FetchPolicy, deadline: AbortSignal, conditional: { etag?: string; lastModified?: string }): Promise<IncomingMessage> {
  const headers: Record<string, string> = { 'user-agent': 'Isle', accept: 'image/*' };
  if (conditional.etag) headers['if-none-match'] = conditional.etag;
  if (conditional.lastModified) headers['if-modified-since'] = conditional.lastModified;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, lookup: checkedLookup(policy), signal: deadline }, resolve);
    req.on('error', (err) => reject(err instanceof Error && 'status' in err ? err : deadline.aborted ? refused(`no answer within ${policy.timeoutMs} ms`) : refused(`the origin could not be reached (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    req.end();
  });
}

async function body(res: IncomingMessage, policy: FetchPolicy, deadline: AbortSignal): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  let looked = false;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > policy.maxBytes) throw policy.tooLarge?.() ?? refused(`it is over ${policy.maxBytes} bytes`);
      policy.onBytes?.(chunk.byteLength);
      chunks.push(chunk);
      // The header's size limits apply before the whole body has come (a bomb stops here).
      if (!looked && size >= HEAD_BYTES && policy.onHead) {
        looked = true;
        policy.onHead(Buffer.concat(chunks));
      }
    }
  } catch (err) {
    res.destroy();
    if (deadline.aborted) throw refused(`no answer within ${policy.timeoutMs} ms`);
    throw err;
  }
  return Buffer.concat(chunks);
}

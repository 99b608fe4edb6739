import { readFile } from 'node:fs/promises';
import type { ResolvedObject } from '../catalog/resolve.ts';
import type { Account } from '../protocol/account.ts';
import { imageNotFound } from '../protocol/errors.ts';
import { checkSourceHeader, type SourceLimits } from '../planning/plan-request.ts';
import type { SourceInfo } from '../planning/sniff.ts';
import { sniff } from '../planning/source-formats.ts';
import { readOrientation, statCheckedSource, statSource } from './source.ts';
import { BoundedCache, type CacheCounts } from '../common/bounded-cache.ts';

/**
 * Source headers and bytes in the main thread, keyed by a source's identity (file-identity.ts): a request whose render the cache holds is planned from here without reading its file, and
 * one that must be rendered again (another size, another format) reads the bytes from memory. A
 * header is only kept once the file has been read and checked whole; the bytes are kept up to a
 * byte limit (--source-cache), least recently used out, a file over a quarter of it never.
 */
export interface KnownSource {
  /** The file's identity (file-identity.ts), the render cache's too. */
  identity: string;
  info: SourceInfo;
  orientation: number;
  modified: Date;
  /** The bytes, read once, when the render needs them. */
  bytes(): Promise<Uint8Array>;
}

const MAX_ENTRIES = 4096;

/** The identity of a source checked before, without waiting (a render cache hit); else undefined. */
export function checkedSourceIdentity(object: Pick<ResolvedObject, 'file' | 'root'>): string | undefined {
  return statCheckedSource(object)?.identity;
}

export class SourceHeaders {
  private readonly known = new BoundedCache<string, { info: SourceInfo; orientation: number }>({ maxEntries: MAX_ENTRIES });
  private readonly files: BoundedCache<string, Uint8Array>;

  /** A file over a quarter of the budget is never kept (nor copied to be). */
  private readonly maxFileBytes: number;

  constructor(maxBytes: number) {
    this.maxFileBytes = maxBytes / 4;
    this.files = new BoundedCache({ maxBytes, maxEntryBytes: this.maxFileBytes, sizeOf: (data) => data.byteLength });
  }

  /** The source files' hits (read from memory), misses (from disk) and evictions. */
  get counts(): CacheCounts {
    return this.files.counts;
  }

  /** Bytes of source files held. */
  get bytes(): number {
    return this.files.bytes;
  }

  /** A source's header, read once; its walk charged to the account of the request that reads it first. */
  async of(object: Pick<ResolvedObject, 'file' | 'root'>, limits: SourceLimits, account: Account): Promise<KnownSource> {
    const { identity, real, modified } = await statSource(object);
    const known = this.known.get(identity);
    let read: Promise<Uint8Array> | undefined;
    const bytes = () => (read ??= this.read(identity, real));
    if (known) {
      checkSourceHeader(known.info, limits);
      return { identity, ...known, modified, bytes };
    }
    const data = await bytes();
    const info = sniff(data, account);
    checkSourceHeader(info, limits);
    const orientation = await readOrientation(data);
    this.known.set(identity, { info, orientation });
    return { identity, info, orientation, modified, bytes };
  }

  /** The file's bytes, the caller's own to give away (a worker takes ownership of its job's files). */
  private async read(identity: string, real: string): Promise<Uint8Array> {
    const kept = this.files.get(identity);
    if (kept) return new Uint8Array(kept);
    const data = await readFile(real).catch(() => Promise.reject(imageNotFound()));
    // A plain copy: a Buffer's slice() would share its memory, and the caller gives its bytes away.
    // A file another request read meanwhile is kept already, with the same bytes.
    if (!this.files.has(identity) && data.byteLength <= this.maxFileBytes) this.files.set(identity, new Uint8Array(data));
    return data;
  }
}

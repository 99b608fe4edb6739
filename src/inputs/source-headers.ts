import { closeSync, constants, fstatSync, openSync, read as readFd } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { ResolvedObject } from '../catalog/resolve.ts';
import type { Account } from '../protocol/account.ts';
import type { Holder } from '../protocol/held-bytes.ts';
import { imageNotFound } from '../protocol/errors.ts';
import { checkSourceHeader, type SourceLimits } from '../planning/plan-request.ts';
import type { RegionRead } from '../planning/plan.ts';
import { Walk, type SourceInfo } from '../planning/sniff.ts';
import { sniff } from '../planning/source-formats.ts';
import { sniffTiff, tiffOrientation } from '../planning/tiff-header.ts';
import { MAX_HEADER_BYTES } from '../planning/tiff-ifd.ts';
import { readTiffHeader, readTiffRegion, type ReadAt } from './tiff-ranges.ts';
import { readOrientation, statCheckedSource, statSource } from './source.ts';
import { BoundedCache, type CacheCounts } from '../common/bounded-cache.ts';
import { segmentCount } from '../protocol/path-data.ts';

/**
 * Source headers and bytes in the main thread, keyed by a source's identity (file-identity.ts): a request whose render the cache holds is planned from here without reading its file, and
 * one that must be rendered again (another size, another format) reads the bytes from memory. A
 * header is only kept once the file has been read and checked whole; the bytes are kept up to a
 * byte limit (--source-cache), least recently used out, a file over a quarter of it never. A
 * header's embedded Photoshop paths count against the same budget (the rest of a header is small),
 * so files with large paths cannot grow the headers kept past it. A TIFF is never read whole for
 * its header: its directories are read by range (tiff-ranges.ts) and kept apart, and a render that
 * reads a region of it takes only the strips or tiles it needs.
 */
export interface KnownSource {
  /** The file's identity (file-identity.ts), the render cache's too. */
  identity: string;
  info: SourceInfo;
  orientation: number;
  modified: Date;
  /** The bytes, read once, when the render needs them; read only (a kept file's are the source cache's, in shared memory). */
  bytes(): Promise<Uint8Array>;
  /** A TIFF's: the file a render of `read` needs, its header and those strips or tiles (tiff-ranges.ts); undefined: read it whole. */
  region?(read: RegionRead): Promise<Uint8Array | undefined>;
}

const MAX_ENTRIES = 4096;
/** What a path segment held in memory costs: three points as objects, and the segment's own. */
const SEGMENT_BYTES = 160;

const pathBytesOf = (info: SourceInfo) => (info.paths ?? []).reduce((n, p) => n + segmentCount(p.subpaths) * SEGMENT_BYTES, 0);

/** The identity of a source checked before, without waiting (a render cache hit); else undefined. */
export function checkedSourceIdentity(object: Pick<ResolvedObject, 'file' | 'root'>): string | undefined {
  return statCheckedSource(object)?.identity;
}

export class SourceHeaders {
  private readonly known: BoundedCache<string, { info: SourceInfo; orientation: number; tiff?: boolean }>;
  /** TIFF headers read by range, by identity: --source-cache's bytes (at least one largest header's), apart from the files. */
  private readonly tiffHeaders: BoundedCache<string, Uint8Array>;
  private readonly files: BoundedCache<string, Uint8Array>;

  /** A file over a quarter of the budget is never kept (nor copied to be). */
  private readonly maxFileBytes: number;

  constructor(maxBytes: number) {
    this.maxFileBytes = maxBytes / 4;
    this.known = new BoundedCache({ maxEntries: MAX_ENTRIES, maxBytes, maxEntryBytes: this.maxFileBytes, sizeOf: ({ info }) => pathBytesOf(info) });
    this.files = new BoundedCache({ maxBytes, maxEntryBytes: this.maxFileBytes, sizeOf: (data) => data.byteLength });
    this.tiffHeaders = new BoundedCache({ maxBytes: Math.max(maxBytes, MAX_HEADER_BYTES), sizeOf: (data) => data.byteLength });
  }

  /** The source files' hits (read from memory), misses (from disk) and evictions. */
  get counts(): CacheCounts {
    return this.files.counts;
  }

  /** Bytes of source files held. */
  get bytes(): number {
    return this.files.bytes;
  }

  /**
   * A source's header, read once; its walk charged to the account of the request that reads it first.
   * Its bytes, when read, are charged to `account` and held by `holder` (the server's --max-read-held).
   */
  async of(object: Pick<ResolvedObject, 'file' | 'root'>, limits: SourceLimits, account: Account, holder?: Holder): Promise<KnownSource> {
    const { identity, real, modified, size } = await statSource(object);
    const known = this.known.get(identity);
    let read: Promise<Uint8Array> | undefined;
    // Charged and held before the bytes are read (or taken from the source cache), by the request asking.
    const take = (n: number) => {
      account.charge('read', n);
      holder?.grow(n);
    };
    const bytes = () => (read ??= Promise.resolve().then(() => take(size)).then(() => this.read(identity, real)));
    const region = (r: RegionRead) => this.region(identity, real, size, r, take);
    if (known) {
      checkSourceHeader(known.info, limits);
      return { identity, info: known.info, orientation: known.orientation, modified, bytes, ...(known.tiff ? { region } : {}) };
    }
    const header = await this.tiffHeader(identity, real, size);
    if (header) {
      const walk = new Walk(account);
      const info = sniffTiff(header, walk, size);
      walk.done();
      checkSourceHeader(info, limits);
      const orientation = tiffOrientation(header);
      this.known.set(identity, { info, orientation, tiff: true });
      return { identity, info, orientation, modified, bytes, region };
    }
    const got = await bytes();
    // A kept file whose header was evicted comes in shared memory: the parsers get a plain copy.
    const data = got.buffer instanceof SharedArrayBuffer ? got.slice() : got;
    const info = sniff(data, account);
    checkSourceHeader(info, limits);
    const orientation = await readOrientation(data);
    this.known.set(identity, { info, orientation });
    return { identity, info, orientation, modified, bytes };
  }

  /** A TIFF's header by range, kept; undefined when the file is not a TIFF. */
  private async tiffHeader(identity: string, real: string, size: number): Promise<Uint8Array | undefined> {
    const kept = this.tiffHeaders.get(identity);
    if (kept) return kept;
    const file = await open(real, 'r').catch(() => Promise.reject(imageNotFound()));
    try {
      const header = await readTiffHeader(file, size);
      if (header) this.tiffHeaders.set(identity, header);
      return header;
    } finally {
      await file.close();
    }
  }

  /** The file a render of a TIFF's region takes: its header and the strips or tiles the region touches. */
  private async region(identity: string, real: string, size: number, read: RegionRead, take: (bytes: number) => void): Promise<Uint8Array | undefined> {
    const header = await this.tiffHeader(identity, real, size);
    if (!header) return undefined;
    let fd: number;
    try {
      // Synchronous, as statSource's stat just before it (inputs/source.ts): the file's inode is
      // cached, where the thread pool's round trips to open and close it were a sixth of a zoom
      // tile's time. Non-blocking, so that a FIFO put in the file's place since cannot hold the thread.
      fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      throw imageNotFound();
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw imageNotFound();
    }
    const readAt: ReadAt = (into, at, length, position) => new Promise((resolve, reject) => readFd(fd, into, at, length, position, (err, n) => (err ? reject(err) : resolve(n))));
    try {
      return await readTiffRegion(readAt, header, size, read, take);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The file's bytes, read only: a file read from disk is the caller's own (a worker takes ownership
   * of its job's files), a kept one is the cache's, in shared memory that the worker copies from.
   * Copying it here, for each request, was the largest task of the main thread's in a render of a
   * kept 0.8 MB photo.
   */
  private async read(identity: string, real: string): Promise<Uint8Array> {
    const kept = this.files.get(identity);
    if (kept) return kept;
    const data = await readFile(real).catch(() => Promise.reject(imageNotFound()));
    // A file another request read meanwhile is kept already, with the same bytes.
    if (!this.files.has(identity) && data.byteLength <= this.maxFileBytes) {
      const shared = new Uint8Array(new SharedArrayBuffer(data.byteLength));
      shared.set(data);
      this.files.set(identity, shared);
    }
    return data;
  }
}

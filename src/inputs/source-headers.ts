import { readFile } from 'node:fs/promises';
import type { ResolvedObject } from '../catalog/resolve.ts';
import type { Account } from '../protocol/account.ts';
import { imageNotFound } from '../protocol/errors.ts';
import { checkSourceHeader } from '../planning/plan-request.ts';
import type { SourceInfo } from '../planning/sniff.ts';
import { sniff } from '../planning/source-formats.ts';
import { readOrientation, statCheckedSource, statSource } from './source.ts';

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
  private readonly known = new Map<string, { info: SourceInfo; orientation: number }>();
  private readonly files = new Map<string, Uint8Array>();
  private held = 0;
  readonly counts = { hits: 0, misses: 0, evictions: 0 };

  constructor(private readonly maxBytes: number) {}

  /** Bytes of source files held. */
  get bytes(): number {
    return this.held;
  }

  /** A source's header, read once; its walk charged to the account of the request that reads it first. */
  async of(object: Pick<ResolvedObject, 'file' | 'root'>, maxSourcePixels: number, account: Account): Promise<KnownSource> {
    const { identity, real, modified } = await statSource(object);
    const known = this.known.get(identity);
    let read: Promise<Uint8Array> | undefined;
    const bytes = () => (read ??= this.read(identity, real));
    if (known) {
      checkSourceHeader(known.info, { maxSourcePixels });
      return { identity, ...known, modified, bytes };
    }
    const data = await bytes();
    const info = sniff(data, account);
    checkSourceHeader(info, { maxSourcePixels });
    const orientation = await readOrientation(data);
    if (this.known.size >= MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    this.known.set(identity, { info, orientation });
    return { identity, info, orientation, modified, bytes };
  }

  /** The file's bytes, the caller's own to give away (a worker takes ownership of its job's files). */
  private async read(identity: string, real: string): Promise<Uint8Array> {
    const kept = this.files.get(identity);
    if (kept) {
      this.counts.hits++;
      this.files.delete(identity);
      this.files.set(identity, kept);
      return new Uint8Array(kept);
    }
    this.counts.misses++;
    const data = await readFile(real).catch(() => Promise.reject(imageNotFound()));
    this.keep(identity, data);
    return data;
  }

  private keep(identity: string, data: Uint8Array): void {
    if (data.byteLength > this.maxBytes / 4 || this.files.has(identity)) return;
    while (this.held + data.byteLength > this.maxBytes) {
      const [oldest, bytes] = this.files.entries().next().value!;
      this.files.delete(oldest);
      this.held -= bytes.byteLength;
      this.counts.evictions++;
    }
    // A plain copy: a Buffer's slice() would share its memory, and the caller gives its bytes away.
    this.files.set(identity, new Uint8Array(data));
    this.held += data.byteLength;
  }
}

import type { ResolvedObject } from '../catalog/resolve.ts';
import { exactBuffer } from '../image/bytes.ts';
import { readOrientation } from '../inputs/source.ts';
import type { SourceHeaders } from '../inputs/source-headers.ts';
import type { Header } from '../planning/composite.ts';
import { checkSourceHeader, type SourceLimits } from '../planning/plan-request.ts';
import { sniff } from '../planning/source-formats.ts';
import type { Account } from '../protocol/account.ts';
import type { Holder } from '../protocol/held-bytes.ts';
import type { RegionRead } from '../planning/plan.ts';

/** The source limits of the settings, for files of the image root. */
export const sourceLimits = (config: { 'max-source-pixels': number; 'max-tiled-source-pixels': number }): SourceLimits => ({
  maxSourcePixels: config['max-source-pixels'],
  maxTiledSourcePixels: config['max-tiled-source-pixels'],
});

/**
 * The files of one job, by index, as the plan names them: its sources (each added once, however
 * many layers name it) and the catalog's profile files it needs. A single image's source is file 0
 * as a composite's first source is. The bytes are read only when the job is sent (a render the
 * cache answers reads none), each an exact ArrayBuffer the worker takes ownership of, or a file of
 * the source cache, shared and read only.
 */
export class JobFiles {
  private readonly reads: (() => Promise<Uint8Array>)[] = [];
  /** The identity of each (file-identity.ts, or a foreign URL and its validator), for the render cache's key. */
  readonly identities: string[] = [];
  private readonly sources: number[] = [];
  /** A TIFF source's reader of regions (inputs/source-headers.ts), by file. */
  private readonly regions = new Map<number, (read: RegionRead) => Promise<Uint8Array | undefined>>();
  /** What the worker gets instead of the whole file: a planned region's strips or tiles, by file. */
  private readonly jobReads = new Map<number, () => Promise<Uint8Array>>();
  private readonly byKey = new Map<string, { file: number; header: Header }>();
  private readonly profiles = new Map<string, number>();
  private readonly holds: (() => void)[] = [];
  /** The newest modification time of the sources (Last-Modified). */
  modified = new Date(0);

  constructor(
    private readonly headers: SourceHeaders,
    private readonly limits: SourceLimits,
    private readonly account: Account,
    /** The server's hold on the source files this job reads (--max-read-held), released with the job. */
    private readonly holder: Holder,
  ) {
    this.holds.push(holder.release);
  }

  /** A file of the image root, its header read (and kept) by the source cache. */
  async add(object: ResolvedObject): Promise<{ file: number; header: Header }> {
    const known = this.byKey.get(object.file);
    if (known) return known;
    const source = await this.headers.of(object, this.limits, this.account, this.holder);
    const kept = this.keep(object.file, source.identity, () => source.bytes(), { ...source.info, orientation: source.orientation }, source.modified);
    if (source.region) this.regions.set(kept.file, source.region);
    return kept;
  }

  /** The plan reads `read` of a TIFF source: the worker gets that region's file, read by range (the whole file if it cannot be). */
  readRegion(file: number, read: RegionRead): void {
    const region = this.regions.get(file);
    if (region) this.jobReads.set(file, async () => (await region(read)) ?? (await this.reads[file]!()));
  }

  /** A file the job holds already under `key`. */
  held(key: string): { file: number; header: Header } | undefined {
    return this.byKey.get(key);
  }

  /** A source that came another way (a foreign one), under a key of its own. */
  async addBytes(key: string, identity: string, bytes: Uint8Array, modified: Date): Promise<{ file: number; header: Header }> {
    const known = this.byKey.get(key);
    if (known) return known;
    const info = sniff(bytes, this.account);
    checkSourceHeader(info, { maxSourcePixels: this.limits.maxSourcePixels });
    // A copy (a Buffer's slice() would share its memory): the worker takes ownership of the job's files,
    // and the origin cache keeps these bytes.
    const own = new Uint8Array(bytes);
    return this.keep(key, identity, async () => own, { ...info, orientation: await readOrientation(bytes) }, modified);
  }

  /** Ends with the job's files: a foreign body's hold on the server's budget (origin/sources.ts). */
  holding(release: () => void): void {
    this.holds.push(release);
  }

  /** The request is done with its files: the holds on them end. */
  release(): void {
    for (const release of this.holds.splice(0)) release();
  }

  /** A profile file of the catalog's (ProfileFiles), carried to the worker as a file of the job. */
  addProfile(key: string, identity: string, bytes: Uint8Array): number {
    const known = this.profiles.get(key);
    if (known !== undefined) return known;
    const file = this.reads.length;
    // A copy: the worker takes ownership of the job's files, and the profile stays cached (ProfileFiles).
    this.reads.push(async () => bytes.slice());
    this.identities.push(identity);
    this.profiles.set(key, file);
    return file;
  }

  /** Every file of the job, read now, for the worker. */
  async buffers(): Promise<ArrayBufferLike[]> {
    // A file of the source cache is the whole of its shared memory, sent as it is (host/pool.ts).
    return (await Promise.all(this.reads.map((read, file) => (this.jobReads.get(file) ?? read)()))).map((b) => (b.buffer instanceof SharedArrayBuffer ? b.buffer : exactBuffer(b)));
  }

  /** The sources' identities (not the profiles'), for their versions. */
  get sourceIdentities(): string[] {
    return this.sources.map((file) => this.identities[file]!);
  }

  private keep(key: string, identity: string, read: () => Promise<Uint8Array>, header: Header, modified: Date): { file: number; header: Header } {
    const entry = { file: this.reads.length, header };
    this.reads.push(read);
    this.identities.push(identity);
    this.sources.push(entry.file);
    this.byKey.set(key, entry);
    if (modified > this.modified) this.modified = modified;
    return entry;
  }
}

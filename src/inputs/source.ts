import { createHash } from 'node:crypto';
import { statSync, type BigIntStats } from 'node:fs';
import { open, readFile, realpath } from 'node:fs/promises';
import exifr from 'exifr';
import { BoundedCache } from '../common/bounded-cache.ts';
import type { Account } from '../protocol/account.ts';
import type { Holder } from '../protocol/held-bytes.ts';
import { imageNotFound } from '../protocol/errors.ts';
import { isInside, type ResolvedObject } from '../catalog/resolve.ts';
import { formatOf } from '../planning/source-formats.ts';
import { fileIdentity } from './file-identity.ts';
import { pngExif } from '../image/metadata.ts';

/**
 * Reads a source image, following symlinks only while they stay inside the object's root. A
 * missing file and a refused one get the same answer, so the reply tells nothing about the disk.
 */
export async function readSource(object: ResolvedObject, account: Account, holder: Holder): Promise<Uint8Array> {
  return (await readSourceFile(object, account, holder)).bytes;
}

/**
 * Real paths found inside their root, by the path asked for, with the identity (device and inode)
 * of the file it named then. A path whose file has another identity now (a link moved, a directory
 * swapped for a symlink) is resolved and checked again; the same file, however reached, was inside.
 * Bounded: the least recently used entry goes first.
 */
const checked = new BoundedCache<string, { real: string; root: string; dev: bigint; ino: bigint }>({ maxEntries: 4096 });

/** A source's real path, checked to lie inside its root, with its size, modification time and identity. */
export async function statSource(object: Pick<ResolvedObject, 'file' | 'root'>): Promise<SourceStat> {
  if (object.file === '') throw imageNotFound();
  let info;
  try {
    // Synchronous, as nginx's own stat() of a static file: with the inode cached a few microseconds,
    // where the thread pool's round trip took 0.15-0.2 ms, most of a render cache hit's time beyond
    // node:http's (a probe of the tiny request: 2.97x node:http's time with it, 2.42x without).
    info = statSync(object.file, { bigint: true });
  } catch {
    throw imageNotFound();
  }
  if (!info.isFile()) throw imageNotFound();
  const known = checkedBefore(object, info);
  if (known) return known;
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(object.file), realpath(object.root)]);
  } catch {
    throw imageNotFound();
  }
  if (!isInside(realRoot, real)) throw imageNotFound();
  checked.set(object.file, { real, root: object.root, dev: info.dev, ino: info.ino });
  return statOf(real, info);
}

interface SourceStat {
  real: string;
  size: number;
  modified: Date;
  /** What the caches key the file by (file-identity.ts). */
  identity: string;
}

const statOf = (real: string, info: BigIntStats): SourceStat => ({ real, size: Number(info.size), modified: info.mtime, identity: fileIdentity(real, info) });

/**
 * statSource without waiting, for a source whose path was checked before and still names the same
 * file (a render cache hit's check); undefined whenever statSource would have more to do or refuse.
 */
export function statCheckedSource(object: Pick<ResolvedObject, 'file' | 'root'>): SourceStat | undefined {
  const info = object.file === '' ? undefined : statSync(object.file, { throwIfNoEntry: false, bigint: true });
  return info?.isFile() ? checkedBefore(object, info) : undefined;
}

function checkedBefore(object: Pick<ResolvedObject, 'file' | 'root'>, info: BigIntStats): SourceStat | undefined {
  const known = checked.get(object.file);
  if (!known || known.root !== object.root || known.dev !== info.dev || known.ino !== info.ino) return undefined;
  return statOf(known.real, info);
}

/** The bytes and the modification time of a source (for Last-Modified), charged to the request's account and held by `holder` before they are read. */
export async function readSourceFile(object: Pick<ResolvedObject, 'file' | 'root'>, account: Account, holder: Holder): Promise<{ bytes: Uint8Array; modified: Date }> {
  const { real, modified, size } = await statSource(object);
  account.charge('read', size);
  holder.grow(size);
  try {
    return { bytes: await readFile(real), modified };
  } catch {
    throw imageNotFound();
  }
}

/** A source's first `bytes` (enough to tell its format) and its stat, without reading the rest. */
export async function sourceHead(object: Pick<ResolvedObject, 'file' | 'root'>, bytes: number): Promise<SourceStat & { head: Uint8Array }> {
  const stat = await statSource(object);
  try {
    const handle = await open(stat.real, 'r');
    try {
      const head = new Uint8Array(Math.min(bytes, stat.size));
      const { bytesRead } = await handle.read(head, 0, head.byteLength, 0);
      return { ...stat, head: head.subarray(0, bytesRead) };
    } finally {
      await handle.close();
    }
  } catch {
    throw imageNotFound();
  }
}

/**
 * The version of a render's sources (req=props' image.version, req=set's iv): an MD5 of their
 * identities (file-identity.ts; a foreign source's URL and validator), which change whenever a file
 * does. Not of their bytes: a 256 MiB source took half a second of the main thread to hash, and
 * had to be read whole for a reply that needs none of it.
 */
export function sourceVersion(identities: readonly string[]): string {
  const hash = createHash('md5');
  for (const identity of identities) hash.update(identity).update('\0');
  return hash.digest('base64url');
}

/** The format's own orientation (a TIFF's tag) or EXIF's, 1..8; 1 when there is none or the metadata is unreadable. */
export async function readOrientation(bytes: Uint8Array): Promise<number> {
  // Of a PNG, exifr gets the eXIf chunk alone: given the file, it would walk every chunk and inflate
  // the iCCP profile without a bound (a zlib bomb of a kilobyte is a gigabyte).
  const exif = bytes[0] === 0x89 ? pngExif(bytes) : bytes;
  if (!exif) return 1;
  try {
    const own = formatOf(bytes)?.orientation;
    if (own) return own(bytes);
    const value = await exifr.orientation(exif);
    return typeof value === 'number' && value >= 1 && value <= 8 ? value : 1;
  } catch {
    return 1;
  }
}

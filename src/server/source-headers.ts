import { readFile } from 'node:fs/promises';
import type { ResolvedObject } from '../catalog/resolve.ts';
import { imageNotFound } from '../protocol/errors.ts';
import { checkSourceHeader } from '../planning/plan-request.ts';
import { sniff, type SourceInfo } from '../planning/sniff.ts';
import { readOrientation, statSource } from './source.ts';

/**
 * Source headers in the main thread, keyed by a source's real path, size and modification time:
 * a request whose render the cache holds is planned from here without reading its file. A header
 * is only kept once the file has been read and checked whole.
 */
export interface KnownSource {
  /** Path, size and modification time: the render cache's identity of the source. */
  identity: string;
  info: SourceInfo;
  orientation: number;
  modified: Date;
  /** The bytes, read once, when the render needs them. */
  bytes(): Promise<Uint8Array>;
}

const MAX_ENTRIES = 4096;

/** A source's identity: its real path, size and modification time (the render cache's, too). */
export async function sourceIdentity(object: Pick<ResolvedObject, 'file' | 'root'>): Promise<{ identity: string; real: string; modified: Date }> {
  const { real, size, modified } = await statSource(object);
  return { identity: `${real}:${size}:${modified.getTime()}`, real, modified };
}

export class SourceHeaders {
  private readonly known = new Map<string, { info: SourceInfo; orientation: number }>();

  async of(object: Pick<ResolvedObject, 'file' | 'root'>, maxSourcePixels: number): Promise<KnownSource> {
    const { identity, real, modified } = await sourceIdentity(object);
    const known = this.known.get(identity);
    let read: Promise<Uint8Array> | undefined;
    const bytes = () =>
      (read ??= readFile(real).then(
        (b) => b,
        () => Promise.reject(imageNotFound()),
      ));
    if (known) {
      checkSourceHeader(known.info, { maxSourcePixels });
      return { identity, ...known, modified, bytes };
    }
    const data = await bytes();
    const info = sniff(data);
    checkSourceHeader(info, { maxSourcePixels });
    const orientation = await readOrientation(data);
    if (this.known.size >= MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    this.known.set(identity, { info, orientation });
    return { identity, info, orientation, modified, bytes };
  }
}

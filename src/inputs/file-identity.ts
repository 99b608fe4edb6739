import type { BigIntStats } from 'node:fs';

/**
 * A file's identity, for every cache keyed by a file (the render cache, the source cache, profile and
 * font files): its path, device, inode, size and modification time in nanoseconds. A file replaced by
 * another of the same size and time (a rename over it, a new inode) is another file, and so is one
 * rewritten within a millisecond. Takes `stat(path, { bigint: true })`: nanoseconds do not fit a double.
 */
export const fileIdentity = (path: string, info: BigIntStats): string => `${path}:${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;

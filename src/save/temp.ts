import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Temporary files of in-flight saves start with this; no `name=` may, in any case, so they never collide. */
export const TEMP_PREFIX = '.isle-tmp-';

/**
 * A temporary name says who made it: a hash of the host name, the process id and this process's
 * instance id (pids are reused), so that a sweep can tell an abandoned file from a live one of
 * another instance sharing the folder.
 */
export interface TempOwner {
  host: string;
  pid: number;
  instance: string;
}

const hostHash = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 8);

export const THIS_PROCESS: TempOwner = { host: hostHash(hostname()), pid: process.pid, instance: randomBytes(4).toString('hex') };

export function newTempName(owner: TempOwner = THIS_PROCESS): string {
  return `${TEMP_PREFIX}${owner.host}-${owner.pid}-${owner.instance}-${randomBytes(8).toString('hex')}`;
}

const NAME = /^\.isle-tmp-([0-9a-f]{8})-(\d+)-([0-9a-f]{8})-[0-9a-f]{16}$/;

export function tempOwner(name: string): TempOwner | undefined {
  const m = NAME.exec(name);
  return m ? { host: m[1]!, pid: Number(m[2]), instance: m[3]! } : undefined;
}

/**
 * Whether a temporary file is abandoned: made on this host by a process that no longer runs (or by
 * an earlier process that had this one's pid), or older than `maxAgeMs` whoever made it (files of
 * other hosts, or of an older naming, can only be judged by age). Pure: liveness comes in.
 */
export function isAbandoned(name: string, ageMs: number, maxAgeMs: number, me: TempOwner, running: (pid: number) => boolean): boolean {
  if (ageMs > maxAgeMs) return true;
  const owner = tempOwner(name);
  if (!owner || owner.host !== me.host) return false;
  if (owner.pid === me.pid) return owner.instance !== me.instance;
  return !running(owner.pid);
}

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { decodeImage } from './pixels.ts';
import type { Reply } from './server.ts';

/**
 * A reply as a short hash: the bytes of lossy and uncompressed formats, the decoded pixels of PNGs
 * (their bytes depend on the zlib that ships with Node), PDFs with their Flate streams inflated,
 * property texts without their date line, the source file's time and the version made of its
 * identity (its path, inode and time: another for every copy of the samples).
 */
export async function fingerprint(reply: Reply): Promise<string> {
  const type = reply.headers['content-type'] ?? '';
  const hash = createHash('sha256').update(`${reply.status} ${type}\n`);
  if (type === 'image/png') {
    const image = await decodeImage(reply.body);
    hash.update(`${image.width}x${image.height}\n`).update(image.data);
  } else if (type === 'application/pdf') {
    // Flate streams inflated; the dates the writer puts in removed.
    const text = reply.body.toString('latin1').replace(/\/(CreationDate|ModDate) \([^)]*\)/g, '');
    hash.update(text.replace(/\/FlateDecode([\s\S]*?)stream\r?\n([\s\S]*?)\r?\nendstream/g, (_m, dict: string, data: string) => `/FlateDecode${dict}stream\n${inflateSync(Buffer.from(data, 'latin1')).toString('latin1')}\nendstream`));
  } else if (type.startsWith('text/')) {
    // The reply's date and the source file's time (the fixture copies the samples) vary.
    hash.update(
      reply.text
        .replace(/^#[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \w+ \d{4}$/m, '#DATE')
        .replace(/timeStamp=[^\n]*/g, 'timeStamp=T')
        .replace(/((?:version|\biv)["']?(?:\s*[=:]\s*|" value=)["']?)[\w-]{22}(?![\w-])/g, '$1V'),
    );
  } else {
    hash.update(reply.body);
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * Compares fingerprints with those recorded in `file`, or records them when ISLE_RECORD_REPLIES=1
 * (a change that alters output on purpose re-records them in the same commit and says why).
 * Returns the keys that differ and the recorded keys no longer measured.
 */
export function compareRecorded(file: string, now: Record<string, string>): { changed: string[]; gone: string[] } {
  if (process.env.ISLE_RECORD_REPLIES === '1') {
    writeFileSync(file, `${JSON.stringify(now, null, 2)}\n`);
    return { changed: [], gone: [] };
  }
  const recorded: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  return {
    changed: Object.keys(now).filter((k) => recorded[k] !== now[k]),
    gone: Object.keys(recorded).filter((k) => !(k in now)),
  };
}

import { CORPUS, PHOTOS, PNGSUITE } from '../../tools/corpus.ts';
import { cpSync, existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';
import { request } from 'undici';
import { resolveConfig, type ServerConfig } from '../../src/config/options.ts';
import { startServer, type IsleServer } from '../../src/server/app.ts';
import { fixtures } from '../../tools/fixtures/generate.ts';

export const REPO = resolve(import.meta.dirname, '../..');
/** The suite's own source images (tools/fixtures/generate.ts), generated on first use. */
export const FIXTURES = await fixtures();
/** A catalog `fixtures` whose RootPath is the fixture folder, read where it is. */
export const FIXTURE_CATALOG = { 'catalogs/fixtures.ini': `RootId=fixtures\nRootPath=${FIXTURES}\n` };

/** The external corpus (real photos and PngSuite), an extra layer that CI has and a lone clone does not. */
export { PHOTOS, PNGSUITE };
export const PHOTOS_CATALOG = { 'catalogs/photos.ini': `RootId=photos\nRootPath=${PHOTOS}\n` };
/** A test's skip option: false with the corpus, else the one line that says why it is left out. */
export const CORPUS_SKIP: false | string = existsSync(PHOTOS) && existsSync(PNGSUITE) ? false : `the external corpus is not at ${CORPUS}; corpus layer left out`;

export interface Fixture {
  isle: IsleServer;
  /** Temporary folder holding images/, catalogs/ and saves/. */
  dir: string;
  images: string;
  catalogs: string;
  saves: string;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

/**
 * Starts a real server on an ephemeral port over a temporary image root and catalog folder.
 * `files` are written relative to the temporary folder (e.g. 'catalogs/default.ini').
 */
export async function startFixture(
  options: { files?: Record<string, string | Uint8Array>; config?: Partial<Record<string, string>>; samples?: boolean } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'isle-test-'));
  const images = join(dir, 'images');
  const catalogs = join(dir, 'catalogs');
  const saves = join(dir, 'saves');
  for (const d of [images, catalogs, saves]) mkdirSync(d);
  if (options.samples) {
    cpSync(join(REPO, 'samples/images'), images, { recursive: true });
    cpSync(join(REPO, 'samples/catalogs'), catalogs, { recursive: true });
  }
  for (const [path, content] of Object.entries(options.files ?? {})) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  let isle: IsleServer;
  try {
    const config: ServerConfig = resolveConfig({ port: '0', workers: '1', root: images, catalogs, 'save-dir': saves, ...options.config }, {});
    isle = await startServer(config);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    isle,
    dir,
    images,
    catalogs,
    saves,
    get: (path, headers) => get(isle.url + path, headers),
    async close() {
      await isle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function get(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): Promise<Reply> {
  const res = await request(url, { method, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return { status: res.statusCode, headers: flat, body, text: body.toString('utf8') };
}

/** The error.message of an error reply. */
export const errorMessage = (text: string) => properties(text).get('error.message') ?? '';

/** Parses a Java-properties reply into a map (comments dropped). */
export function properties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.search(/(?<!\\)=/);
    map.set(line.slice(0, i), line.slice(i + 1).replace(/\\(.)/g, '$1'));
  }
  return map;
}

/**
 * Sends a GET with the request target byte for byte over a plain socket: HTTP clients (undici
 * included) normalise `..` away, and traversal tests need it to arrive as written.
 */
export function rawGet(baseUrl: string, target: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), text: body });
    });
  });
}

/** A raw TCP connection to the server, for requests undici would not send (pipelined, never read). */
export const rawConnection = (base: string) => {
  const { hostname, port } = new URL(base);
  return connect(Number(port), hostname);
};

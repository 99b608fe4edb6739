import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Catalogs } from '../catalog/load.ts';
import type { ServerConfig } from '../config/options.ts';
import { lastWins, requestType } from '../protocol/command-map.ts';
import { FORMATS, formatOfExtension } from '../protocol/formats.ts';
import { forbidden } from '../protocol/errors.ts';
import { imageRequestOf, parseModifiers } from '../protocol/url.ts';
import type { Client, ServerContext } from '../service/context.ts';
import { handleImage } from '../service/image.ts';
import { openService } from '../service/open.ts';

/**
 * `isle render`: local images through the image service that isle serve answers with (catalog attributes of the
 * default catalog, parser, planner, worker pool), so that a Scene7 URL's query can be tried on a
 * file and gives the bytes the server would send. Property requests give their properties.
 */
export interface RenderSettings {
  config: ServerConfig;
  /** Apply the default catalog's MaxPix and the server's reply-pixel limit (the default). */
  limits: boolean;
}


/** A command line that asks for something contradictory: exit code 2. */
export class RenderUsageError extends Error {}

export interface Renderer {
  /** The reply's bytes: an image, or a property text for property requests. */
  render(source: string, query: string, output?: string): Promise<{ body: Uint8Array; contentType: string }>;
  close(): Promise<void>;
}

function withoutLimits(catalogs: Catalogs): Catalogs {
  const { defaultCatalog } = catalogs;
  return { ...catalogs, defaultCatalog: { ...defaultCatalog, attributes: { ...defaultCatalog.attributes, maxSize: { width: 0, height: 0 } } } };
}

export async function openRenderer({ config, limits }: RenderSettings): Promise<Renderer> {
  const settings = limits ? config : { ...config, 'max-reply-pixels': Number.MAX_SAFE_INTEGER, 'max-save-pixels': Number.MAX_SAFE_INTEGER };
  const service = await openService(settings, { serve: false, adjust: limits ? undefined : withoutLimits });
  const base = service.context;
  const client: Client = { address: undefined, method: 'GET' };
  return {
    async render(source, query, output) {
      const file = resolve(source);
      let modifiers = query.replace(/^\?/, '');
      const wanted = output ? formatOfExtension(extname(output)) : undefined;
      const parsed = parseModifiers(modifiers);
      if (requestType(lastWins(parsed)) === 'savetofile') throw forbidden('req=saveToFile is for the server; isle render writes with -o');
      if (wanted && !parsed.some((m) => m.name === 'fmt')) modifiers += `${modifiers ? '&' : ''}fmt=${wanted}`;
      // The file's own folder is the image root, so that its name is the whole object path.
      const ctx: ServerContext = { ...base, config: { ...base.config, root: dirname(file) } };
      const reply = await handleImage(imageRequestOf([basename(file)], modifiers), ctx, client);
      const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
      if (wanted && reply.contentType.startsWith('image/') && reply.contentType !== FORMATS[wanted].mime) {
        throw new RenderUsageError(`${output} names a ${wanted} file, but the query's fmt= makes ${reply.contentType}`);
      }
      return { body, contentType: reply.contentType };
    },
    close: () => service.close(),
  };
}

export interface BatchJob {
  line: number;
  source: string;
  query: string;
  output: string;
}

export interface BatchProgress {
  done: number;
  failed: number;
  total: number;
  job: BatchJob;
  error?: string;
  ms: number;
}

/** Lines of `source|modifiers|output`, relative to the list's folder; blank lines and `#` comments skipped. */
export function readBatch(listFile: string): { jobs: BatchJob[]; invalid: { line: number; message: string }[] } {
  const jobs: BatchJob[] = [];
  const invalid: { line: number; message: string }[] = [];
  readFileSync(listFile, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const text = raw.trim();
      if (text === '' || text.startsWith('#')) return;
      const [source, query, output] = text.split('|').map((p) => p.trim());
      if (!source || query === undefined || !output) invalid.push({ line: i + 1, message: 'expected source|modifiers|output' });
      else jobs.push({ line: i + 1, source: resolve(dirname(listFile), source), query, output: resolve(dirname(listFile), output) });
    });
  return { jobs, invalid };
}

/** Runs the jobs `parallel` at a time through the renderer's worker pool, reporting each as it ends. */
export async function runBatch(renderer: Renderer, jobs: BatchJob[], parallel: number, report: (p: BatchProgress) => void): Promise<{ done: number; failed: number }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const job = jobs[i]!;
      const started = performance.now();
      let error: string | undefined;
      try {
        const { body } = await renderer.render(job.source, job.query, job.output);
        writeFileSync(job.output, body);
        done++;
      } catch (err) {
        error = (err as Error).message;
        failed++;
      }
      report({ done, failed, total: jobs.length, job, error, ms: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return { done, failed };
}

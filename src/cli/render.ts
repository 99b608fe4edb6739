import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { typedAttributes } from '../catalog/catalog.ts';
import type { ResolvedObject } from '../catalog/resolve.ts';
import type { ServerConfig } from '../config/options.ts';
import { lastWins } from '../protocol/commands.ts';
import { expandMacros, substituteVariables } from '../protocol/expand.ts';
import { forbidden } from '../protocol/errors.ts';
import { parseModifiers } from '../protocol/url.ts';
import { runPlan } from '../render/pipeline.ts';
import { interpret, prepare } from '../server/prepare.ts';
import { initCodecs } from '../worker/codecs.ts';
import { compileModules } from '../worker/modules.ts';

/**
 * `isle render`: one local image through the server's own parser, planner and pipeline, in this
 * thread, so that a Scene7 URL's query can be tried on a file. No catalog: MaxPix and DefaultPix are
 * unlimited, the other attributes take their built-in defaults.
 */
const catalog = {
  rootId: '',
  attributes: typedAttributes(new Map([['maxpix', '0,0'], ['defaultpix', '0,0']]), 'isle render'),
  records: new Map(),
  staticRecords: new Map(),
  macros: new Map(),
};

let codecs: Promise<void> | undefined;

export async function renderFile(source: string, query: string, config: ServerConfig): Promise<Uint8Array> {
  const file = resolve(source);
  const object: ResolvedObject = { catalog, file, root: dirname(file), modifiers: [], postModifiers: [] };
  const modifiers = substituteVariables(
    expandMacros(parseModifiers(query.replace(/^\?/, '')), () => undefined),
    { object: basename(file) },
  );
  const request = interpret({ object, modifiers });
  if (request.kind === 'saveToFile') throw forbidden('req=saveToFile is for the server; isle render writes with -o');
  const { plan, source: bytes } = await prepare(request, { object, modifiers, commands: lastWins(modifiers), ctx: { config } });
  codecs ??= initCodecs(compileModules());
  await codecs;
  return new Uint8Array(await runPlan(bytes.buffer, plan));
}

export interface BatchResult {
  done: number;
  failed: { line: number; message: string }[];
}

/** Lines of `source|modifiers|output`; blank lines and `#` comments are skipped. */
export async function renderBatch(listFile: string, config: ServerConfig, progress: (done: number, total: number) => void): Promise<BatchResult> {
  const jobs = readFileSync(listFile, 'utf8')
    .split(/\r?\n/)
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter((j) => j.text !== '' && !j.text.startsWith('#'));
  const result: BatchResult = { done: 0, failed: [] };
  for (const [i, job] of jobs.entries()) {
    const [source, query, output] = job.text.split('|').map((p) => p.trim());
    try {
      if (!source || query === undefined || !output) throw new Error('expected source|modifiers|output');
      writeFileSync(resolve(dirname(listFile), output), await renderFile(resolve(dirname(listFile), source), query, config));
      result.done++;
    } catch (err) {
      result.failed.push({ line: job.line, message: (err as Error).message });
    }
    progress(i + 1, jobs.length);
  }
  return result;
}

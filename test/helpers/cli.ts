import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { REPO } from './server.ts';

export const CLI = join(REPO, 'build/src/cli/main.js');

export interface Launched {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<unknown[]>;
}

/** Spawns a server command (in its own process group) and resolves its base URL from the start-up log line. */
export async function launch(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  user: { uid?: number; gid?: number } = {},
): Promise<Launched> {
  const child = spawn(command, args, {
    ...user,
    cwd: REPO,
    env: { ...process.env, ISLE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = once(child, 'exit');
  let output = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!/serving (http:\S+)\/is\/image/.test(output)) {
    assert.ok(child.exitCode === null && Date.now() < deadline, `the server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = /serving (http:\S+)\/is\/image/.exec(output)![1]!;
  return { child, base, output: () => output, exited };
}

/** `isle serve` from the compiled build, on a free port. */
export const launchIsle = (args: string[], env?: Record<string, string>) =>
  launch(process.execPath, [CLI, 'serve', '--port', '0', ...args], env);

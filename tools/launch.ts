import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');

export const CLI = join(REPO, 'build/src/cli/main.js');

export interface Launched {
  child: ChildProcess;
  base: string;
  output: () => string;
  /** The exit code and signal, within `ms`; past it the process group is killed and this rejects. */
  exited(ms?: number): Promise<[number | null, NodeJS.Signals | null]>;
  /** Kills the process group (if it still runs) and waits for it, bounded; for `finally`. */
  stop(): Promise<void>;
}

/** Every process group a test started, killed when the test process ends whatever happened. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** A promise, or an error naming `what` after `ms`: no test waits without a bound. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Spawns a server command (in its own process group) and resolves its base URL from the start-up log line. */
export async function launch(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  user: { uid?: number; gid?: number; cwd?: string } = {},
): Promise<Launched> {
  const child = spawn(command, args, {
    cwd: REPO,
    ...user,
    env: { ...process.env, ISLE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  const exit = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    return [code, signal] as [number | null, NodeJS.Signals | null];
  });
  const exited = async (ms = 20_000) => {
    try {
      return await within(exit, ms, `${command} ${args.join(' ')} exiting`);
    } catch (err) {
      killGroup(child, 'SIGKILL');
      throw err;
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGKILL');
    await within(exit, 10_000, 'a killed process exiting').catch(() => {});
  };
  let output = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!/serving (http:\S+)\/is\/image/.test(output)) {
    if (child.exitCode !== null || Date.now() >= deadline) {
      await stop();
      assert.fail(`the server did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = /serving (http:\S+)\/is\/image/.exec(output)![1]!;
  return { child, base, output: () => output, exited, stop };
}

/** `isle serve` from the compiled build, on a free port. */
export const launchIsle = (args: string[], env?: Record<string, string>) =>
  launch(process.execPath, [CLI, 'serve', '--port', '0', ...args], env);

// The Node entry point as an operator runs it (tsx runtimes/node/main.ts ...), for the tests of what it
// prints and how it exits (--check, start-up refusals). A run still going after killMs is killed, so a
// start that hangs fails its test instead of holding the file's worker.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** Runs main.ts with `args` (cwd: the repo; `env` over this process's); its exit code and stdout+stderr. */
export function runMain(args: string[], env: NodeJS.ProcessEnv = {}, killMs = 40_000): Promise<{ code: number | null; out: string }> {
  const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d));
  proc.stderr.on('data', (d: Buffer) => (out += d));
  const killer = setTimeout(() => proc.kill('SIGKILL'), killMs);
  return new Promise((res) =>
    proc.on('exit', (code) => {
      clearTimeout(killer);
      res({ code, out });
    }),
  );
}

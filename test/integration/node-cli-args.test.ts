// The command line as a user types it (tsx runtimes/node/main.ts, as `npm start` runs the bundle):
// a wrong option is a one-line usage error, port flags are checked before the packs load, and
// --host binds every listener, ext_proc included.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function run(args: string[], until?: RegExp): Promise<{ code: number | null; out: string }> {
  const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', ...args], { cwd: ROOT });
  let out = '';
  const on = (d: Buffer) => {
    out += d;
    if (until?.test(out)) proc.kill('SIGTERM');
  };
  proc.stdout.on('data', on);
  proc.stderr.on('data', on);
  return new Promise((res) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('exit', (code) => {
      clearTimeout(t);
      res({ code, out });
    });
  });
}

describe('semroute command line', () => {
  it('an unknown option or a missing value: exit 1, one line, no stack trace', async () => {
    for (const args of [['--bogus'], ['--port']]) {
      const { code, out } = await run(args);
      expect(code, args.join(' ')).toBe(1);
      expect(out).toMatch(/^semroute: .*(Unknown option '--bogus'|--port).*\(see --help\)\n$/);
      expect(out).not.toMatch(/TypeError|at parseArgs|node:internal/);
    }
  }, 60_000);

  it('a bad --metrics-port or --extproc-port is refused before any pack loads', async () => {
    for (const args of [['--metrics-port', 'x'], ['--extproc-port', '99999']]) {
      const { code, out } = await run(['--port', '0', ...args]);
      expect(code).toBe(1);
      expect(out).toMatch(/expected a port number/);
      expect(out).not.toMatch(/model pack loaded|listening/);
    }
  }, 60_000);

  it('--help into a pipe closed early (`| head -3`): exit 0, no EPIPE stack trace', async () => {
    const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', '--help'], { cwd: ROOT });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d));
    proc.stdout.destroy(); // the reader is gone before the usage is written
    const code = await new Promise<number | null>((res) => proc.on('exit', (c) => res(c)));
    expect(err).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  }, 60_000);

  it('--host binds the ext_proc port too', async () => {
    const { out } = await run(['--port', '0', '--host', '127.0.0.1', '--extproc-port', '0', '--no-config-watch'], /"msg":"ext_proc listening"/);
    // One line says where ext_proc listens (main.ts); the server no longer logs a second one.
    const lines = out.split('\n').filter((l) => /ext_proc[^"]*listening/.test(l));
    expect(lines, out.slice(-2000)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'ext_proc listening', host: '127.0.0.1' });
  }, 90_000);
});

// The command line as a user types it (tsx runtimes/node/main.ts, as `npm start` runs the bundle):
// a wrong option is a one-line usage error, port flags are checked before the packs load, and
// --host binds every listener, ext_proc included.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

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

describe('the command line is answered before the server loads', () => {
  // Every module the process resolves, through a resolve hook registered after tsx's: a usage error,
  // --help, a refused port or --check loaded the whole server first (onnxruntime-node, Hono, the pipeline:
  // about 1.3 s of CPU under tsx), so each answer, and each test of one, paid for it.
  const SERVER = /node_modules\/(onnxruntime-node|hono|@hono|@grpc|ioredis)\/|\/src\/(pipeline|api|upstream)\/|\/runtimes\/node\/(serve-gateway|deps|config-reload)\.ts/;
  const dir = mkdtempSync(join(tmpdir(), 'semroute-cli-hooks-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\nlet log;\nexport function initialize(data) { log = data.log; }\n" +
      'export async function resolve(specifier, context, next) {\n  const r = await next(specifier, context);\n  appendFileSync(log, r.url + "\\n");\n  return r;\n}\n',
  );
  writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url, { data: { log: process.env.SEMROUTE_TEST_RESOLVED } });\n");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function resolved(args: string[]): Promise<{ code: number | null; out: string; modules: string[] }> {
    const log = join(dir, `resolved-${args.join('_').replace(/\W/g, '')}.txt`);
    writeFileSync(log, '');
    const proc = spawn(process.execPath, ['--import', 'tsx', '--import', join(dir, 'register.mjs'), 'runtimes/node/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, SEMROUTE_TEST_RESOLVED: log },
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.stderr.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((res) => proc.on('exit', (c) => res(c)));
    return { code, out, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  }

  it.each([
    [['--bogus'], 1, /^semroute: Unknown option '--bogus' \(see --help\)\n$/],
    [['--help'], 0, /^semroute: semantic router[\s\S]*--check\s+validate the config/],
    [['--version'], 0, new RegExp(`^${VERSION.replace(/\./g, '\\.')}\n$`)],
    [['--port', '0', '--metrics-port', 'x'], 1, /^semroute: --metrics-port: expected a port number, got "x"\n$/],
    [['--device', 'tpu'], 1, /^semroute: --device: expected auto, cpu or cuda, got "tpu"\n$/],
    [['--port', '9000', '--metrics-port', '9000'], 1, /^semroute: observability\.metrics\.port \/ --metrics-port: 9000 is also the HTTP port/],
    [['--check'], 0, /config OK/],
  ] as const)('%j: the same answer and exit code, and no server module loaded', async (args, want, text) => {
    const { code, out, modules } = await resolved([...args]);
    expect(code, out).toBe(want);
    expect(out).toMatch(text);
    expect(modules.some((m) => m.endsWith('/runtimes/node/main.ts')), 'the hook saw the entry').toBe(true);
    expect(modules.filter((m) => SERVER.test(m))).toEqual([]);
  }, 60_000);
});

// The quick start's `npm run dev` as a user runs it, a real process: "Ctrl-C stops both" (SIGINT: exit 0,
// the gateway's and the mock's ports free again), and "PORT=9001 MOCK_PORT=9002 npm run dev when those
// are taken": a taken port stops dev with one line naming the variable to set (new-user pass: dev printed
// only Node's `listen EADDRINUSE: address already in use 127.0.0.1:8000`, naming neither the mock nor
// MOCK_PORT, where `npm start` names the port and its flag). And `npm run dev` / `dev:worker` as npm
// itself runs them: a SIGTERM to npm stops everything they started.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const procs: ChildProcess[] = [];
const servers: http.Server[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const s of servers) s.close();
});

interface Dev {
  proc: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function startDev(env: Record<string, string>): Dev {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runtimes/node/dev.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(proc);
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, exit };
}

async function until<T>(get: () => T | undefined, what: () => string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port something else already listens on (what a user's other service would be). */
async function takenPort(): Promise<number> {
  const s = http.createServer((_q, r) => r.end('someone else'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const refuses = (port: number) =>
  new Promise<boolean>((done) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), done(false)));
    s.once('error', () => done(true));
  });

describe('npm run dev as the quick start describes it', () => {
  it('Ctrl-C (SIGINT) stops both: exit 0, the gateway and mock ports closed', async () => {
    const dev = startDev({ PORT: '0', MOCK_PORT: '0' });
    const ports = await until(
      () => {
        const g = /gateway\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(dev.out());
        const m = /mock Production Stack router\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(dev.out());
        return g && m && dev.out().includes('Try it:') ? [Number(g[1]), Number(m[1])] : undefined;
      },
      () => `dev did not start: ${dev.out().slice(-2000)}`,
    );
    expect((await fetch(`http://127.0.0.1:${ports[0]}/health`)).status).toBe(200);
    dev.proc.kill('SIGINT');
    const code = await Promise.race([dev.exit, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    expect(code).toBe(0);
    for (const p of ports) expect(await refuses(p), `port ${p}`).toBe(true);
  }, 90_000);

  it.each([
    // dev: the gateway's and the mock's ports. dev:worker (the Edge runtime section): wrangler's, the mock's.
    ['dev', [], /gateway\s+http:\/\/127\.0\.0\.1:(\d+)/, 'Try it:'],
    ['dev:worker', ['--', '--port', '0', '--inspector-port', '0'], /Ready on http:\/\/127\.0\.0\.1:(\d+)/, 'Ready on'],
  ] as const)('a SIGTERM to `npm run %s` (a process manager stopping it) stops it: nothing of it left, its ports closed', async (script, extra, served, ready) => {
    // npm in its own process group, so the check (and the clean-up) sees whatever it leaves behind. Before the
    // scripts exec'd tsx, npm passed the signal to the script's `sh -c`, which died and left the rest running.
    const npm = spawn('npm', ['run', script, ...extra], { cwd: ROOT, detached: true, env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', MOCK_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(npm);
    let out = '';
    npm.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    npm.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
    const alive = () => {
      try {
        return process.kill(-npm.pid!, 0);
      } catch {
        return false;
      }
    };
    try {
      const ports = await until(
        () => {
          const g = served.exec(out);
          const m = /mock Production Stack router\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          return g && m && out.includes(ready) ? [Number(g[1]), Number(m[1])] : undefined;
        },
        () => `npm run ${script} did not start: ${out.slice(-2000)}`,
      );
      npm.kill('SIGTERM');
      await until(() => (alive() ? undefined : true), () => 'still running', 15_000).catch(() => {});
      expect(alive(), `a process of npm run ${script} left`).toBe(false);
      for (const p of ports) expect(await refuses(p), `port ${p}`).toBe(true);
    } finally {
      if (alive()) process.kill(-npm.pid!, 'SIGKILL');
    }
  }, 120_000);

  it.each([
    ['MOCK_PORT', 'the mock Production Stack router'],
    ['PORT', 'the gateway'],
  ])('%s taken: exits 1 with one line naming the port and the variable that picks another', async (variable) => {
    const port = await takenPort();
    const dev = startDev(variable === 'PORT' ? { PORT: String(port), MOCK_PORT: '0' } : { PORT: '0', MOCK_PORT: String(port) });
    const code = await Promise.race([dev.exit, new Promise((r) => setTimeout(() => r('still running'), 60_000))]);
    expect(code, dev.out().slice(-2000)).toBe(1);
    const line = dev.out().split('\n').find((l) => l.startsWith('semroute dev:'));
    expect(line, dev.out().slice(-2000)).toBeDefined();
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(line).toContain('address already in use');
    expect(line).toMatch(new RegExp(`\\b${variable}=`));
  }, 90_000);
});

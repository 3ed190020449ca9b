// vitest globalSetup: a throwaway redis-server on a free loopback port, no persistence. Tests read
// its URL with inject('redisUrl'). Installs Debian's redis-server when missing (CI runs as root).
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisBin: string;
  }
}

function findRedis(): string {
  const which = () => {
    try {
      return execSync('command -v redis-server', { shell: '/bin/sh', encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  let bin = which();
  if (!bin && process.getuid?.() === 0) {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server', { stdio: 'inherit', shell: '/bin/sh' });
    bin = which();
  }
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on `port` and resolves once it accepts connections. */
export async function startRedis(bin: string, port: number): Promise<ChildProcess> {
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out.slice(-500)}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

let child: ChildProcess | undefined;

export default async function setup(project: TestProject): Promise<() => void> {
  const bin = findRedis();
  // Without redis-server only the Redis tests fail (they assert the URL); the rest of the suite runs.
  if (!bin) {
    console.warn('redis-server not found (apt-get install -y redis-server): Redis cache tests will fail');
    project.provide('redisUrl', '');
    project.provide('redisBin', '');
    return () => {};
  }
  const port = await freePort();
  child = await startRedis(bin, port);
  project.provide('redisUrl', `redis://127.0.0.1:${port}`);
  project.provide('redisBin', bin);
  return () => {
    child?.kill('SIGTERM');
  };
}

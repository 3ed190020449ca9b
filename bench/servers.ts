// The benchmarked servers as child processes: each bundled with esbuild and run by plain node (as
// `npm run build` + `npm start` runs semroute), answering {cmd:'usage'} over IPC (child-ipc.ts).
// Shared by bench/run.ts (the interleaved comparison) and bench/profile.ts (one server under load).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
export const root = fileURLToPath(new URL('../', import.meta.url));

export interface Usage {
  cpuUs: number;
  rss: number;
  heapTotal?: number;
  heapUsed?: number;
  external?: number;
  arrayBuffers?: number;
  spaces?: Record<string, number>;
}

export interface Child {
  name: string;
  port: number;
  proc: ChildProcess;
  /** gc: a full collection first (what stays reachable). */
  usage(opts?: { gc?: boolean }): Promise<Usage>;
}

/** The bench's requests: the questions of domain_classify_cases.json as chat bodies for model MoM. */
export function chatBodies(stream: boolean): Buffer[] {
  const cases = JSON.parse(readFileSync(`${root}../shared/vsr-testdata/domain_classify_cases.json`, 'utf8')) as Array<{ question: string }>;
  return cases.map((c) => Buffer.from(JSON.stringify({ model: 'MoM', stream, messages: [{ role: 'user', content: c.question }] })));
}

/** No TypeScript loader in the measured processes (it costs memory and start-up). */
export async function bundle(file: string): Promise<string> {
  const out = `${root}dist/bench/${file.replace(/\.ts$/, '.mjs')}`;
  await build({
    entryPoints: [`${here}${file}`],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['onnxruntime-node', 'ioredis', '@grpc/grpc-js', '@grpc/proto-loader', 'esbuild'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  return out;
}

/**
 * Starts a bench server; `execArgv` passes node flags (e.g. --cpu-prof) to that process only, `env`
 * adds environment variables for it (semroute gets its launchers' MALLOC_ENV, as `npm start` sets them).
 */
export async function start(name: string, file: string, args: string[], execArgv: string[] = [], env: Record<string, string> = {}): Promise<Child> {
  return startBundled(name, await bundle(file), args, execArgv, env);
}

// A bench that throws (process.exit in its catch) must not leave its servers running: they keep their ports
// and load the shared cores for whatever is measured next (a crashed `npm run bench` left three behind).
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill();
});

/** Starts an already bundled server (bench/ab.ts compares a saved bundle with the current tree's). */
export function startBundled(name: string, bundled: string, args: string[], execArgv: string[] = [], env: Record<string, string> = {}): Promise<Child> {
  const proc = fork(bundled, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv, env: { ...process.env, ...env } });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    proc.on('message', function onReady(m: { ready?: number }) {
      if (m?.ready === undefined) return;
      proc.off('message', onReady);
      const usage = (opts: { gc?: boolean } = {}) =>
        new Promise<Usage>((res) => {
          const on = (msg: { usage?: Usage }) => {
            if (!msg?.usage) return;
            proc.off('message', on);
            res(msg.usage);
          };
          proc.on('message', on);
          proc.send({ cmd: 'usage', gc: opts.gc === true });
        });
      resolve({ name, port: m.ready, proc, usage });
    });
  });
}

/** Ends a child and waits for it to exit (a --cpu-prof child writes its profile on the way out). */
export function stop(c: Child): Promise<void> {
  return new Promise((resolve) => {
    c.proc.removeAllListeners('exit');
    if (c.proc.exitCode !== null) return resolve();
    c.proc.once('exit', () => resolve());
    c.proc.kill('SIGINT');
  });
}

/**
 * Where a process's resident memory sits (Linux /proc/PID/smaps): MB per mapping, largest first.
 * V8's heap and large native allocations are anonymous mappings ([anon]); malloc's small ones [heap].
 */
export function rssByMapping(pid: number | undefined, minMb = 1): Array<[string, number]> {
  const smaps = `/proc/${pid}/smaps`;
  if (pid === undefined || !existsSync(smaps)) return [];
  const by = new Map<string, number>();
  let name = '';
  for (const line of readFileSync(smaps, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = (head[1] || '[anon]').replace(/.*\/(node_modules\/)?/, '');
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) by.set(name, (by.get(name) ?? 0) + Number(rss[1]) / 1024);
  }
  return [...by].sort((a, b) => b[1] - a[1]).filter(([, mb]) => mb >= minMb);
}

// `npm run bench -- --help` as a real process: it prints the usage and exits, instead of starting the
// three servers, loading the machine for minutes and rewriting BENCHMARKS.md's gateway section (an
// operator's audit ran it that way and got a new, noisier table in the file). Unknown arguments are a
// usage error too, since the benchmark takes its settings from BENCH_SECONDS / BENCH_ROUNDS only.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(TSX, ['bench/run.ts', ...args], { cwd: ROOT, timeout: 20_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('npm run bench arguments', () => {
  it('--help prints the usage, exits 0 and leaves BENCHMARKS.md alone', async () => {
    const before = readFileSync(BENCHMARKS, 'utf8');
    const r = await bench(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run bench/m);
    expect(r.stdout).toContain('BENCH_SECONDS');
    expect(r.stdout).toContain('BENCH_ROUNDS');
    expect(r.stdout).not.toMatch(/req\/s/);
    expect(readFileSync(BENCHMARKS, 'utf8')).toBe(before);
  }, 30_000);

  it('an unknown argument is a usage error (exit 2), not a benchmark run', async () => {
    const before = readFileSync(BENCHMARKS, 'utf8');
    const r = await bench(['--seconds', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown argument '--seconds'");
    expect(r.stderr).toMatch(/Usage: npm run bench/);
    expect(readFileSync(BENCHMARKS, 'utf8')).toBe(before);
  }, 30_000);
});

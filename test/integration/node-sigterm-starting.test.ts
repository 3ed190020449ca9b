// SIGTERM (a scale-down or a rollout) while the process is still starting: packs loading, nothing
// listening, nothing in flight. It stops at once and exits 0, as a drained process does; before, Node's
// default for the signal ended it (no exit code, signal SIGTERM: 143 for the kubelet, reason Error).
// A real process on the repository's packs (their load is the window), signalled once it logs its
// provider choice, before "semroute listening".
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { processFixture } from './helpers/gateway-process.ts';

const fx = processFixture();

describe('SIGTERM while starting', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s before the server listens: exit 0 at once, with a log line', async (signal) => {
    const { dir, file } = fx.configDir('semroute-term-start-');
    try {
      writeFileSync(
        file,
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${fx.mock().port} }]\n` +
          `packs: { dir: ${join(REPO, 'models')}, extra: [intent] }\nprompt_guard: { enabled: true }\n`,
      );
      const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', file, '--port', '0', '--host', '127.0.0.1', '--device', 'cpu'], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      fx.procs.push(proc);
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
      proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
      const exit = new Promise<{ code: number | null; signal: string | null; at: number }>((r) => proc.once('exit', (code, sig) => r({ code, signal: sig, at: Date.now() })));
      const deadline = Date.now() + 30_000;
      while (!/inference provider selected|model pack loaded/.test(out)) {
        if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`never started loading: ${out.slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(out).not.toMatch(/semroute listening/);
      const sent = Date.now();
      proc.kill(signal);
      const { code, signal: by, at } = await exit;
      expect({ code, by }).toEqual({ code: 0, by: null });
      expect(at - sent).toBeLessThan(3_000);
      expect(out).toMatch(new RegExp(`"signal":"${signal}"[^\\n]*stopped while starting`));
      expect(out).not.toMatch(/semroute listening/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('SIGTERM just after the HTTP port opens, while ext_proc and the metrics port start: a drain and exit 0', async () => {
    // The start-up handlers went before the HTTP listen and the drain's came after the ext_proc and
    // metrics listeners (about 60 ms of proto loading): a SIGTERM there met Node's default (as PID 1
    // in a container: ignored, the pod waited its grace period).
    const { dir, file, base } = fx.configDir('semroute-term-listen-');
    try {
      writeFileSync(file, base);
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', file, '--port', '0', '--host', '127.0.0.1', '--extproc-port', '0', '--metrics-port', '0'],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      fx.procs.push(proc);
      let out = '';
      const exit = new Promise<[number | null, string | null]>((r) => proc.once('exit', (code, sig) => r([code, sig])));
      proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        if (c.includes('"semroute listening"')) proc.kill('SIGTERM');
      });
      expect(await exit, out.slice(-1500)).toEqual([0, null]);
      expect(out).toMatch(/"draining"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

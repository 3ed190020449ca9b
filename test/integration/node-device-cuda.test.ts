// `--device cuda` on a machine without CUDA: startup stops with one clear line naming the provider
// (and how to fall back), exit 1. Before, every pack was reported as a corrupt ONNX model and the
// gateway served on without routing and with the jailbreak guard failing open.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('--device cuda', () => {
  it('without CUDA: exits 1 naming the missing provider, never calling a pack corrupt', async () => {
    const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', '--device', 'cuda', '--port', '0', '--host', '127.0.0.1', '--no-config-watch'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info' } });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((res) => {
      const t = setTimeout(() => proc.kill('SIGKILL'), 60_000);
      proc.on('exit', (c) => { clearTimeout(t); res(c); });
      // A machine with a working CUDA provider serves instead: then that is what it must say.
      proc.stdout.on('data', () => { if (/listening/.test(out)) proc.kill('SIGTERM'); });
    });
    if (/"provider":"cuda"/.test(out)) return; // CUDA present (a GPU machine): nothing to refuse
    expect(code).toBe(1);
    expect(out).toMatch(/semroute: CUDA execution provider unavailable: .*device: auto falls back to the CPU/);
    expect(out).not.toMatch(/corrupt or unsupported ONNX model/);
  }, 90_000);
});

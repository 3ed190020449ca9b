// `npm run train -- --help` as a real process: usage and exit 0. Flags used to be dropped before the
// pack names were read, so `--help` (or any flag) meant "no pack named" and retrained all five packs
// into models/, rewriting every model.onnx and MODEL_CARD.md (operator audit; not run here for that reason).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const PACKS = ['domain', 'intent', 'jailbreak', 'embedding', 'pii'].map((p) => join(ROOT, 'models', p, 'model.onnx'));
const mtimes = () => PACKS.map((f) => statSync(f).mtimeMs);

function train(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(TSX, ['models/train/index.ts', ...args], { cwd: ROOT, timeout: 20_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('npm run train arguments', () => {
  it('--help prints the usage and trains nothing', async () => {
    const before = mtimes();
    const r = await train(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run train/);
    expect(r.stdout).toContain('jailbreak');
    expect(mtimes()).toEqual(before);
  }, 30_000);

  it('an unknown option is a usage error (exit 2), also next to a pack name', async () => {
    const before = mtimes();
    const r = await train(['jailbreak', '--seed', '7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option --seed');
    expect(mtimes()).toEqual(before);
  }, 30_000);
});

// `--check` on a reference-shaped config whose category no label of the category pack reaches (the
// v0.1 spelling `computer_science`; the pack says `computer science`): it said "config OK" and routing
// never picked the category. Now a warning names it. Real process, the bundled packs.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function check(config: string): Promise<{ code: number | null; out: string }> {
  const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', '--config', config, '--check'], { cwd: ROOT });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d));
  proc.stderr.on('data', (d: Buffer) => (out += d));
  return new Promise((res) => proc.on('exit', (code) => res({ code, out })));
}

const BASE =
  'default_model: qwen3\n' +
  'vllm_endpoints: [{ name: e, address: 127.0.0.1, port: 8000 }]\n' +
  'model_config: { qwen3: { reasoning_family: qwen3 } }\n' +
  'reasoning_families: { qwen3: { type: chat_template_kwargs, parameter: enable_thinking } }\n';

describe('--check names categories routing can never select', () => {
  it('computer_science and an mmlu_categories typo are warned of; mapped ones are not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-cats-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      BASE +
        'categories:\n' +
        '  - { name: math, model_scores: [{ model: qwen3, score: 1, use_reasoning: true }] }\n' +
        '  - { name: computer_science, model_scores: [{ model: qwen3, score: 1, use_reasoning: false }] }\n' +
        '  - { name: cs, mmlu_categories: [computer science], model_scores: [{ model: qwen3, score: 1, use_reasoning: false }] }\n' +
        '  - { name: maths, mmlu_categories: [mathematics], model_scores: [{ model: qwen3, score: 1, use_reasoning: false }] }\n',
    );
    const r = await check(file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/config OK \(2 warnings\)/);
    expect(r.out).toMatch(/categories\[1\] \\"computer_science\\": no label of the category pack \\"domain\\"/);
    expect(r.out).toMatch(/categories\[3\] \\"maths\\"/);
    expect(r.out).not.toMatch(/categories\[2\]/);
  }, 60_000);

  it('says nothing with routing off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-cats-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, BASE + 'routing: { enabled: false }\ncategories:\n  - { name: computer_science, model_scores: [{ model: qwen3, score: 1, use_reasoning: false }] }\n');
    expect((await check(file)).out).toBe('config OK\n');
  }, 60_000);
});

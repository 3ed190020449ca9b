// `--check` on observability.tracing.exporter.type: zipkin (issue #3/#4). The schema takes it (the
// reference's config lists it) but this build exports no spans for it: start-up logs "exporter type
// not supported on this build; spans are not exported", while --check said "config OK", so a file
// validated before a rollout left the team without traces. --check now warns as start-up does (exit
// 0, as its other warnings: the file loads). The real --check process, as an operator runs it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain } from './helpers/node-main.ts';

function check(tracing: string): Promise<{ code: number | null; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-check-tracing-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    ['default_model: qwen3', 'vllm_endpoints:', '  - { name: a, address: 127.0.0.1, port: 8000 }', 'routing: { enabled: false }', 'prompt_guard: { enabled: false }', `observability: { tracing: ${tracing} }`, ''].join('\n'),
  );
  return runMain(['--config', config, '--check', '--models-dir', join(ROOT, 'models')]);
}

describe('--check: a tracing exporter this build does not export to', () => {
  it('zipkin, tracing on: warned as start-up warns (spans are not exported)', async () => {
    const r = await check('{ enabled: true, exporter: { type: zipkin, endpoint: "zipkin:9411" } }');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/config OK \(1 warning\)/);
    expect(r.out).toMatch(/"warning":"observability\.tracing\.exporter\.type: zipkin[^"]*spans are not exported/);
  }, 60_000);

  it('zipkin with tracing off, and otlp on: no warning', async () => {
    const [off, otlp] = await Promise.all([
      check('{ enabled: false, exporter: { type: zipkin } }'),
      check('{ enabled: true, exporter: { type: otlp, endpoint: "localhost:4318" } }'),
    ]);
    for (const r of [off, otlp]) {
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/config OK\n/);
      expect(r.out).not.toMatch(/exporter/);
    }
  }, 60_000);
});

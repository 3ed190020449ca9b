// A config the process refuses at start-up (or `--check` refuses) is reported by file, key path,
// line and what is wrong, never by its text: a YAML error's excerpt or a value the schema "received"
// may be a secret (an OTLP bearer token, a Redis URL's password), and a pod's stderr goes to the log
// pipeline, once per crash-loop restart. A refused reload already logged it so (safeIssues).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';

const SECRET = 'sk-live-5ecret-7a1c9';

function run(yaml: string, extra: string[] = []): Promise<{ code: number | null; out: string; file: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'semroute-cfg-err-')), 'config.yaml');
  writeFileSync(file, yaml);
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', file, '--port', '0', ...extra], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  return new Promise((r) => proc.once('exit', (code) => r({ code, out, file })));
}

const ENDPOINT = 'vllm_endpoints: [{ name: a, address: 127.0.0.1, port: 1 }]\n';

describe('a refused config names where it is wrong, never its text', () => {
  // Was a leak: the YAML error's excerpt (the offending lines, token and all) and zod's
  // "received 'sk-...'" were printed to stderr at start-up.
  it.each([[[]], [['--check']]])('YAML syntax error %j: file, line and column, no excerpt', async (extra) => {
    const { code, out, file } = await run(`default_model: qwen3\nobservability:\n  tracing:\n    exporter:\n      headers: { authorization: "Bearer ${SECRET}"\n${ENDPOINT}`, extra);
    expect(code).toBe(1);
    expect(out).toContain(`${file}: YAML syntax error`);
    expect(out).toMatch(/at line \d+, column \d+/);
    expect(out).not.toContain(SECRET);
  }, 30_000);

  it.each([[[]], [['--check']]])('values in the wrong place %j: key paths and what is expected, no value', async (extra) => {
    const { code, out } = await run(
      `default_model: qwen3\n${ENDPOINT}observability: { tracing: { exporter: { type: "${SECRET}", headers: "Bearer ${SECRET}" } } }\n` +
        `semantic_cache: { redis: { url: "redis://:${SECRET}@cache:6379", key_prefix: 5 } }\n`,
      extra,
    );
    expect(code).toBe(1);
    expect(out).toContain('is invalid');
    expect(out).toContain('observability.tracing.exporter.type');
    expect(out).toContain('observability.tracing.exporter.headers');
    expect(out).toContain('semantic_cache.redis.key_prefix');
    expect(out).not.toContain(SECRET);
  }, 30_000);
});

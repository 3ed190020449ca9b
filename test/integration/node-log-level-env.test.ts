// LOG_LEVEL (README "Observability": it overrides observability.logging.level) as operators write it in
// a Deployment's env: `warning` (Python's and many charts' spelling) and upper case are read as the
// level they name; anything else is a one-line error naming the variable and the levels, exit 1.
// Before: `LOG_LEVEL=verbose` or `warning` ended start-up with pino's stack trace
// ("default level:verbose must be included in custom levels"), a crash loop with no key named.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
// A config with one warning (an unknown key): printed at warn, not at error.
const CONFIG = join(mkdtempSync(join(tmpdir(), 'semroute-log-level-')), 'config.yaml');
writeFileSync(CONFIG, 'default_model: qwen3\nvllm_endpoints: [{ name: e, address: 127.0.0.1, port: 8000 }]\nrouting: { enabled: false }\nfoo: 1\n');

function check(level: string): Promise<{ code: number | null; out: string }> {
  const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', '--config', CONFIG, '--check'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: level } });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d));
  proc.stderr.on('data', (d: Buffer) => (out += d));
  return new Promise((res) => proc.on('exit', (code) => res({ code, out })));
}

describe('LOG_LEVEL', () => {
  it('an unknown level: exit 1, one line naming LOG_LEVEL and the levels, no stack trace', async () => {
    const { code, out } = await check('verbose');
    expect(code).toBe(1);
    expect(out).toBe('semroute: LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent (or warning), got "verbose"\n');
  }, 30_000);

  it.each(['warning', 'WARN', ' Warn '])('"%s" is the warn level', async (level) => {
    const { code, out } = await check(level);
    expect(code).toBe(0);
    expect(out).toMatch(/config OK/);
    expect(out).toMatch(/"level":"warn"[^\n]*foo: unknown key/);
  }, 30_000);

  it('"error" leaves the warning out', async () => {
    const { code, out } = await check('error');
    expect(code).toBe(0);
    expect(out).not.toMatch(/unknown key/);
  }, 30_000);
});

// `--check` (README "Running it for real", k8s/README step 2: validate a config before applying it)
// against what makes `npm start` refuse the same file: an https endpoint's `tls.ca_file` that cannot
// be read or holds no certificate, a `semantic_cache.redis.url_env` variable that is not set. Before,
// `--check` said "config OK" and the pod then exited 1 at start-up (CrashLoopBackOff). Warnings, not
// failures, as for a missing packs folder: the CA file and the Secret's variable exist in the pod, not
// necessarily where the check runs. Two listeners on one port are the file's own error: --check fails on
// them as start-up does (it said "config OK").
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain as run } from './helpers/node-main.ts';

describe('--check and what start-up refuses', () => {
  it('warns about an unreadable tls.ca_file and an unset redis url_env, which stop npm start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-check-startup-'));
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'no certificate here\n');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'default_model: qwen3',
        'vllm_endpoints:',
        `  - { name: a, address: 127.0.0.1, port: 1, scheme: https, tls: { ca_file: ${join(dir, 'missing.pem')} } }`,
        `  - { name: b, address: 127.0.0.1, port: 2, scheme: https, tls: { ca_file: ${notPem} } }`,
        'routing: { enabled: false }',
        'prompt_guard: { enabled: false }',
        'semantic_cache: { enabled: true, backend_type: redis, redis: { url_env: SEMROUTE_TEST_UNSET_REDIS } }',
        '',
      ].join('\n'),
    );
    const env = { SEMROUTE_TEST_UNSET_REDIS: '' };
    const checked = await run(['--config', config, '--check', '--models-dir', join(ROOT, 'models')], env);
    expect(checked.code).toBe(0);
    expect(checked.out).toMatch(/config OK \(3 warnings\)/);
    expect(checked.out).toMatch(/"warning":"vllm_endpoints\[0\]\.tls\.ca_file: cannot read [^"]*missing\.pem \(ENOENT\)[^"]*would not start/);
    expect(checked.out).toMatch(/"warning":"vllm_endpoints\[1\]\.tls\.ca_file: [^"]*not\.pem holds no PEM certificate[^"]*would not start/);
    expect(checked.out).toMatch(/"warning":"semantic_cache\.redis\.url_env: the environment variable SEMROUTE_TEST_UNSET_REDIS is not set[^"]*would not start/);

    // What the warnings stand for: the same file stops start-up, naming the first key.
    const started = await run(['--config', config, '--port', '0', '--models-dir', join(ROOT, 'models')], env);
    expect(started.code).toBe(1);
    expect(started.out).toMatch(/vllm_endpoints\[0\]\.tls\.ca_file: cannot read/);
  }, 90_000);

  it('refuses two listeners on one port as start-up does (exit 1 naming the keys)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-check-ports-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      'default_model: qwen3\nvllm_endpoints: [{ name: a, address: 127.0.0.1, port: 1 }]\nrouting: { enabled: false }\nprompt_guard: { enabled: false }\nobservability: { metrics: { port: 8801 } }\n',
    );
    const checked = await run(['--config', config, '--check']);
    expect(checked.code).toBe(1);
    expect(checked.out).toMatch(/observability\.metrics\.port \/ --metrics-port: 8801 is also the HTTP port/);
    expect(checked.out).not.toMatch(/config OK/);
  }, 60_000);

  it('warns about an empty vllm_endpoints: the server would start unready (503) and answer 502 no_endpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-check-noep-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'default_model: qwen3\nvllm_endpoints: []\nrouting: { enabled: false }\nprompt_guard: { enabled: false }\n');
    const checked = await run(['--config', config, '--check']);
    expect(checked.code).toBe(0);
    expect(checked.out).toMatch(/config OK \(1 warning\)/);
    expect(checked.out).toMatch(/"warning":"vllm_endpoints: empty[^"]*\/ready answers 503[^"]*"/);
  }, 60_000);
});

// Settings a config moved from a Node pod may carry that a Worker cannot honour: no OpenTelemetry
// exporter (tracing), no Envoy ext_proc gRPC port, no second port for /metrics, no CUDA. The Worker
// used to ignore them silently (an operator saw no traces and no reason); it now says so once per
// config, at start-up, as it does for a Redis cache backend, and serves as before.
import { env, createExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

const base = env as unknown as WorkerEnv;

/** The warnings logged while a fresh app for `yaml` starts and answers /health. */
async function startWarnings(yaml: string): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const spy = vi.spyOn(console, 'warn').mockImplementation((l: unknown) => void lines.push(JSON.parse(String(l)) as Record<string, unknown>));
  try {
    const res = await worker.fetch(new Request('https://semroute.test/health'), { ...base, SEMROUTE_CONFIG: yaml }, createExecutionContext());
    expect(res.status).toBe(200);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('settings a Worker cannot honour', () => {
  it('tracing, ext_proc, a metrics port, device cuda and an endpoint\'s tls: one warning each at start-up, naming the setting', async () => {
    const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, any>;
    doc.observability.tracing.enabled = true;
    doc.observability.metrics.port = 9190;
    doc.extproc.enabled = true;
    doc.device = 'cuda';
    doc.vllm_endpoints[0] = { ...doc.vllm_endpoints[0], scheme: 'https', tls: { insecure_skip_verify: true } };
    const lines = await startWarnings(`${stringifyYaml(doc)}\n# config-limits: all\n`);
    const said = lines.filter((l) => l.msg === 'config setting has no effect on the Worker').map((l) => l.setting);
    expect(said.sort()).toEqual(['device', 'extproc.enabled', 'observability.metrics.port', 'observability.tracing.enabled', 'vllm_endpoints[0].tls']);
    for (const l of lines) if (l.setting) expect(String(l.why)).not.toBe('');
  });

  it('the default config: no such warning', async () => {
    const lines = await startWarnings(`${DEFAULT_CONFIG_YAML}\n# config-limits: none\n`);
    expect(lines.filter((l) => l.msg === 'config setting has no effect on the Worker')).toEqual([]);
  });
});

// The kubelet's probes while the event loop is busy classifying: /health and /ready must answer
// within the probes' timeoutSeconds in k8s/base (2 s), or a loaded pod is restarted (liveness) or taken
// out of the Service (readiness) exactly when it is needed. A real process on the repository's packs
// (routing, the jailbreak guard, PII), 32 concurrent chat requests with long prompts and 100-text
// /classify/batch requests, probes every 100 ms. Measured by hand on the 2-core box: max 204 ms.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

/** The readiness and liveness probes' timeoutSeconds in k8s/base/deployment.yaml. */
function probeTimeoutMs(): number {
  const dep = parseAllDocuments(readFileSync(join(REPO, 'k8s/base/deployment.yaml'), 'utf8'))[0]!.toJS();
  const c = dep.spec.template.spec.containers.find((x: { name: string }) => x.name === 'semroute');
  return Math.min(c.livenessProbe.timeoutSeconds, c.readinessProbe.timeoutSeconds) * 1000;
}

describe('probes under load', () => {
  it('/health and /ready answer well within the probes\' timeout while chat and batch classification saturate the CPU', async () => {
    const limit = probeTimeoutMs();
    expect(limit).toBe(2000);
    const { dir, file } = fx.configDir('semroute-probes-load-');
    try {
      writeFileSync(
        file,
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${fx.mock().port} }]\n` +
          `packs: { dir: ${join(REPO, 'models')} }\nprompt_guard: { enabled: true }\n` +
          `model_config: { qwen3: { pii_policy: { allow_by_default: false } } }\n` +
          `categories: [{ name: math, model_scores: [{ model: qwen3, score: 1, use_reasoning: false }] }]\n`,
      );
      const gw = await startGatewayProcess(file, [], fx.procs);
      // 4 s of load, and on a slow (loaded) machine until more than one round of the 32 chat requests
      // is done (at most 20 s): a fixed 4 s served only the first round on a loaded 2-core box
      // ('expected 32 to be greater than 32'), so the load's check failed, not the probes'.
      const end = Date.now() + 4_000;
      const hardEnd = Date.now() + 20_000;
      let served = 0;
      const loading = () => Date.now() < hardEnd && (Date.now() < end || served <= 32);
      const chat = async (i: number) => {
        while (loading()) {
          const content = `Question ${i}-${served}: ${'explain the derivative of a polynomial and its history in detail '.repeat(40)}`;
          const r = await fetch(`${gw.base}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content }] }),
          });
          await r.text();
          served++;
        }
      };
      const batch = async () => {
        while (loading()) {
          const texts = Array.from({ length: 100 }, (_, j) => `Text ${j}: ${'supply and demand in a market economy '.repeat(20)}`);
          const r = await fetch(`${gw.base}/api/v1/classify/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts, task_type: 'pii' }) });
          await r.text();
        }
      };
      const worst: Record<string, number> = { '/health': 0, '/ready': 0 };
      const probe = async (path: string) => {
        while (loading()) {
          const t = performance.now();
          const r = await fetch(`${gw.base}${path}`, { signal: AbortSignal.timeout(limit) });
          expect(r.status, path).toBe(200);
          await r.text();
          worst[path] = Math.max(worst[path]!, performance.now() - t);
          await new Promise((res) => setTimeout(res, 100));
        }
      };
      await Promise.all([...Array.from({ length: 32 }, (_, i) => chat(i)), batch(), batch(), probe('/health'), probe('/ready')]);
      expect(served).toBeGreaterThan(32);
      // Half the probes' timeout: room for a slower box, far above what a yielding loop shows.
      for (const [path, ms] of Object.entries(worst)) expect(ms, path).toBeLessThan(limit / 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

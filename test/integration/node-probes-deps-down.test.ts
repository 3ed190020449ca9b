// The probes while what semroute talks to is down (README "HTTP surface", k8s/README.md
// "Troubleshooting"): /health and /ready answer 200 when Redis or every upstream refuses. Every pod
// shares the one upstream (the Production Stack router Service) and the one Redis: a readiness that
// followed them would empty the Service at once, and clients would meet refused connections instead
// of the OpenAI-shaped 502 upstream_unavailable, while the cache serves local-only (fail-open).
// A real process, a refused Redis port and a refused upstream port.
import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';
import { refusedPort } from './helpers/refused-port.ts';

const fx = processFixture();

describe('probes with Redis and the upstream down', () => {
  it('/health and /ready stay 200 and quick; chat answers 502 upstream_unavailable; the log and llm_cache_backend_errors_total tell the Redis outage', async () => {
    const { dir, file } = fx.configDir('semroute-probes-down-');
    const [redisPort, upstreamPort] = [await refusedPort(), await refusedPort()];
    try {
      writeFileSync(
        file,
        `default_model: qwen3\nvllm_endpoints: [{ name: gone, address: 127.0.0.1, port: ${upstreamPort} }]\n` +
          `routing: { enabled: false }\npacks: { dir: ${dir}/packs }\n` +
          `semantic_cache: { enabled: true, backend_type: redis, redis: { url: "redis://127.0.0.1:${redisPort}", connect_timeout_ms: 300 } }\n`,
      );
      const gw = await startGatewayProcess(file, [], fx.procs);
      await gw.waitFor(/Redis unreachable at start; serving local-only/);
      for (const path of ['/health', '/ready']) {
        const started = performance.now();
        const res = await fetch(`${gw.base}${path}`);
        expect(res.status, path).toBe(200);
        expect(await res.json()).toMatchObject({ status: path === '/ready' ? 'ready' : 'healthy' });
        expect(performance.now() - started, path).toBeLessThan(1000);
      }
      const chat = await fetch(`${gw.base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hello' }] }),
      });
      expect(chat.status).toBe(502);
      expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
      expect((await fetch(`${gw.base}/ready`)).status).toBe(200);
      // What tells the operator instead: the cache backend's error counter.
      const metrics = await (await fetch(`${gw.base}/metrics`)).text();
      expect(metrics).toMatch(/^llm_cache_backend_errors_total\{[^}]*operation="connection"[^}]*\} [1-9]/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

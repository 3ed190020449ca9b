// A config reload changes server.passthrough_paths for new requests: a real process, SIGHUP, the mock
// Production Stack as the upstream. An operator who closes a path (or opens one) must not need a restart.
import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

const post = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as Record<string, any>,
  }));

describe('config reload and server.passthrough_paths', () => {
  it('a path added by a reload is passed through, a path removed answers 404 unknown_url', async () => {
    const { dir, file, base } = fx.configDir('semroute-reload-pt-');
    const text = (paths: string[]) => `${base}prompt_guard: { enabled: false }\nserver: { passthrough_paths: ${JSON.stringify(paths)} }\n`;
    try {
      writeFileSync(file, text(['/v1/completions']));
      const gw = await startGatewayProcess(file, [], fx.procs);
      const emb = { model: 'qwen3', input: 'hello' };
      const comp = { model: 'qwen3', prompt: 'hello' };
      expect((await post(gw.base, '/v1/embeddings', emb)).json.error?.code).toBe('unknown_url');
      expect((await post(gw.base, '/v1/completions', comp)).status).toBe(200);

      writeFileSync(file, text(['/v1/embeddings']));
      gw.proc.kill('SIGHUP');
      await gw.waitFor(/[^\n]*"config reloaded"[^\n]*/);
      const e = await post(gw.base, '/v1/embeddings', emb);
      expect(e.status).toBe(200);
      expect(e.json.data[0].embedding.length).toBeGreaterThan(0);
      const c = await post(gw.base, '/v1/completions', comp);
      expect(c.status).toBe(404);
      expect(c.json.error?.code).toBe('unknown_url');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// A pack missing at start-up (the gateway starts, /ready answers 503 with the reason: README "Running it
// for real") is loaded by a reload once it is there: SIGHUP after the models arrive (a volume mounted
// late, a copy that finished) makes the pod ready without a restart; while it is still missing, a
// reload is not refused for it (as at start-up). Before, the reload saw the same packs settings,
// reused the start-up load that had left the pack out, and /ready stayed 503.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

describe('a pack missing at start-up', () => {
  it('is loaded by a SIGHUP once it is in the packs folder: /ready turns 200 and auto requests are classified', async () => {
    const { dir, file } = fx.configDir('semroute-late-pack-');
    const packs = join(dir, 'packs');
    try {
      writeFileSync(
        file,
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${fx.mock().port} }]\n` +
          `packs: { dir: ${packs} }\nprompt_guard: { enabled: false }\n` +
          `categories: [{ name: math, model_scores: [{ model: deepseek-v3, score: 1, use_reasoning: false }] }]\n` +
          `model_config: { deepseek-v3: {} }\n`,
      );
      const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
      const ready = await fetch(`${gw.base}/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { problems: string[] }).problems).toContain('category pack "domain" is not loaded');

      // Still missing: a reload (here of a changed default_model) is not refused for it; still 503.
      writeFileSync(file, readFileSync(file, 'utf8').replace('default_model: qwen3', 'default_model: deepseek-v3'));
      gw.proc.kill('SIGHUP');
      await gw.waitFor(/[^\n]*"config reloaded"[^\n]*/);
      expect(gw.out()).not.toMatch(/config reload failed/);
      expect((await fetch(`${gw.base}/ready`)).status).toBe(503);

      cpSync(join(REPO, 'models/domain'), join(packs, 'domain'), { recursive: true });
      gw.proc.kill('SIGHUP');
      const line = (await gw.waitFor(/(?:[^\n]*"config reloaded"[^\n]*\n[^]*){2}/)).trimEnd().split('\n').filter((l) => l.includes('"config reloaded"')).at(-1)!;
      expect(JSON.parse(line).reused).not.toContain('classifiers');
      expect((await fetch(`${gw.base}/ready`)).status).toBe(200);
      const res = await fetch(`${gw.base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'What is the derivative of x^3 + 2x?' }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
      expect(res.headers.get('x-vsr-selected-category')).toBe('math');
      expect(res.headers.get('x-vsr-selected-model')).toBe('deepseek-v3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

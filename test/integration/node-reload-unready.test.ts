// A reload is refused when the new file could not serve at all: `vllm_endpoints: []` (or the list
// left out) turns /ready 503, and a ConfigMap change reaches every pod at about the same time, so
// every pod left the Service at once: an outage from one edit. At start-up such a file only keeps
// the new pod unready (the rollout stops); on a reload the running config stays, as for a pack that
// fails to load. A real process, SIGHUP.
import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

describe('a reload that would leave nothing to serve', () => {
  it('vllm_endpoints emptied: refused with the reason, /ready stays 200 and chat is still forwarded', async () => {
    const { dir, file, base } = fx.configDir('semroute-reload-unready-');
    try {
      writeFileSync(file, base);
      const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
      writeFileSync(file, base.replace(/vllm_endpoints: \[[^\n]*\]/, 'vllm_endpoints: []'));
      gw.proc.kill('SIGHUP');
      const line = JSON.parse(await gw.waitFor(/[^\n]*config reload failed[^\n]*/));
      expect(line.issues.join()).toMatch(/vllm_endpoints: empty/);
      expect((await fetch(`${gw.base}/ready`)).status).toBe(200);
      const r = await fetch(`${gw.base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hello' }] }),
      });
      expect(r.status).toBe(200);
      await r.text();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// observability.metrics.max_series_per_metric on a config reload. It was restart-only (the registry
// took it when built): an operator whose dashboards showed model="other" after adding models raised
// the cap in the ConfigMap and got "these settings need a restart". A reload now sets the running
// registry's cap: raised, new label sets get their own series again; lowered, the series already
// there stay (counters never reset) and new ones past the cap go to "other". A real process, SIGHUP.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, START_BUDGET_MS, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

/** The mock's other models, named in model_config so their label is kept (else "other" whatever the cap). */
const yaml = (base: string, cap: number) =>
  base + `model_config: { deepseek-v3: {}, gpt-oss-20b: {}, Model-A: {}, Model-B: {} }\nobservability: { metrics: { max_series_per_metric: ${cap} } }\n`;

const models = async (base: string) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('llm_model_requests_total{'))
    .map((l) => /model="([^"]*)"/.exec(l)![1])
    .sort();
};

describe('max_series_per_metric and a config reload', () => {
  it('a raised cap gives new label sets their own series, a lowered one sends new ones to "other"; no restart asked for', async () => {
    const { file, base } = fx.configDir('semroute-series-cap-');
    writeFileSync(file, yaml(base, 2));
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    const chat = async (model: string) => {
      const res = await fetch(`${gw.base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
    };
    await chat('qwen3');
    await chat('deepseek-v3');
    await chat('gpt-oss-20b');
    expect(await models(gw.base)).toEqual(['deepseek-v3', 'other', 'qwen3']);

    writeFileSync(file, yaml(base, 10));
    gw.proc.kill('SIGHUP');
    await gw.waitFor(/"config reloaded"/);
    await chat('Model-A');
    expect(await models(gw.base)).toEqual(['Model-A', 'deepseek-v3', 'other', 'qwen3']);

    writeFileSync(file, yaml(base, 3));
    gw.proc.kill('SIGHUP');
    await gw.waitFor(/"config reloaded"[\s\S]*"config reloaded"/);
    await chat('Model-B');
    await chat('qwen3');
    expect(await models(gw.base)).toEqual(['Model-A', 'deepseek-v3', 'other', 'qwen3']);
    const text = await (await fetch(`${gw.base}/metrics`)).text();
    expect(text).toContain('llm_model_requests_total{model="qwen3"} 2');
    expect(text).toContain('llm_model_requests_total{model="other"} 2');
    expect(gw.out()).not.toContain('need a restart');
  }, START_BUDGET_MS + 20_000);
});

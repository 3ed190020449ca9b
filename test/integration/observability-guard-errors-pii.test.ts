// llm_guard_errors_total{guard,why,action} counts the guard scans that could not run, and the
// SemrouteGuardUnavailable alert reads it "by guard". The PII detector is one of those guards: with no
// PII pack loaded, a request to a model whose pii_policy restricts is refused 503 pii_unavailable, and
// only the jailbreak guard's failures were counted there, so the alert never named the PII guard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;
let gw: Gateway;
let reached = 0;

beforeAll(async () => {
  // qwen3 may not receive personal data; no classifiers, so no PII pack is loaded.
  up = await startScriptedUpstream({}, { config: { model_config: { qwen3: { pii_policy: { allow_by_default: false, pii_types_allowed: [] } } } } });
  up.handler = (_req, res) => {
    reached++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  };
  gw = up.gw;
});
afterAll(async () => {
  await up?.close();
});

const guardErrors = async () => {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return Number(/^llm_guard_errors_total\{guard="pii",why="pack_missing",action="block"\} (\S+)$/m.exec(text)?.[1] ?? 0);
};

describe('a PII detector that cannot run is counted in llm_guard_errors_total', () => {
  it('chat: 503 pii_unavailable, counted under guard="pii"', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const err = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('pii_detector_unavailable');
    expect(await guardErrors()).toBe(1);
  });

  it('/v1/completions: the same refusal, counted the same way', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const err = await client.completions.create({ model: 'qwen3', prompt: 'hi' }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(await guardErrors()).toBe(2);
    expect(reached).toBe(0);
  });
});

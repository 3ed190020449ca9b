// The stream tests' rig: a gateway with the real packs in front of a raw SSE upstream (exact bytes,
// chosen endings; raw-sse-upstream.ts), model A under a PII redact-and-restore policy (qwen3 under
// none), and the openai SDK as the client; plus the chunk builders their scripts are written with.
import { afterAll, beforeAll } from 'vitest';
import OpenAI from 'openai';
import { realClassifiers, startGateway, testConfig, type Gateway } from '../gateway-harness.ts';
import { startRawSseUpstream, type RawUpstream } from './raw-sse-upstream.ts';

export interface RawSseRig {
  up: RawUpstream;
  gw: Gateway;
  client: OpenAI;
}

/**
 * Starts the rig before the file's tests (`config`: more top-level keys, e.g. upstream timeouts) and
 * closes it after them; `ready` hands the parts to the file once they run.
 */
export function useRawSseGateway(config: Record<string, unknown>, ready: (rig: RawSseRig) => void): void {
  let rig: Partial<RawSseRig> = {};
  beforeAll(async () => {
    const up = await startRawSseUpstream();
    rig.up = up;
    const gw = await startGateway({
      classifiers: await realClassifiers(),
      config: () =>
        testConfig(
          { ...config, model_config: { A: { pii_policy: { allow_by_default: false, action: 'redact', restore: true } } } },
          [{ name: 'production-stack', address: '127.0.0.1', port: up.port, weight: 1 }],
        ),
    });
    rig.gw = gw;
    ready({ up, gw, client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 }) });
  }, 120_000);
  afterAll(async () => {
    await rig.gw?.close();
    await rig.up?.close();
    rig = {};
  });
}

export const chunk = (o: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', ...o })}\n\n`;
export const ev = (content: string, finish: string | null = null) => chunk({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
export const USAGE = chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
/** An e-mail address: model A forwards it masked and restores it in the answer. */
export const PROMPT = 'Mail jane.doe@example.com please.';

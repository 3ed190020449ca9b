// src/pipeline/rewrite.ts, mutation audit 3: what the forwarded body and the decision headers hold in
// the corners no other test reached. Real sockets: the openai SDK -> gateway -> recording upstream; a
// fixed "classifier" picks the category, so the routed model and its family are known.
import { afterAll, beforeAll, expect, it } from 'vitest';
import OpenAI from 'openai';
import { EMPTY_CLASSIFIERS, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { startRecordingUpstream, type RecordingUpstream } from './helpers/recording-upstream.ts';
import type { Classifiers, ClassResult, SequenceClassifier } from '../../src/classify/types.ts';

/** A domain "classifier" that always answers `label` with full confidence (entropy very low). */
function fixedClassifier(label: string): Classifiers {
  const labels = [label, 'other'];
  const probabilities = Float32Array.from([0.999, 0.001]);
  const domain: SequenceClassifier = {
    name: 'domain',
    labels,
    threshold: 0.5,
    async classify(): Promise<ClassResult> {
      return { label, index: 0, confidence: 0.999, probabilities, truncated: false };
    },
  };
  return { ...EMPTY_CLASSIFIERS, sequence: (name) => (name === 'domain' ? domain : undefined) };
}

let up: RecordingUpstream;
let gw: Gateway;
let client: OpenAI;
beforeAll(async () => {
  up = await startRecordingUpstream();
  gw = await startGateway({
    classifiers: fixedClassifier('think'),
    config: () =>
      testConfig(
        {
          reasoning_families: { qwen3: { type: 'chat_template_kwargs', parameter: 'enable_thinking' } },
          model_config: { qwen3: { reasoning_family: 'qwen3', pii_policy: { allow_by_default: true } } },
          categories: [{ name: 'think', model_scores: [{ model: 'qwen3', score: 1, use_reasoning: true }] }],
        },
        [{ name: 'production-stack', address: '127.0.0.1', port: up.port }],
      ),
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

const ask = (body: Record<string, unknown>) => client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], ...body } as never).withResponse();

it('a chat_template_kwargs that is an array is replaced by an object holding the family switch only', async () => {
  // vLLM reads chat_template_kwargs as a dict: spreading the array kept its indexes as keys ({"0": "x", ...}).
  const { response } = await ask({ model: 'MoM', chat_template_kwargs: ['x', 'y'] });
  expect(response.status).toBe(200);
  expect(up.bodies.at(-1)!.chat_template_kwargs).toEqual({ enable_thinking: true });
  expect(response.headers.get('x-vsr-selected-reasoning')).toBe('on');
});

it('x-vsr-selected-model carries a model name up to 1024 characters; one longer is left out', async () => {
  const at = await ask({ model: 'm'.repeat(1024) });
  expect(at.response.status).toBe(200);
  expect(at.response.headers.get('x-vsr-selected-model')).toBe('m'.repeat(1024));
  const over = await ask({ model: 'm'.repeat(1025) });
  expect(over.response.status).toBe(200);
  expect(over.response.headers.get('x-vsr-selected-model')).toBeNull();
});

it('reasoning off, dotted effort family: the client effort at the family path is sent back, not its top-level reasoning_effort', async () => {
  const g = await startGateway({
    classifiers: fixedClassifier('plain'),
    config: () =>
      testConfig(
        {
          reasoning_families: { responses: { type: 'reasoning_effort', parameter: 'reasoning.effort' } },
          model_config: { oss: { reasoning_family: 'responses', pii_policy: { allow_by_default: true } } },
          categories: [{ name: 'plain', model_scores: [{ model: 'oss', score: 1, use_reasoning: false }] }],
        },
        [{ name: 'production-stack', address: '127.0.0.1', port: up.port }],
      ),
  });
  try {
    const sdk = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const body = { model: 'MoM', messages: [{ role: 'user', content: 'hi' }], reasoning: { effort: 'high' }, reasoning_effort: 'minimal' };
    const { response } = await sdk.chat.completions.create(body as never).withResponse();
    expect(response.status).toBe(200);
    const sent = up.bodies.at(-1)!;
    expect(sent.model).toBe('oss');
    // The family's place wins; the top-level field is always removed, so the upstream gets one effort.
    expect(sent.reasoning).toEqual({ effort: 'high' });
    expect(sent).not.toHaveProperty('reasoning_effort');
  } finally {
    await g.close();
  }
});

// The jailbreak guard reads every text part the upstream will read. vLLM's chat parser takes the text
// of `input_text` and `output_text` parts as it does `text` (MM_PARSER_MAP in
// vllm/entrypoints/chat_utils.py), and the PII redaction already masks any part with a string `text`;
// the guard must not be the one reader that skips them.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClassifiers, SHARED, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { postChat } from './helpers/echo-gateway.ts';

const DAN: string = JSON.parse(readFileSync(`${SHARED}vsr-testdata/jailbreak_detection_cases.json`, 'utf8'))[0].question;
let gw: Gateway;
const chat = (content: unknown) =>
  postChat(gw, { model: 'qwen3', messages: [{ role: 'user', content }] }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));

beforeAll(async () => {
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: (port) => testConfig({ prompt_guard: { enabled: true, threshold: 0.7 } }, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]),
  });
}, 120_000);
afterAll(() => gw?.close());

describe('jailbreak guard over content parts', () => {
  it('blocks the injection as a string and as a text part (the baseline)', async () => {
    expect((await chat(DAN)).headers.get('x-vsr-jailbreak-blocked')).toBe('true');
    expect((await chat([{ type: 'text', text: DAN }])).headers.get('x-vsr-jailbreak-blocked')).toBe('true');
  });

  it('blocks it in an input_text or output_text part', async () => {
    for (const type of ['input_text', 'output_text']) {
      const r = await chat([{ type: 'text', text: 'Hello.' }, { type, text: DAN }]);
      expect(r.headers.get('x-vsr-jailbreak-blocked'), type).toBe('true');
    }
  });
});

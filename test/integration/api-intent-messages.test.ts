// /api/v1/classify/intent with chat `messages`, read as the reference's newer API reads them
// (src/semantic-router/pkg/services/intent_request_messages.go, resolveSignalInput): when the request
// has messages, their last user text is what is classified, and `text` only fills in when the messages
// hold no text; roles are compared trimmed and lower-cased, and content parts typed text, input_text or
// untyped are text. Real packs, real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, realClassifiers, startGateway, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ classifiers: await realClassifiers() });
});
afterAll(() => gw?.close());

const MATH = 'What is the derivative of x^2 with respect to x?';
const HISTORY = 'What were the main causes of the fall of the Roman empire?';
const intent = async (body: unknown) => {
  const r = await postJson(gw.url, '/api/v1/classify/intent', body);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.classification as { category: string; confidence: number };
};

describe('/classify/intent with both text and messages', () => {
  it('classifies the messages\' last user text, not text', async () => {
    const math = await intent({ text: MATH });
    const history = await intent({ text: HISTORY });
    // The two texts must be told apart for the check below to say anything.
    expect(math.category).not.toBe(history.category);
    const both = await intent({ text: MATH, messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: HISTORY }] });
    expect(both).toMatchObject({ category: history.category, confidence: history.confidence });
  });

  it('text fills in when the messages hold no text (an image-only user turn)', async () => {
    const math = await intent({ text: MATH });
    const image = [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }];
    const r = await intent({ text: MATH, messages: [{ role: 'user', content: image }] });
    expect(r).toMatchObject({ category: math.category, confidence: math.confidence });
  });

  it('roles in any case and input_text / untyped parts are read as the reference reads them', async () => {
    const history = await intent({ text: HISTORY });
    for (const content of [HISTORY, [{ type: 'input_text', text: HISTORY }], [{ text: HISTORY }], [{ type: 'Text', text: HISTORY }]]) {
      const r = await intent({ messages: [{ role: ' User ', content }] });
      expect(r).toMatchObject({ category: history.category, confidence: history.confidence });
    }
  });
});

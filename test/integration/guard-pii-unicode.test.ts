// The PII scan reads personal data the way the model does. "jane\u200B.doe@example.com" (zero-width
// space), fullwidth "ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ" or a phone number with word joiners between
// the digits are the plain value to a model, but the detector saw no address or number, so a model
// whose pii_policy masks them received them. The scan now reads a folded copy and maps what it finds
// back to the text as sent, so the placeholder covers the whole disguised value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from './gateway-harness.ts';
import type { EchoServer } from './guard-echo-upstream.ts';
import { postChat, startEchoGateway } from './helpers/echo-gateway.ts';
import { foldWithOffsets } from '../../src/guard/normalize.ts';

let gw: Gateway;
let echo: EchoServer;
let close: () => Promise<void>;
const chat = (content: string) =>
  postChat(gw, { model: 'qwen3', messages: [{ role: 'user', content }] }).then(async (r) => ({ status: r.status, headers: r.headers, json: (await r.json()) as Record<string, any> }));

beforeAll(async () => {
  ({ gw, echo, close } = await startEchoGateway({ model_config: { qwen3: { pii_policy: { allow_by_default: false, action: 'redact', restore: true } } } }));
}, 120_000);
afterAll(() => close?.());

const fullwidth = (t: string) => t.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe('PII in Unicode disguises is masked for a model whose policy denies it', () => {
  const cases: Array<[string, string]> = [
    ['plain (the baseline)', 'jane.doe@example.com'],
    ['zero-width spaces', 'jane\u200b.doe@exa\u200bmple.com'],
    ['soft hyphens and word joiners', 'jane\u00ad.doe@\u2060example.com'],
    ['fullwidth', fullwidth('jane.doe@example.com')],
    // ASCII smuggled in Unicode tag characters: invisible, but read by a model that sees their bytes.
    ['tag characters', [...'jane.doe@example.com'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('')],
  ];
  for (const [name, email] of cases) {
    it(`an e-mail address written with ${name}`, async () => {
      const before = echo.bodies.length;
      const r = await chat(`Please write to ${email} tomorrow about the invoice.`);
      expect(r.status).toBe(200);
      const sent = echo.bodies[before]!.messages.at(-1).content as string;
      expect(sent).toBe('Please write to <EMAIL_ADDRESS_1> tomorrow about the invoice.');
      // restore: true gives the client its own text back, disguise and all.
      expect(r.json.choices[0].message.content).toBe(`You said: Please write to ${email} tomorrow about the invoice.`);
    });
  }
});

describe('foldWithOffsets', () => {
  it('maps every folded unit back to the characters it came from', () => {
    const src = 'a\u200bb ｃ ﬁ x\u0336y';
    const f = foldWithOffsets(src)!;
    expect(f.text).toBe('ab c fi xy');
    for (let i = 0; i < f.text.length; i++) expect(src.slice(f.starts[i], f.ends[i]).normalize('NFKC').replace(/[\u200b\u0336]/g, '')).toContain(f.text[i]);
    expect(foldWithOffsets('plain ascii')).toBeUndefined();
  });
});

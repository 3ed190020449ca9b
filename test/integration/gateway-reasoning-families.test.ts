// The reasoning switch as the upstream receives it (the recording mock, over real sockets, the
// openai SDK as the client), per family type and per client form: chat_template_kwargs flags,
// reasoning_effort, a dotted parameter (the reference's newer configs: `parameter: reasoning.effort`
// is the nested object {"reasoning": {"effort": ...}}), and a model without a family.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { EMPTY_CLASSIFIERS, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import type { Classifiers, ClassResult, SequenceClassifier } from '../../src/classify/types.ts';

/** A domain "classifier" that always answers `label` with full confidence (entropy very low). */
function fixedClassifier(label: string): Classifiers {
  const labels = ['on', 'off', 'plain-on', 'plain-off'];
  const probabilities = Float32Array.from(labels.map((l) => (l === label ? 0.997 : 0.001)));
  const domain: SequenceClassifier = {
    name: 'domain',
    labels,
    threshold: 0.5,
    async classify(): Promise<ClassResult> {
      return { label, index: labels.indexOf(label), confidence: 0.997, probabilities, truncated: false };
    },
  };
  return { ...EMPTY_CLASSIFIERS, sequence: (name) => (name === 'domain' ? domain : undefined) };
}

const FAMILIES = {
  qwen3: { type: 'chat_template_kwargs', parameter: 'enable_thinking' },
  responses: { type: 'reasoning_effort', parameter: 'reasoning.effort' },
  nested_kwargs: { type: 'chat_template_kwargs', parameter: 'thinking.enabled' },
};
const MODELS = {
  'oss-dotted': { reasoning_family: 'responses', pii_policy: { allow_by_default: true } },
  'kw-dotted': { reasoning_family: 'nested_kwargs', pii_policy: { allow_by_default: true } },
  plain: { pii_policy: { allow_by_default: true } },
};

async function gateway(model: string): Promise<Gateway[]> {
  // One gateway whose classifier says "on", one "off": category on -> use_reasoning true.
  const make = (label: string) =>
    startGateway({
      classifiers: fixedClassifier(label),
      config: (port) =>
        testConfig(
          {
            reasoning_families: FAMILIES,
            model_config: MODELS,
            default_reasoning_effort: 'high',
            categories: [
              { name: 'on', model_scores: [{ model, score: 1, use_reasoning: true, reasoning_effort: 'medium' }] },
              { name: 'off', model_scores: [{ model, score: 1, use_reasoning: false }] },
            ],
          },
          [{ name: 'production-stack', address: '127.0.0.1', port }],
        ),
      mock: { models: ['oss-dotted', 'kw-dotted', 'plain'] },
    });
  return Promise.all([make('on'), make('off')]);
}

const sdk = (gw: Gateway) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
const sent = (gw: Gateway) => gw.mock.mock.requests.at(-1)!.body as Record<string, any>;
const ask = (gw: Gateway, extra: Record<string, unknown> = {}) =>
  sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: 'hello' }], ...extra } as never).withResponse();

describe('reasoning_effort family with a dotted parameter (reasoning.effort)', () => {
  let on: Gateway;
  let off: Gateway;
  beforeAll(async () => {
    [on, off] = await gateway('oss-dotted');
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it('on: the effort goes into the nested object, not a literal "reasoning.effort" key', async () => {
    const { response } = await ask(on);
    const body = sent(on);
    expect(body.model).toBe('oss-dotted');
    expect(body.reasoning).toEqual({ effort: 'medium' });
    expect(body).not.toHaveProperty(['reasoning.effort']);
    expect(body).not.toHaveProperty('reasoning_effort');
    expect(response.headers.get('x-vsr-selected-reasoning')).toBe('on');
  });

  it("on: the client's other reasoning keys stay, its effort is replaced, a top-level reasoning_effort is removed", async () => {
    await ask(on, { reasoning: { effort: 'low', summary: 'auto' }, reasoning_effort: 'low' });
    const body = sent(on);
    expect(body.reasoning).toEqual({ effort: 'medium', summary: 'auto' });
    expect(body).not.toHaveProperty('reasoning_effort');
  });

  it("off: the client's own effort is sent back where the family reads it, else low", async () => {
    await ask(off, { reasoning: { effort: 'high' } });
    expect(sent(off).reasoning).toEqual({ effort: 'high' });
    await ask(off, { reasoning_effort: 'medium' });
    expect(sent(off).reasoning).toEqual({ effort: 'medium' });
    expect(sent(off)).not.toHaveProperty('reasoning_effort');
    await ask(off);
    expect(sent(off).reasoning).toEqual({ effort: 'low' });
    expect(Object.keys(sent(off)).filter((k) => k.includes('.'))).toEqual([]);
  });

  it('an explicit model is forwarded as sent; the header reads the nested effort', async () => {
    const { response } = await sdk(on).chat.completions.create({ model: 'oss-dotted', messages: [{ role: 'user', content: 'hello' }], reasoning: { effort: 'high' } } as never).withResponse();
    expect(sent(on).reasoning).toEqual({ effort: 'high' });
    expect(response.headers.get('x-vsr-selected-reasoning')).toBe('on');
    const low = await sdk(on).chat.completions.create({ model: 'oss-dotted', messages: [{ role: 'user', content: 'hello' }], reasoning: { effort: 'low' } } as never).withResponse();
    expect(low.response.headers.get('x-vsr-selected-reasoning')).toBe('off');
  });
});

describe('chat_template_kwargs family with a dotted parameter (thinking.enabled)', () => {
  let on: Gateway;
  let off: Gateway;
  beforeAll(async () => {
    [on, off] = await gateway('kw-dotted');
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it('on and off write the nested flag inside chat_template_kwargs, keeping the client keys', async () => {
    await ask(on, { chat_template_kwargs: { keep_me: 1, thinking: { budget: 512 } } });
    expect(sent(on).chat_template_kwargs).toEqual({ keep_me: 1, thinking: { budget: 512, enabled: true } });
    await ask(off, { chat_template_kwargs: { thinking: { enabled: true } } });
    expect(sent(off).chat_template_kwargs).toEqual({ thinking: { enabled: false } });
  });
});

/** Value of one series in the gateway's /metrics text (0 when absent). */
async function series(gw: Gateway, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    const got = labelText.split(',');
    if (got.length === want.length && want.every((w) => got.includes(w))) return Number(line.slice(line.indexOf('}') + 1));
  }
  return 0;
}

describe('x-vsr-selected-reasoning and the reasoning metrics say what the upstream was sent', () => {
  it('a model without a reasoning family: nothing is written, so the header reports the request as it left', async () => {
    const [on, off] = await gateway('plain');
    try {
      const a = await ask(on);
      expect(sent(on)).not.toHaveProperty('chat_template_kwargs');
      expect(sent(on)).not.toHaveProperty('reasoning_effort');
      expect(a.response.headers.get('x-vsr-selected-reasoning')).toBe('off');
      const b = await ask(off, { chat_template_kwargs: { enable_thinking: true } });
      expect(sent(off).chat_template_kwargs).toEqual({ enable_thinking: true });
      expect(b.response.headers.get('x-vsr-selected-reasoning')).toBe('on');
      expect(await series(on, 'llm_reasoning_decisions_total', { category: 'on', model: 'plain', enabled: 'true', effort: 'medium' })).toBe(0);
    } finally {
      await on.close();
      await off.close();
    }
  });

  it("an effort family with reasoning off sends the client's own effort back: header and metrics report that effort", async () => {
    const [on, off] = await gateway('oss-dotted');
    try {
      const a = await ask(off, { reasoning_effort: 'high' });
      expect(sent(off).reasoning).toEqual({ effort: 'high' });
      expect(a.response.headers.get('x-vsr-selected-reasoning')).toBe('on');
      expect(await series(off, 'llm_reasoning_decisions_total', { category: 'off', model: 'oss-dotted', enabled: 'true', effort: 'high' })).toBe(1);
      expect(await series(off, 'llm_reasoning_effort_usage_total', { family: 'responses', effort: 'high' })).toBe(1);
      const b = await ask(off);
      expect(sent(off).reasoning).toEqual({ effort: 'low' });
      expect(b.response.headers.get('x-vsr-selected-reasoning')).toBe('off');
      expect(await series(off, 'llm_reasoning_decisions_total', { category: 'off', model: 'oss-dotted', enabled: 'false', effort: '' })).toBe(1);
    } finally {
      await on.close();
      await off.close();
    }
  });

  it('a chat_template_kwargs family sends no effort: the decision metric carries none', async () => {
    const [on, off] = await gateway('kw-dotted');
    try {
      const a = await ask(on);
      expect(a.response.headers.get('x-vsr-selected-reasoning')).toBe('on');
      expect(await series(on, 'llm_reasoning_decisions_total', { category: 'on', model: 'kw-dotted', enabled: 'true', effort: '' })).toBe(1);
      expect(await series(on, 'llm_reasoning_template_usage_total', { family: 'nested_kwargs', param: 'thinking.enabled' })).toBe(1);
    } finally {
      await on.close();
      await off.close();
    }
  });
});

describe('a PII policy that moves the request to another model of the category', () => {
  // oss-strict may not see an e-mail address; oss-open, the category's next entry, may.
  // outsideOnly: the category lists oss-strict alone, so the request falls back to default_model oss-open.
  const start = async (reasoning_decision: string, outsideOnly = false) => {
    const { realClassifiers } = await import('./gateway-harness.ts');
    const real = await realClassifiers();
    return startGateway({
      classifiers: { ...fixedClassifier('on'), pii: real.pii },
      config: (port) =>
        testConfig(
          {
            ...(outsideOnly ? { default_model: 'oss-open', default_reasoning_effort: 'low' } : {}),
            reasoning_families: FAMILIES,
            model_config: {
              'oss-strict': { reasoning_family: 'responses', pii_policy: { allow_by_default: false, pii_types_allowed: [] } },
              'oss-open': { reasoning_family: 'responses', pii_policy: { allow_by_default: true } },
            },
            routing: { reasoning_decision },
            categories: [
              {
                name: 'on',
                model_scores: [
                  { model: 'oss-strict', score: 1, use_reasoning: true, reasoning_effort: 'high' },
                  ...(outsideOnly ? [] : [{ model: 'oss-open', score: 0.5, use_reasoning: reasoning_decision === 'entropy', reasoning_effort: 'medium' }]),
                ],
              },
            ],
          },
          [{ name: 'production-stack', address: '127.0.0.1', port }],
        ),
      mock: { models: ['oss-strict', 'oss-open'] },
    });
  };
  const EMAIL_ASK = 'Write to maria.gonzalez@example.org about the invoice.';

  it("the model that gets the request gets its own entry's effort", async () => {
    const gw = await start('entropy');
    try {
      const { response } = await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: EMAIL_ASK }] }).withResponse();
      expect(sent(gw).model).toBe('oss-open');
      expect(response.headers.get('x-vsr-selected-model')).toBe('oss-open');
      expect(sent(gw).reasoning).toEqual({ effort: 'medium' });
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('default_model from outside the category gets default_reasoning_effort, not the first choice entry effort', async () => {
    const gw = await start('entropy', true);
    try {
      await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: EMAIL_ASK }] });
      expect(sent(gw).model).toBe('oss-open');
      expect(sent(gw).reasoning).toEqual({ effort: 'low' });
    } finally {
      await gw.close();
    }
  }, 60_000);

  it("reasoning_decision top_category: the alternative's own use_reasoning", async () => {
    const gw = await start('top_category');
    try {
      const { response } = await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: EMAIL_ASK }] }).withResponse();
      expect(sent(gw).model).toBe('oss-open');
      expect(sent(gw).reasoning).toEqual({ effort: 'low' });
      expect(response.headers.get('x-vsr-selected-reasoning')).toBe('off');
    } finally {
      await gw.close();
    }
  }, 60_000);
});

describe('an auto name that nothing classified (routing off, no category pack, no text): the client decides', () => {
  // default_model qwen3 (enable_thinking): nothing chose reasoning, so the client's own switch is sent,
  // as an explicit false when it gave none (Qwen3 thinks when the flag is absent).
  it.each([
    ['routing.enabled: false', { routing: { enabled: false } }, 'hello'],
    ['no category pack', {}, 'hello'],
    ['no text to classify', {}, ''],
  ])('%s', async (_name, overrides, text) => {
    const gw = await startGateway({ config: (port) => testConfig(overrides, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    try {
      const a = await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: text }], chat_template_kwargs: { enable_thinking: true, keep_me: 1 } } as never).withResponse();
      expect(sent(gw).model).toBe('qwen3');
      expect(sent(gw).chat_template_kwargs).toEqual({ enable_thinking: true, keep_me: 1 });
      expect(a.response.headers.get('x-vsr-selected-reasoning')).toBe('on');
      const b = await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: text }] }).withResponse();
      expect(sent(gw).chat_template_kwargs).toEqual({ enable_thinking: false });
      expect(b.response.headers.get('x-vsr-selected-reasoning')).toBe('off');
    } finally {
      await gw.close();
    }
  });

  it("an effort family's default model gets the client's effort, not default_reasoning_effort", async () => {
    const gw = await startGateway({ config: (port) => testConfig({ default_model: 'gpt-oss-20b', routing: { enabled: false } }, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    try {
      const a = await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: 'hello' }], reasoning_effort: 'medium' }).withResponse();
      expect(sent(gw).reasoning_effort).toBe('medium');
      expect(a.response.headers.get('x-vsr-selected-reasoning')).toBe('on');
      await sdk(gw).chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: 'hello' }] });
      expect(sent(gw).reasoning_effort).toBe('low');
    } finally {
      await gw.close();
    }
  });
});

describe("type: top_level_reasoning_effort (the reference's newer configs)", () => {
  // The top-level effort field, as reasoning_effort here; off sends only an effort the client wrote
  // (the reference's newer code invents no "low" for it).
  const start = (label: string) =>
    startGateway({
      classifiers: fixedClassifier(label),
      config: (port) =>
        testConfig(
          {
            reasoning_families: { oss: { type: 'top_level_reasoning_effort', parameter: 'reasoning_effort' } },
            model_config: { 'oss-top': { reasoning_family: 'oss', pii_policy: { allow_by_default: true } } },
            categories: [
              { name: 'on', model_scores: [{ model: 'oss-top', score: 1, use_reasoning: true, reasoning_effort: 'medium' }] },
              { name: 'off', model_scores: [{ model: 'oss-top', score: 1, use_reasoning: false }] },
            ],
          },
          [{ name: 'production-stack', address: '127.0.0.1', port }],
        ),
      mock: { models: ['oss-top'] },
    });

  it('loads; on sends the effort, off sends the client effort or none', async () => {
    const [on, off] = await Promise.all([start('on'), start('off')]);
    try {
      const a = await ask(on, { chat_template_kwargs: { keep_me: 1 } });
      expect(sent(on)).toMatchObject({ model: 'oss-top', reasoning_effort: 'medium', chat_template_kwargs: { keep_me: 1 } });
      expect(a.response.headers.get('x-vsr-selected-reasoning')).toBe('on');
      await ask(off, { reasoning_effort: 'high' });
      expect(sent(off).reasoning_effort).toBe('high');
      const b = await ask(off);
      expect(sent(off)).not.toHaveProperty('reasoning_effort');
      expect(b.response.headers.get('x-vsr-selected-reasoning')).toBe('off');
    } finally {
      await on.close();
      await off.close();
    }
  });
});

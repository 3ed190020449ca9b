import { describe, expect, it } from 'vitest';
import { assembleChunks, completionToChunks, isCompleteAnswer, splitSse, ssePayloads, toSseBody } from '../../src/cache/sse.ts';
import { cacheControl, digest, planCache, thresholdFor, lookupThreshold } from '../../src/cache/plan.ts';
import { cacheSection } from '../../src/config/sections/cache.ts';

const completion = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model: 'qwen3',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Cognitive dissonance is mental discomfort.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
};

const streamed = [
  'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
  'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}',
  'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}',
  'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}',
  'data: [DONE]',
];

describe('SSE <-> JSON', () => {
  it('assembles a stream into a chat.completion with usage', () => {
    const c = assembleChunks(streamed)!;
    expect(c.object).toBe('chat.completion');
    expect(c.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }]);
    expect(c.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    expect(isCompleteAnswer(c, streamed)).toBe(true);
  });

  it('keeps streamed reasoning under the name it came with (reasoning_content, or reasoning as newer vLLM sends it)', () => {
    for (const name of ['reasoning_content', 'reasoning'] as const) {
      const ev = [
        { id: 'r', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', [name]: 'Think' } }] },
        { id: 'r', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { [name]: 'ing.' } }] },
        { id: 'r', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Done' }, finish_reason: 'stop' }] },
      ].map((o) => `data: ${JSON.stringify(o)}`);
      const c = assembleChunks([...ev, 'data: [DONE]'])!;
      expect((c.choices as any)[0].message).toEqual({ role: 'assistant', content: 'Done', [name]: 'Thinking.' });
      // Replayed from the completion (a JSON answer served to a streaming client), it comes back the same.
      const again = assembleChunks(completionToChunks(c).map((o) => `data: ${JSON.stringify(o)}`))!;
      expect((again.choices as any)[0].message).toEqual({ role: 'assistant', content: 'Done', [name]: 'Thinking.' });
    }
  });

  it('joins tool-call fragments', () => {
    const ev = [
      { choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'get_', arguments: '{"a"' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'weather', arguments: ':1}' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ].map((o) => `data: ${JSON.stringify(o)}`);
    const c = assembleChunks(ev)!;
    const m = (c.choices as any)[0].message;
    expect(m.tool_calls).toEqual([{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"a":1}' } }]);
    // a tool call is not a cacheable final answer
    expect(isCompleteAnswer(c)).toBe(false);
  });

  it('rejects cut-off streams, errors and unfinished choices', () => {
    expect(isCompleteAnswer(assembleChunks(streamed.slice(0, 5)), streamed.slice(0, 5))).toBe(false);
    expect(isCompleteAnswer(assembleChunks(streamed.slice(0, 3)), [...streamed.slice(0, 3), 'data: [DONE]'])).toBe(false);
    expect(isCompleteAnswer({ error: { message: 'x' } } as any)).toBe(false);
    expect(isCompleteAnswer({ ...completion, choices: [{ ...completion.choices[0], finish_reason: 'content_filter' }] })).toBe(false);
  });

  it('skips a null choice or tool call in a chunk instead of throwing (the streamed answer is assembled at its end)', () => {
    const odd = [
      streamed[1]!,
      'data: {"id":"c2","choices":[null]}',
      'data: {"id":"c2","choices":[{"index":0,"delta":{"tool_calls":[null]}}]}',
      ...streamed.slice(2),
    ];
    const out = assembleChunks(odd)!;
    expect((out.choices as Array<{ message: { content: string }; finish_reason: string }>)[0]).toMatchObject({ message: { content: 'Hello' }, finish_reason: 'stop' });
  });

  it('replays recorded events verbatim and ends with exactly one [DONE]', () => {
    const body = toSseBody(completion, streamed, { includeUsage: true });
    const events = splitSse(body);
    expect(events).toEqual(streamed);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    // and the replay re-assembles to the same answer
    expect(assembleChunks(events)).toEqual(assembleChunks(streamed));
  });

  it('replays the usage chunk only to a client that asked for it, and builds one from the stored usage if none was recorded', () => {
    expect(splitSse(toSseBody(completion, streamed))).toEqual([...streamed.slice(0, 4), 'data: [DONE]']);
    const noUsage = [...streamed.slice(0, 4), 'data: [DONE]'];
    const asked = splitSse(toSseBody(completion, noUsage, { includeUsage: true }));
    expect(asked.slice(0, 4)).toEqual(streamed.slice(0, 4));
    expect(JSON.parse(asked[4]!.slice(6))).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: completion.usage });
    expect(asked[5]).toBe('data: [DONE]');
  });

  it('joins streamed token logprobs into the JSON answer, and puts them back on the replayed text', () => {
    const lp = (token: string) => ({ token, logprob: -1, bytes: null, top_logprobs: [] });
    const ev = (o: unknown) => `data: ${JSON.stringify(o)}`;
    const c = (choice: object) => ev({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, finish_reason: null, ...choice }] });
    const events = [c({ delta: { content: 'Hel' }, logprobs: { content: [lp('Hel')] } }), c({ delta: { content: 'lo' }, logprobs: { content: [lp('lo')] } }), c({ delta: {}, finish_reason: 'stop' }), 'data: [DONE]'];
    const joined = assembleChunks(events)!;
    expect((joined.choices as Array<{ logprobs: unknown }>)[0].logprobs).toEqual({ content: [lp('Hel'), lp('lo')] });
    const again = completionToChunks(joined).find((k) => (k.choices as Array<{ delta: { content?: string } }>)[0].delta.content === 'Hello')!;
    expect((again.choices as Array<{ logprobs: unknown }>)[0].logprobs).toEqual({ content: [lp('Hel'), lp('lo')] });
  });

  it('carries a streamed refusal per choice into message.refusal, and both replays give it back', () => {
    // OpenAI's shape: content null on the role chunk, the declined text in delta.refusal across chunks.
    const ev = [
      { id: 'r', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: null, refusal: '' } }, { index: 1, delta: { role: 'assistant', content: '' } }] },
      { id: 'r', choices: [{ index: 0, delta: { refusal: "I'm sorry, I " } }, { index: 1, delta: { content: 'Sure' } }] },
      { id: 'r', choices: [{ index: 1, delta: { refusal: 'No, ' } }, { index: 0, delta: { refusal: "can't help." } }] },
      { id: 'r', choices: [{ index: 1, delta: { refusal: 'sorry.' } }] },
      { id: 'r', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }, { index: 1, delta: {}, finish_reason: 'stop' }] },
    ].map((o) => `data: ${JSON.stringify(o)}`).concat('data: [DONE]');
    const c = assembleChunks(ev)!;
    const msgs = (c.choices as Array<{ message: Record<string, unknown> }>).map((ch) => ch.message);
    expect(msgs[0]).toMatchObject({ refusal: "I'm sorry, I can't help.", content: '' });
    expect(msgs[1]).toMatchObject({ refusal: 'No, sorry.', content: 'Sure' });
    expect(isCompleteAnswer(c, ev)).toBe(true);
    // SSE replay of the recorded events, and SSE built from the assembled JSON, both assemble back to it.
    expect(assembleChunks(splitSse(toSseBody(c, ev)))).toEqual(c);
    expect(assembleChunks(splitSse(toSseBody(c)))!.choices).toEqual(c.choices);
    // An answer without a refusal keeps its shape (no refusal key).
    expect((assembleChunks(streamed)!.choices as any)[0].message).not.toHaveProperty('refusal');
  });

  it('a JSON refusal (content null) is a complete answer and is replayed as SSE with its refusal', () => {
    const refused = { ...completion, choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' }] };
    expect(isCompleteAnswer(refused)).toBe(true);
    expect(isCompleteAnswer({ ...refused, choices: [{ ...refused.choices[0], message: { role: 'assistant', content: null, refusal: '' } }] })).toBe(false);
    const back = assembleChunks(splitSse(toSseBody(refused)))!;
    expect((back.choices as any)[0].message.refusal).toBe('I cannot help with that.');
  });

  it('turns a JSON answer into chunks that assemble back to it', () => {
    const body = toSseBody(completion, undefined, { includeUsage: true });
    const events = splitSse(body);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.filter((e) => e === 'data: [DONE]')).toHaveLength(1);
    const back = assembleChunks(events)!;
    expect(back.choices).toEqual(completion.choices);
    expect(back.usage).toEqual(completion.usage);
    expect(back.id).toBe(completion.id);
    for (const p of ssePayloads(events).slice(0, -1)) expect(JSON.parse(p).object).toBe('chat.completion.chunk');
    expect(completionToChunks(completion).some((c) => 'usage' in c)).toBe(false);
  });
});

describe('cache plan', () => {
  const cfg = cacheSection.parse({ enabled: true, category_thresholds: { math: 0.95, other: 0.75 } });
  const config = { session_key: 'x-user-id' } as any;
  const ctx = (over: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    ({ headers, requestedModel: 'MoM', body: { model: 'MoM', messages: [{ role: 'user', content: 'hi there' }], ...over }, texts: { latestUser: 'hi there' } }) as any;

  it('reads x-vsr-cache-control', () => {
    expect(cacheControl(undefined)).toEqual({ lookup: true, store: true });
    expect(cacheControl('no-cache')).toEqual({ lookup: false, store: true });
    expect(cacheControl('No-Store')).toEqual({ lookup: true, store: false });
    expect(cacheControl('no-cache, no-store')).toEqual({ lookup: false, store: false });
    expect(planCache(config, cfg, ctx({}, { 'x-vsr-cache-control': 'bypass' }))).toBe('bypass');
  });

  it('scopes by user from the session header, and refuses to guess a user', () => {
    const u = cacheSection.parse({ enabled: true, scope: 'user' });
    expect(planCache(config, u, ctx())).toBe('no_user');
    expect((planCache(config, u, ctx({}, { 'x-user-id': 'alice' })) as any).key).toEqual({ requestedModel: 'MoM', scope: 'user:alice' });
    const custom = cacheSection.parse({ enabled: true, scope: 'user', session_header: 'X-Tenant' });
    expect((planCache(config, custom, ctx({}, { 'x-tenant': 't1' })) as any).key.scope).toBe('user:t1');
  });

  it('partitions by conversation context and skips non-user turns', () => {
    const a = planCache(config, cfg, ctx({ messages: [{ role: 'system', content: 'French only' }, { role: 'user', content: 'hi there' }] })) as any;
    const b = planCache(config, cfg, ctx({ messages: [{ role: 'system', content: 'German only' }, { role: 'user', content: 'hi there' }] })) as any;
    expect(a.key.context).toBeTruthy();
    expect(a.key.context).not.toBe(b.key.context);
    expect((planCache(config, cfg, ctx()) as any).key.context).toBeUndefined();
    expect(planCache(config, cfg, ctx({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }] }))).toBe('not_user_turn');
    expect(digest('a')).not.toBe(digest('b'));
  });

  it('temperature > 0 is cached unless configured otherwise', () => {
    expect(typeof planCache(config, cfg, ctx({ temperature: 0.7 }))).toBe('object');
    const strict = cacheSection.parse({ enabled: true, cache_non_deterministic: false });
    expect(planCache(config, strict, ctx({ temperature: 0.7 }))).toBe('non_deterministic');
    expect(typeof planCache(config, strict, ctx({ temperature: 0 }))).toBe('object');
  });

  it('per-category thresholds apply to the stored answer\'s category', () => {
    expect(thresholdFor(cfg, 'math')).toBe(0.95);
    expect(thresholdFor(cfg, undefined)).toBe(0.8);
    expect(thresholdFor(cfg, 'history')).toBe(0.8);
    expect(lookupThreshold(cfg)).toBe(0.75);
  });
});

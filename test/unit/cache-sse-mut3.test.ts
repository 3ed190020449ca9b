// Mutation audit 3 (src/cache/sse.ts): how a streamed answer is read into one chat.completion (for
// storage, and for a JSON client answered with a stream) and replayed as SSE from the cache. Each case
// is a stream an upstream can send that an earlier mutant of the assembly or replay got wrong unseen.
import { describe, expect, it } from 'vitest';
import { assembleChunks, isCompleteAnswer, isEmptyAnswer, isRefusal, splitSse, ssePayloads, toSseBody } from '../../src/cache/sse.ts';

const ch = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra })}`;
const text = (content: string, finish: string | null = null) => ch([{ index: 0, delta: { content }, finish_reason: finish }]);
type Choice = { message: Record<string, unknown>; finish_reason: unknown; logprobs?: Record<string, unknown[]> };
const choices = (c: Record<string, unknown> | undefined) => c!.choices as Choice[];

/** The data of each event an SSE client (the spec's parser) reads from `body`: data lines joined with \n. */
function sseData(body: string): string[] {
  const out: string[] = [];
  for (const block of body.replace(/\r\n?/g, '\n').split('\n\n')) {
    const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length) out.push(data.join('\n'));
  }
  return out;
}

describe('assembling a streamed answer', () => {
  it('an event with only `event:`, `id:` or `retry:` lines carries no payload: the answer still assembles', () => {
    const events = [text('Hel'), 'event: ping', 'id: 7', 'retry: 3000', text('lo', 'stop'), 'data: [DONE]'];
    expect(ssePayloads(events)).toHaveLength(3);
    expect(choices(assembleChunks(events))[0]!.message.content).toBe('Hello');
  });

  it('a data payload that is no JSON makes the answer unassemblable (nothing stored from it)', () => {
    expect(assembleChunks([text('Hel'), 'data: keep-alive', text('lo', 'stop'), 'data: [DONE]'])).toBeUndefined();
  });

  it('usage on every chunk (vLLM continuous_usage_stats): the last, cumulative one is the answer`s', () => {
    const u = (n: number) => ({ prompt_tokens: 3, completion_tokens: n, total_tokens: 3 + n });
    const events = [ch([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }], { usage: u(1) }), ch([{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }], { usage: u(2) }), 'data: [DONE]'];
    expect(assembleChunks(events)!.usage).toEqual(u(2));
  });

  it('tool calls without an index (servers that send each call whole) stay separate calls, in order', () => {
    const call = (id: string, name: string, args: string) => ch([{ index: 0, delta: { tool_calls: [{ id, type: 'function', function: { name, arguments: args } }] }, finish_reason: null }]);
    const events = [call('call_a', 'get_weather', '{"city":"Oslo"}'), call('call_b', 'get_time', '{"tz":"CET"}'), ch([{ index: 0, delta: {}, finish_reason: 'tool_calls' }])];
    expect(choices(assembleChunks(events))[0]!.message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
    ]);
  });

  it("a tool call's id that comes after its first fragment is kept", () => {
    const events = [
      ch([{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: '{' } }] }, finish_reason: null }]),
      ch([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { arguments: '}' } }] }, finish_reason: 'tool_calls' }]),
    ];
    expect(choices(assembleChunks(events))[0]!.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }]);
  });

  it('logprobs of a streamed refusal are joined as those of content are', () => {
    const lp = (token: string) => ({ token, logprob: -0.1, bytes: null, top_logprobs: [] });
    const events = [
      ch([{ index: 0, delta: { refusal: "I can't" }, logprobs: { content: null, refusal: [lp("I can't")] }, finish_reason: null }]),
      ch([{ index: 0, delta: { refusal: ' help.' }, logprobs: { content: null, refusal: [lp(' help.')] }, finish_reason: 'stop' }]),
    ];
    expect(choices(assembleChunks(events))[0]!.logprobs).toEqual({ refusal: [lp("I can't"), lp(' help.')] });
  });

  it('a chunk for a choice after its finish (no finish_reason of its own) does not undo the finish', () => {
    const events = [text('Hi', 'stop'), ch([{ index: 0, delta: {}, finish_reason: null }]), 'data: [DONE]'];
    expect(choices(assembleChunks(events))[0]!.finish_reason).toBe('stop');
  });
});

describe('what is stored, and how it replays', () => {
  const answer = (content: string, finish = 'stop') => ({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }] });

  it('a tool call known only by a later index leaves no hole in tool_calls', () => {
    const events = [ch([{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }])];
    expect(choices(assembleChunks(events))[0]!.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }]);
  });

  it('an answer cut by max_tokens (finish_reason length) is complete; one with events after [DONE] is not', () => {
    expect(isCompleteAnswer(answer('Hel', 'length'))).toBe(true);
    expect(isCompleteAnswer(answer('Hel'), [text('Hel', 'stop'), 'data: [DONE]'])).toBe(true);
    expect(isCompleteAnswer(answer('Hel'), [text('Hel', 'stop'), 'data: [DONE]', text('x')])).toBe(false);
  });

  it('whitespace alone says nothing: an empty answer', () => {
    expect(isEmptyAnswer(answer(' \n\t '))).toBe(true);
    expect(isEmptyAnswer(answer(' a '))).toBe(false);
  });

  it('no recorded events (an empty list) replays chunks built from the completion', () => {
    const data = sseData(toSseBody(answer('Hello'), []));
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.slice(0, -1).map((d) => JSON.parse(d).choices[0].delta.content ?? '').join('')).toBe('Hello');
  });

  it('a client that asked for usage, of an answer stored without any: no usage chunk (a chunk with no choice breaks choices[0] loops)', () => {
    const events = [text('Hi', 'stop'), 'data: [DONE]'];
    const data = sseData(toSseBody(assembleChunks(events)!, events, { includeUsage: true }));
    expect(data).toHaveLength(2);
    expect(JSON.parse(data[0]!).choices).toHaveLength(1);
  });

  it('built from a JSON answer, the stream opens as OpenAI opens one: role and empty content', () => {
    const first = JSON.parse(sseData(toSseBody(answer('Hello')))[0]!);
    expect(first.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  });

  it("built from a JSON answer: tool calls carry their index (the SDKs join fragments by it), and a missing finish_reason is stop", () => {
    const calls = [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } }];
    const json = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls } }] };
    const chunks = sseData(toSseBody(json)).slice(0, -1).map((d) => JSON.parse(d).choices[0]);
    expect(chunks.flatMap((c) => c.delta.tool_calls ?? [])).toEqual(calls.map((c, index) => ({ index, ...c })));
    expect(chunks.at(-1)!.finish_reason).toBe('stop');
  });

  it('system_fingerprint of the stream is kept in the assembled answer', () => {
    expect(assembleChunks([ch([{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }], { system_fingerprint: 'fp_1' })])!.system_fingerprint).toBe('fp_1');
  });

  it('data lines of one event join with a line feed (the SSE spec); a blank event carries no payload', () => {
    expect(ssePayloads(['data: a\ndata: b', ' '])).toEqual(['a\nb']);
    expect(choices(assembleChunks([text('Hi', 'stop'), ' ', 'data: [DONE]']))[0]!.message.content).toBe('Hi');
  });

  it("a tool call's type is kept as it came (not every tool is a function)", () => {
    const events = [ch([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', type: 'custom', custom: { name: 'x', input: 'y' } }] }, finish_reason: 'tool_calls' }])];
    expect((choices(assembleChunks(events))[0]!.message.tool_calls as Array<{ type: string }>)[0]!.type).toBe('custom');
  });

  it('what is no complete answer: an error, no choice at all', () => {
    expect(isCompleteAnswer({ ...answer('Hi'), error: { message: 'x' } })).toBe(false);
    expect(isCompleteAnswer({ ...answer('Hi'), choices: [] })).toBe(false);
  });

  it('an empty refusal is no refusal; an answer is empty only when every choice is, and a tool call says something', () => {
    expect(isRefusal({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: '' } }] })).toBe(false);
    const two = { ...answer('Hi'), choices: [answer('Hi').choices[0], { index: 1, message: { role: 'assistant', content: '' }, finish_reason: 'stop' }] };
    expect(isEmptyAnswer(two)).toBe(false);
    expect(isEmptyAnswer({ choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] } }] })).toBe(false);
  });

  it('chunks that carry usage and choices (continuous usage stats) are no usage chunk: replayed to a client that did not ask', () => {
    const u = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    const events = [ch([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }], { usage: u }), ch([{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }], { usage: u }), ch([], { usage: u }), 'data: [DONE]'];
    const data = sseData(toSseBody(assembleChunks(events)!, events, { includeUsage: false }));
    expect(data).toHaveLength(3);
    expect(data.slice(0, 2).map((d) => JSON.parse(d).choices[0].delta.content).join('')).toBe('Hello');
  });
});

describe('a stream read whole (splitSse), line ends as the SSE spec allows them', () => {
  for (const [name, end] of [['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']] as const) {
    it(`${name}: one event per blank line`, () => {
      const body = [text('Hel'), text('lo', 'stop'), 'data: [DONE]'].map((e) => `${e}${end}${end}`).join('');
      const events = splitSse(body);
      expect(events).toHaveLength(3);
      expect(choices(assembleChunks(events))[0]!.message.content).toBe('Hello');
    });
  }
});

describe('replaying a recorded stream', () => {
  it('an event whose JSON spans several data lines replays as data lines an SSE client joins back', () => {
    const multi = `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",\ndata: "choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":"stop"}]}`;
    const events = [multi, 'data: [DONE]'];
    const completion = assembleChunks(events)!;
    expect(choices(completion)[0]!.message.content).toBe('Hello');
    const data = sseData(toSseBody(completion, events));
    expect(data.at(-1)).toBe('[DONE]');
    expect(JSON.parse(data[0]!).choices[0].delta.content).toBe('Hello');
  });
});

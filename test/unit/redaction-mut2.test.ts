// Mutation audit, round 2: PII restore behaviour that surviving mutants of src/guard/redaction.ts
// showed untested. Which request fields make the answer's content JSON text (answersJson: vLLM's
// structured_outputs json or json_object; a false value asks for nothing), and in such an answer
// only `content` gets its values JSON-escaped: the refusal and reasoning fields are plain text. Held
// tool-call argument text goes, at the choice's finish, to the call of its own index (a new entry of
// that index when the finish chunk has none; the first entry of that index when it has several).
// Token logprobs (logprob-restore.ts): refusal tokens are restored too, a restored token whose bytes
// are null keeps null, and a token left alone keeps the bytes it came with (a piece of a character).
// Placeholders (placeholders.ts): a retyped one is read up to 64 inner characters, and in JSON text
// an escaped bracket counts after an even run of backslashes (an escaped backslash before it).
import { describe, expect, it } from 'vitest';
import { answersJson, restoreTap, restoreText } from '../../src/guard/redaction.ts';

describe('answersJson', () => {
  it('structured_outputs.json and structured_outputs.json_object each ask for a JSON answer', () => {
    expect(answersJson({ messages: [], structured_outputs: { json: { type: 'object' } } } as never)).toBe(true);
    expect(answersJson({ messages: [], structured_outputs: { json_object: true } } as never)).toBe(true);
    expect(answersJson({ messages: [], structured_outputs: { regex: '[a-z]+' } } as never)).toBe(false);
  });

  it('a false value asks for nothing (guided_json, structured_outputs.json / json_object)', () => {
    expect(answersJson({ messages: [], guided_json: false } as never)).toBe(false);
    expect(answersJson({ messages: [], structured_outputs: { json_object: false } } as never)).toBe(false);
    expect(answersJson({ messages: [], structured_outputs: { json: false } } as never)).toBe(false);
    expect(answersJson({ messages: [], structured_outputs: { json: null, json_object: null } } as never)).toBe(false);
  });
});

describe('restoreTap over a JSON answer (jsonContent)', () => {
  // A value with a newline and quotes: JSON-escaped it reads \n and \", as written it does not.
  const value = 'Flat 2\n"Rose" Court';
  const restore = new Map([['<ADDRESS_1>', value]]);

  it('content gets the value JSON-escaped; refusal and reasoning_content get it as written', () => {
    const tap = restoreTap(restore, true);
    const out = tap.json!({
      id: 'x',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: '{"to":"<ADDRESS_1>"}', refusal: 'No mail to <ADDRESS_1>.', reasoning_content: 'They live at <ADDRESS_1>.' },
          finish_reason: 'stop',
        },
      ],
    }) as { choices: Array<{ message: Record<string, string> }> };
    const msg = out.choices[0]!.message;
    expect(JSON.parse(msg.content!)).toEqual({ to: value });
    expect(msg.refusal).toBe(`No mail to ${value}.`);
    expect(msg.reasoning_content).toBe(`They live at ${value}.`);
  });

  it('without jsonContent the content gets the value as written', () => {
    const out = restoreTap(restore).json!({ choices: [{ index: 0, message: { role: 'assistant', content: 'At <ADDRESS_1>.' } }] }) as {
      choices: Array<{ message: Record<string, string> }>;
    };
    expect(out.choices[0]!.message.content).toBe(`At ${value}.`);
  });
});

describe('restoreTap: tool-call arguments held at a choice finish', () => {
  const restore = new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]);
  type Chunk = { choices: Array<{ index: number; delta: { tool_calls?: Array<Record<string, any>> }; finish_reason: string | null }> };
  const call = (index: number, args: string) => ({ index, function: { arguments: args } });

  it('a held tail of call 1 is sent as call 1 (a new entry), not merged into call 0', () => {
    const tap = restoreTap(restore);
    const a = tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: [call(0, '{"n":1}'), call(1, '{"to":"<EMAIL')] }, finish_reason: null }] }) as Chunk;
    expect(a.choices[0]!.delta.tool_calls!.map((c) => c.function.arguments)).toEqual(['{"n":1}', '{"to":"']);
    const fin = tap.chunk!({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }) as Chunk;
    expect(fin.choices[0]!.delta.tool_calls).toEqual([{ index: 1, function: { arguments: '<EMAIL' } }]);
  });

  it('a finish chunk naming the index twice: the held tail goes to the first entry', () => {
    const tap = restoreTap(restore);
    tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: [call(0, '{"to":"<EMAIL')] }, finish_reason: null }] });
    const fin = tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'first' }, { index: 0, id: 'second' }] }, finish_reason: 'tool_calls' }] }) as Chunk;
    expect(fin.choices[0]!.delta.tool_calls).toEqual([{ index: 0, id: 'first', function: { arguments: '<EMAIL' } }, { index: 0, id: 'second' }]);
  });
});

describe('restoreTap: a finish chunk whose own arguments end in a held tail', () => {
  const restore = new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]);
  it('tool call: the chunk\'s arguments then the tail, in one string', () => {
    const tap = restoreTap(restore);
    const fin = tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"note":"a <EMA' } }] }, finish_reason: 'tool_calls' }] }) as {
      choices: Array<{ delta: { tool_calls: Array<{ function: { arguments: string } }> } }>;
    };
    expect(fin.choices[0]!.delta.tool_calls[0]!.function.arguments).toBe('{"note":"a <EMA');
  });
  it('legacy function_call: the same', () => {
    const tap = restoreTap(restore);
    const fin = tap.chunk!({ choices: [{ index: 0, delta: { function_call: { arguments: '{"note":"a <EMA' } }, finish_reason: 'function_call' }] }) as {
      choices: Array<{ delta: { function_call: { arguments: string } } }>;
    };
    expect(fin.choices[0]!.delta.function_call.arguments).toBe('{"note":"a <EMA');
  });
});

describe('restoreTap: token logprobs', () => {
  const restore = new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]);
  const bytes = (t: string) => [...new TextEncoder().encode(t)];
  type Lp = { token: string; bytes: number[] | null; logprob: number };
  const answer = (logprobs: Record<string, Lp[]>) =>
    restoreTap(restore).json!({ choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, logprobs, finish_reason: 'stop' }] }) as {
      choices: Array<{ logprobs: Record<string, Lp[]> }>;
    };

  it('logprobs.refusal tokens are restored as content tokens are', () => {
    const out = answer({ refusal: [{ token: '<EMAIL_ADDRESS_1>', bytes: bytes('<EMAIL_ADDRESS_1>'), logprob: -1 }] });
    expect(out.choices[0]!.logprobs.refusal).toEqual([{ token: 'ann@example.com', bytes: bytes('ann@example.com'), logprob: -1 }]);
  });

  it('a restored token with bytes null keeps null; an untouched token keeps the bytes it came with', () => {
    // The second token is half of a two-byte character: its text is U+FFFD, its bytes the real first byte.
    const out = answer({
      content: [
        { token: '<EMAIL_ADDRESS_1>', bytes: null, logprob: -1 },
        { token: '\ufffd', bytes: [0xc3], logprob: -2 },
      ],
    });
    expect(out.choices[0]!.logprobs.content).toEqual([
      { token: 'ann@example.com', bytes: null, logprob: -1 },
      { token: '\ufffd', bytes: [0xc3], logprob: -2 },
    ]);
  });
});

describe('restoreText: placeholder syntax bounds', () => {
  const restore = new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]);
  it('a retyped placeholder of 64 inner characters is restored, one of 65 is left as written', () => {
    const inner = (n: number) => 'email address 1' + ' '.repeat(n - 'email address 1'.length);
    expect(inner(64)).toHaveLength(64);
    expect(restoreText(`to <${inner(64)}>`, restore)).toBe('to ann@example.com');
    expect(restoreText(`to <${inner(65)}>`, restore)).toBe(`to <${inner(65)}>`);
  });

  it('JSON text: \\u003c after an escaped backslash is a bracket; after a lone backslash it is text', () => {
    // JSON for the string \<EMAIL_ADDRESS_1> as Go writes it: an escaped backslash, then \u003c.
    const even = '{"p":"\\\\\\u003cEMAIL_ADDRESS_1\\u003e"}';
    expect(JSON.parse(restoreText(even, restore, true))).toEqual({ p: '\\ann@example.com' });
    // The text \u003cEMAIL_ADDRESS_1> (backslash escaped, so no escape): left alone.
    const odd = '{"p":"\\\\u003cEMAIL_ADDRESS_1\\u003e"}';
    expect(JSON.parse(restoreText(odd, restore, true))).toEqual(JSON.parse(odd));
  });
});

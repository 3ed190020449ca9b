// Tool-call arguments are JSON text, and JSON lets an encoder write '<' and '>' as \u003c and \u003e.
// Go's encoding/json does so by default (HTML-safe output), so a Go-served model (Ollama, a Go
// proxy between semroute and vLLM) returns the placeholder <EMAIL_ADDRESS_1> in arguments as
// \u003cEMAIL_ADDRESS_1\u003e. JSON.parse reads both the same, so restore must read both too.
import { describe, expect, it } from 'vitest';
import { maskText, newMaskState } from '../../src/guard/pii-scan.ts';
import { collectPlaceholders } from '../../src/guard/placeholders.ts';
import { restoreTap, restoreText, StreamRestorer } from '../../src/guard/redaction.ts';

const restore = new Map([
  ['<EMAIL_ADDRESS_1>', 'ann@example.com'],
  ['<PERSON_1>', 'Ann "A" Lee'],
]);
// What Go's json.Marshal makes of {"to":"<EMAIL_ADDRESS_1>","name":"<PERSON_1>"}.
const goArgs = '{"to":"\\u003cEMAIL_ADDRESS_1\\u003e","name":"\\u003cPERSON_1\\u003e"}';
const want = { to: 'ann@example.com', name: 'Ann "A" Lee' };

type ArgsChunk = { choices: Array<{ delta: { tool_calls?: Array<{ function: { arguments: string } }> } }> };

function streamArgs(pieces: string[]): string {
  const tap = restoreTap(restore);
  let out = '';
  for (const p of pieces) {
    const c = tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: p } }] }, finish_reason: null }] }) as ArgsChunk;
    out += c.choices[0]!.delta.tool_calls![0]!.function.arguments;
  }
  for (const c of tap.end!() as ArgsChunk[]) out += c.choices[0]!.delta.tool_calls?.[0]?.function.arguments ?? '';
  return out;
}

describe('placeholders written with JSON \\u escapes in tool-call arguments', () => {
  it('are restored in a JSON completion, with upper- or lower-case hex and retyped names', () => {
    const args = goArgs.replace('\\u003e"', '\\u003E"').replace('\\u003cPERSON_1', '\\u003Cperson 1');
    const out = restoreTap(restore).json!({ choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ function: { arguments: args } }] } }] }) as {
      choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }>;
    };
    expect(JSON.parse(out.choices[0]!.message.tool_calls[0]!.function.arguments)).toEqual(want);
  });

  it('are restored when streamed one character at a time, and in any other cut', () => {
    expect(JSON.parse(streamArgs([...goArgs]))).toEqual(want);
    for (let cut = 1; cut < goArgs.length; cut++) {
      expect(JSON.parse(streamArgs([goArgs.slice(0, cut), goArgs.slice(cut)]))).toEqual(want);
    }
  });

  it('are left alone in plain text, where \\u003c is just six characters', () => {
    const text = 'write \\u003cEMAIL_ADDRESS_1\\u003e in Go';
    expect(restoreText(text, restore)).toBe(text);
    const r = new StreamRestorer(restore);
    expect([...text].map((ch) => r.push(ch)).join('') + r.flush()).toBe(text);
  });

  it('an escaped backslash before u003c is text, not an escape', () => {
    // JSON "\\u003cPERSON_1\\u003e" is the string \u003cPERSON_1\u003e: no bracket, no placeholder.
    const args = '{"s":"\\\\u003cPERSON_1\\\\u003e"}';
    expect(restoreText(args, restore, true)).toBe(args);
    expect(streamArgs([...args])).toBe(args);
  });

  it('a tail that cannot become a placeholder is not held back', () => {
    const r = new StreamRestorer(restore, true);
    expect(r.push('{"a":"\\u003cNOT_OURS')).toBe('{"a":"\\u003cNOT_OURS');
    expect(r.push('\\u003e","b":"\\n')).toBe('\\u003e","b":"\\n');
    expect(r.pending).toBe(false);
  });

  it('an escaped placeholder already in the request is taken, so masking does not reuse its number', () => {
    const body = { messages: [{ role: 'assistant', tool_calls: [{ function: { arguments: '{"to":"\\u003cEMAIL_ADDRESS_1\\u003e"}' } }] }] };
    expect(collectPlaceholders(body, new Set())).toEqual(new Set(['EMAIL_ADDRESS_1']));
    const text = 'mail bob@example.com';
    const start = text.indexOf('bob');
    const { masked } = maskText(text, [{ type: 'EMAIL_ADDRESS', start, end: text.length, confidence: 1, source: 'model' }], newMaskState(body));
    expect(masked).toBe('mail <EMAIL_ADDRESS_2>');
  });
});

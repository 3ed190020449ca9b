// Assistant message fields besides content that the jailbreak scan reads with scan_roles `assistant`:
// every turn's reasoning_content / reasoning. template-texts.ts reads the reasoning of
// the current tool-call loop only (the turns after the latest user message), as Qwen3's,
// DeepSeek-V3.1's and gpt-oss's templates render it; but vLLM hands every turn's reasoning to the
// template (chat_utils.py _parse_chat_message_content copies `reasoning` onto every assistant turn),
// and templates that keep thinking in the history (Qwen's preserve_thinking) render the earlier
// turns' too. A client writes those turns itself, so an injection planted in an earlier trace
// reached such a model unscanned. The gateway cannot know the template: with `assistant` the scan
// reads them all. The cost is false positives: the pack reads ordinary reasoning traces as attacks
// more often than answers (README "Guardrails" has the figures), so it stays behind the opt-in role.
// The message-level `refusal` field is not read: vLLM copies only tool_calls, reasoning,
// tool_call_id and name onto the message a template sees, so it never reaches the model, while the
// pack flags ordinary refusals (2 of 10 in a probe written for this; a refusal content part, which
// vLLM does read, is scanned as text: pipeline/texts.ts).
import { scanRole } from './template-texts.ts';

const FIELDS = ['reasoning_content', 'reasoning'] as const;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Those fields of every assistant turn, newest turn first. */
export function assistantFieldTexts(body: unknown): string[] {
  const messages = isObj(body) && Array.isArray(body.messages) ? body.messages : [];
  const out: string[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isObj(m) || scanRole(m.role) !== 'assistant') continue;
    for (const k of FIELDS) if (typeof m[k] === 'string' && (m[k] as string).trim()) out.push(m[k] as string);
  }
  return out;
}

// Texts the classifiers read, taken once from the messages. Only text parts count: images, audio
// and other part types are skipped. Text parts are those vLLM reads as text, in any role
// (vllm/entrypoints/chat_utils.py _parse_chat_message_content_part): `text`, the Responses-API
// `input_text`/`output_text`, `refusal` and `thinking`; skipping any of them let an injection past
// the jailbreak guard to a model that reads it.
import type { ChatMessage, RequestTexts } from './context.ts';

const TEXT_PARTS = new Set(['text', 'input_text', 'output_text', 'refusal', 'thinking']);
/** The key holding a text part's text: a refusal part's is `refusal`, a thinking part's `thinking`. */
const textKey = (type: string): string => (type === 'refusal' || type === 'thinking' ? type : 'text');

/** A content part the model reads as text (the rest: images, audio, files, ...). */
export const isTextPart = (part: { type?: unknown } | null | undefined): boolean => !!part && TEXT_PARTS.has(part.type as string);

export function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (!part || typeof part !== 'object' || !TEXT_PARTS.has(part.type as string)) continue;
    const text = (part as Record<string, unknown>)[textKey(part.type as string)];
    if (typeof text === 'string') out = out ? `${out}\n${text}` : text;
  }
  return out;
}

/**
 * The list a message role files under. vLLM takes any role string and hands it to the chat template;
 * Llama 3's renders each as a turn of its own, so "human", "USER" or "customer" is the client's
 * words to the model: user text, for routing (the latest one is classified) and for the guards, as
 * the jailbreak scan reads such a message (src/guard/template-texts.ts scanRole). The chat roles are
 * matched exactly, as vLLM and the templates test them ("System" renders as no system turn);
 * Llama's `ipython` is its tool result.
 */
export function textRole(role: unknown): 'user' | 'system' | 'assistant' | 'tool' {
  switch (role) {
    case 'system':
    case 'developer':
      return 'system';
    case 'assistant':
      return 'assistant';
    case 'tool':
    case 'function':
    case 'ipython':
      return 'tool';
    default:
      return 'user';
  }
}

export function extractTexts(messages: ChatMessage[]): RequestTexts {
  const t: RequestTexts = { latestUser: '', user: [], system: [], assistant: [], tool: [] };
  let latestUserIndex = -1;
  messages.forEach((m, i) => {
    const role = textRole(m.role);
    t[role].push(messageText(m.content));
    if (role === 'user') latestUserIndex = i;
  });
  if (latestUserIndex >= 0) t.latestUser = messageText(messages[latestUserIndex].content);
  return t;
}

/** What routing classifies: the latest user message, else the joined system/assistant texts (as the reference). */
export function classificationText(t: RequestTexts): string {
  if (t.latestUser.trim()) return t.latestUser;
  return [...t.system, ...t.assistant].filter((s) => s.trim()).join('\n');
}

// Texts the classifiers read, taken once from the messages. Only text parts count: images, audio
// and other part types are skipped. Text parts are those vLLM reads as text: `text`, and the
// Responses-API `input_text`/`output_text` (vllm/entrypoints/chat_utils.py MM_PARSER_MAP); skipping
// those let an injection past the jailbreak guard to a model that reads it.
import type { ChatMessage, RequestTexts } from './context.ts';

const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

export function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (part && typeof part === 'object' && TEXT_PARTS.has(part.type as string) && typeof part.text === 'string') {
      out = out ? `${out}\n${part.text}` : part.text;
    }
  }
  return out;
}

export function extractTexts(messages: ChatMessage[]): RequestTexts {
  const t: RequestTexts = { latestUser: '', user: [], system: [], assistant: [], tool: [] };
  let latestUserIndex = -1;
  messages.forEach((m, i) => {
    const text = messageText(m.content);
    switch (m.role) {
      case 'user':
        t.user.push(text);
        latestUserIndex = i;
        break;
      case 'system':
      case 'developer':
        t.system.push(text);
        break;
      case 'assistant':
        t.assistant.push(text);
        break;
      case 'tool':
      case 'function':
        t.tool.push(text);
        break;
    }
  });
  if (latestUserIndex >= 0) t.latestUser = messageText(messages[latestUserIndex].content);
  return t;
}

/** What routing classifies: the latest user message, else the joined system/assistant texts (as the reference). */
export function classificationText(t: RequestTexts): string {
  if (t.latestUser.trim()) return t.latestUser;
  return [...t.system, ...t.assistant].filter((s) => s.trim()).join('\n');
}

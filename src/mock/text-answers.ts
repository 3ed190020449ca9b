// Answers of the mock's /v1/completions (text_completion JSON and SSE) and /v1/embeddings, each
// naming the model that served it, as answers.ts does for chat.
import { answerText, answerUsage } from './answers.ts';

/** A rough token count (words) of a completions prompt: a string, or a list of strings. */
export function countTextPromptTokens(prompt: unknown): number {
  const parts = Array.isArray(prompt) ? prompt : [prompt];
  let n = 0;
  for (const p of parts) if (typeof p === 'string') n += p.split(/\s+/).filter(Boolean).length;
  return n;
}

export function textCompletionJson(id: string, model: string, created: number, promptTokens: number) {
  const text = answerText(model);
  return {
    id,
    object: 'text_completion',
    created,
    model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }],
    usage: answerUsage(model, promptTokens),
  };
}

/** SSE events (without the "data: " framing): one chunk per word, finish, optional usage, [DONE]. */
export function textCompletionChunks(id: string, model: string, created: number, promptTokens: number, includeUsage: boolean): string[] {
  const base = { id, object: 'text_completion', created, model };
  const words = answerText(model).split(' ');
  const out = words.map((w, i) => JSON.stringify({ ...base, choices: [{ index: 0, text: i === 0 ? w : ` ${w}`, logprobs: null, finish_reason: null }] }));
  out.push(JSON.stringify({ ...base, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] }));
  if (includeUsage) {
    out.push(JSON.stringify({ ...base, choices: [], usage: answerUsage(model, promptTokens) }));
  }
  out.push('[DONE]');
  return out;
}

/** A vector that depends only on the text (FNV-1a seeded), so tests can tell inputs apart. */
export function mockEmbedding(text: string, dimensions: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    // Multiples of 1/1024: exact in float32, so a base64 answer decodes to the same numbers.
    out.push(((h % 2048) - 1024) / 1024);
  }
  return out;
}

/** float32 little-endian bytes in base64 (vLLM's and OpenAI's encoding_format: base64). */
export function float32Base64(v: number[]): string {
  const bytes = new Uint8Array(new Float32Array(v).buffer);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The embeddings answer for `input` (a string or a list of strings; token arrays count as their text). */
export function embeddingsJson(model: string, input: unknown, dimensions: number, base64: boolean) {
  const texts = (Array.isArray(input) && input.every((x) => typeof x === 'string') ? input : [input]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  const tokens = texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
  return {
    object: 'list',
    model,
    data: texts.map((t, index) => {
      const v = mockEmbedding(t, dimensions);
      return { object: 'embedding', index, embedding: base64 ? float32Base64(v) : v };
    }),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

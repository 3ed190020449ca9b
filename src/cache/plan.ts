// Decides, per request, whether and under which key the semantic cache is consulted and written:
// scope (global | user from the session header), the conversation context digest, temperature,
// and the `x-vsr-cache-control` request header.
import type { Config } from '../config/schema.ts';
import type { CacheConfig } from '../config/sections/cache.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { CacheKeyScope } from './types.ts';
import { isTextPart } from '../pipeline/texts.ts';
import { ExactInteger } from '../pipeline/exact-integers.ts';
import { keyedValue } from './shape-defaults.ts';

export interface CachePlan {
  key: CacheKeyScope;
  lookup: boolean;
  store: boolean;
}

export type SkipReason = 'no_user' | 'not_user_turn' | 'empty_text' | 'non_deterministic' | 'bypass';

/**
 * `no-cache`: do not serve from the cache (the fresh answer is stored); `no-store`: do not store
 * (a stored answer may be served); `bypass` or both: neither. Unknown tokens are ignored.
 */
export function cacheControl(header: string | undefined): { lookup: boolean; store: boolean } {
  const tokens = new Set((header ?? '').toLowerCase().split(',').map((t) => t.trim()));
  const bypass = tokens.has('bypass');
  return { lookup: !bypass && !tokens.has('no-cache'), store: !bypass && !tokens.has('no-store') };
}

export function sessionHeader(config: Config, cfg: CacheConfig): string {
  return (cfg.session_header ?? (config as { session_key?: string }).session_key ?? 'x-user-id').toLowerCase();
}

export function planCache(config: Config, cfg: CacheConfig, ctx: PipelineContext): CachePlan | SkipReason {
  const { lookup, store } = cacheControl(ctx.headers['x-vsr-cache-control']);
  if (!lookup && !store) return 'bypass';
  const msgs = ctx.body.messages;
  // Only a question can be answered from the cache: not a tool result or an assistant prefill.
  if (msgs[msgs.length - 1]?.role !== 'user') return 'not_user_turn';
  if (!ctx.texts.latestUser.trim()) return 'empty_text';
  // A number, or one kept as its literal (an integer beyond 2^53, pipeline/exact-integers.ts).
  const t = ctx.body.temperature;
  if ((typeof t === 'number' || t instanceof ExactInteger) && Number(t) > 0 && !cfg.cache_non_deterministic) return 'non_deterministic';
  let scope = 'global';
  if (cfg.scope === 'user') {
    const user = ctx.headers[sessionHeader(config, cfg)];
    if (!user) return 'no_user';
    scope = `user:${user}`;
  }
  const key: CacheKeyScope = { requestedModel: ctx.requestedModel, scope };
  // Reasoning switches already read as their booleans (runRequestPipeline normalises them first), so
  // "false" and false meet while a value forwarded as sent keeps its own key.
  const b = ctx.body as Record<string, unknown>;
  // A field at its default value reads as absent (shape-defaults.ts): `n: 1` meets the plain question.
  const shape = (cfg.match_context ? ANSWER_SHAPE : [...ANSWER_SHAPE, ...CONTEXT_SHAPE]).map((k) => [k, keyedValue(k, b[k])]).filter(([, v]) => v !== undefined);
  const responseFormat = keyedValue('response_format', b.response_format);
  const parts: unknown[] = [];
  if (cfg.match_context) {
    const before = msgs.slice(0, -1);
    if (before.length || b.tools || responseFormat || b.tool_choice) parts.push(before, b.tools ?? null, b.tool_choice ?? null, responseFormat ?? null);
    // The deprecated tools / tool_choice, appended only when sent so every other key stays as it was.
    if (b.functions || b.function_call) parts.push({ functions: b.functions ?? null, function_call: b.function_call ?? null });
  }
  // Appended after the context, so a request without shape fields keeps the key it always had.
  if (shape.length) parts.push({ shape });
  // The question's images, audio and files: the embedding reads its text alone, and "what is in this
  // picture?" about another picture is another question. Same media, same key (match_context or not).
  const content = msgs[msgs.length - 1]?.content;
  const media = Array.isArray(content) ? content.filter((p) => !isTextPart(p)) : [];
  if (media.length) parts.push({ media });
  // The question's participant name (OpenAI reads it; chat templates may render it): in a shared chat,
  // Alice's "what is my name?" is not Bob's. Appended only when sent, so other keys stay as they were.
  const name = (msgs[msgs.length - 1] as { name?: unknown } | undefined)?.name;
  if (typeof name === 'string' && name) parts.push({ name });
  if (parts.length) key.context = digest(JSON.stringify(parts));
  return { key, lookup, store };
}

/**
 * Request fields that change what the answer is, not only its wording: how many choices, log
 * probabilities, where it is cut, token biases, output modalities. A request that sets any of them
 * only meets answers stored under the same values (match_context or not): an answer with one choice
 * must not serve `n: 3`, nor one cut at 5 tokens a request for 1,000.
 */
const ANSWER_SHAPE = [
  'n', 'logprobs', 'top_logprobs', 'max_tokens', 'max_completion_tokens', 'stop', 'logit_bias', 'modalities', 'audio', 'parallel_tool_calls', 'prediction',
  // vLLM's structured outputs (older guided_* fields and the newer structured_outputs): a constrained answer.
  'structured_outputs', 'guided_json', 'guided_regex', 'guided_choice', 'guided_grammar', 'guided_whitespace_pattern',
  // The client's own reasoning switches (an explicit model keeps them; routing overrides them for auto
  // names, the same way for the same question): an answer made thinking must not serve one asked without.
  // `reasoning` is the nested form of the effort ({"effort": "high"}) that a dotted family parameter writes.
  'reasoning_effort', 'reasoning', 'chat_template_kwargs',
  // vLLM's: what the prompt holds besides the messages (RAG documents, the request's own template),
  // tokens banned, allowed or ending the answer, the answer's length floor, its custom logits
  // processors' arguments, and output switches (the prompt echoed, prompt logprobs, token ids, stop
  // strings kept, special tokens shown). "Summarize the document" about other documents is another question.
  'documents', 'chat_template', 'add_generation_prompt', 'continue_final_message', 'bad_words', 'allowed_token_ids',
  'stop_token_ids', 'min_tokens', 'ignore_eos', 'vllm_xargs', 'echo', 'prompt_logprobs', 'return_tokens_as_token_ids',
  'return_token_ids', 'include_stop_str_in_output', 'skip_special_tokens', 'spaces_between_special_tokens',
  // A seed names one sample (vLLM and OpenAI honour it): another seed asks for another draft, the same
  // seed for the same answer. OpenAI's search models answer from the web under these settings.
  'seed', 'web_search_options',
  // Penalties change even a greedy answer (which tokens may repeat); OpenAI's verbosity its length.
  'frequency_penalty', 'presence_penalty', 'repetition_penalty', 'verbosity',
  // vLLM's beam search and prompt truncation (the model reads only the last N prompt tokens).
  'use_beam_search', 'best_of', 'length_penalty', 'truncate_prompt_tokens',
];

/**
 * Fields that change the answer's form (JSON of a schema, a tool call): part of the context digest
 * under match_context, and of the shape without it, so a prose answer never serves a JSON ask.
 */
const CONTEXT_SHAPE = ['response_format', 'tools', 'tool_choice', 'functions', 'function_call'];

/** Threshold a stored answer must reach: its category's, else the global one. */
export function thresholdFor(cfg: CacheConfig, category: string | undefined): number {
  return (category !== undefined ? cfg.category_thresholds[category] : undefined) ?? cfg.similarity_threshold;
}

/** The lowest threshold any entry could need: the index is asked for its best match above it. */
export function lookupThreshold(cfg: CacheConfig): number {
  return Math.min(cfg.similarity_threshold, ...Object.values(cfg.category_thresholds));
}

/** 64-bit FNV-1a over UTF-16 code units, as hex: a partition label, not a security boundary. */
export function digest(s: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h1 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

// Token counts of a passed-through JSON answer (completions, embeddings, responses), without holding
// it: the answer streams to the client, and only its last bytes are kept, where vLLM writes `usage`
// (after choices / data). SSE answers get theirs from the stream watch (upstream/sse.ts).
import type { BodyReader } from '../upstream/types.ts';

const TAIL_BYTES = 8192;

/** A reader that passes every chunk on and keeps the last TAIL_BYTES (at least) of them. */
export class TailKeeper implements BodyReader {
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  constructor(private readonly src: BodyReader) {}

  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const r = await this.src.read();
    if (!r.done) this.keep(r.value);
    return r;
  }

  /** One chunk of the answer, as it passes (also for a door that sees the chunks itself: ext_proc). */
  keep(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.byteLength >= TAIL_BYTES) this.bytes -= this.chunks.shift()!.byteLength;
  }

  cancel(reason?: unknown): Promise<void> {
    this.chunks = [];
    return this.src.cancel(reason);
  }

  /** The usage object of the answer's last `"usage": {...}` member, if the tail holds a whole one. */
  usage(): Record<string, unknown> | undefined {
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    return findJsonUsage(new TextDecoder().decode(all));
  }
}

/** The last `"usage": {...}` object of a JSON text (not one quoted inside a string: `\"usage\"`). */
export function findJsonUsage(text: string): Record<string, unknown> | undefined {
  let i = text.lastIndexOf('"usage"');
  while (i > 0 && text[i - 1] === '\\') i = text.lastIndexOf('"usage"', i - 1);
  if (i < 0) return undefined;
  const open = text.indexOf('{', i);
  if (open < 0 || text.slice(i + 7, open).trim() !== ':') return undefined;
  // The usage object holds numbers and nested objects of numbers: braces balance without strings to skip.
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const ch = text[j];
    if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) {
      try {
        const u: unknown = JSON.parse(text.slice(open, j + 1));
        return u && typeof u === 'object' && !Array.isArray(u) ? (u as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
// A data line longer than this (a response.completed event repeats the whole output) is not held.
const MAX_LINE_CHARS = 1 << 20;

/**
 * An SSE answer's token counts, from every `data:` line that names a usage (passes every chunk on).
 * The routes put it in different places: completions in the last chunk's `usage`, Responses in
 * response.completed's `response.usage`, Anthropic Messages the input in message_start's
 * `message.usage` and the output in message_delta's `usage`.
 */
export class SseUsage implements BodyReader {
  private line = '';
  private input: number | undefined;
  private output: number | undefined;
  private total: number | undefined;
  private readonly decoder = new TextDecoder();

  constructor(private readonly src: BodyReader) {}

  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const r = await this.src.read();
    if (!r.done) this.keep(r.value);
    return r;
  }

  /** One chunk of the answer, as it passes (also for a door that sees the chunks itself: ext_proc). */
  keep(chunk: Uint8Array): void {
    this.scan(this.decoder.decode(chunk, { stream: true }));
  }

  cancel(reason?: unknown): Promise<void> {
    this.line = '';
    return this.src.cancel(reason);
  }

  /** OpenAI-named counts (prompt_tokens, ...), or undefined when the answer named none. */
  usage(): Record<string, unknown> | undefined {
    if (this.line) this.take(this.line);
    this.line = '';
    return this.input === undefined && this.output === undefined && this.total === undefined ? undefined : openAiUsage({ input_tokens: this.input, output_tokens: this.output, total_tokens: this.total });
  }

  private scan(text: string): void {
    let from = 0;
    for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
      const line = this.line + text.slice(from, nl);
      this.line = '';
      this.take(line);
      from = nl + 1;
    }
    this.line += text.slice(from);
    if (this.line.length > MAX_LINE_CHARS) this.line = '';
  }

  private take(line: string): void {
    if (!line.startsWith('data:') || !line.includes('_tokens"')) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line.slice(5));
    } catch {
      return;
    }
    if (!isObj(obj)) return;
    for (const holder of [obj, obj.response, obj.message]) {
      const u = isObj(holder) && isObj(holder.usage) ? openAiUsage(holder.usage) : undefined;
      if (!u) continue;
      // A later event's count wins; a count it leaves out (message_delta's input) keeps the earlier one.
      if (num(u.prompt_tokens) !== undefined && (u.prompt_tokens as number) > 0) this.input = u.prompt_tokens as number;
      if (num(u.completion_tokens) !== undefined) this.output = u.completion_tokens as number;
      if (num(u.total_tokens) !== undefined && (u.total_tokens as number) > 0) this.total = u.total_tokens as number;
    }
  }
}

/**
 * A usage block with OpenAI's names: Responses and Anthropic Messages answers say input_tokens /
 * output_tokens where the token metrics read prompt_tokens / completion_tokens.
 */
export function openAiUsage(u: unknown): Record<string, unknown> | undefined {
  if (!isObj(u)) return undefined;
  if (num(u.prompt_tokens) !== undefined || num(u.completion_tokens) !== undefined) return u;
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  if (input === undefined && output === undefined) return u;
  const total = num(u.total_tokens);
  return { prompt_tokens: input ?? 0, completion_tokens: output ?? 0, total_tokens: total && total >= (input ?? 0) + (output ?? 0) ? total : (input ?? 0) + (output ?? 0) };
}

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
    if (!r.done) {
      this.chunks.push(r.value);
      this.bytes += r.value.byteLength;
      while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.byteLength >= TAIL_BYTES) this.bytes -= this.chunks.shift()!.byteLength;
    }
    return r;
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

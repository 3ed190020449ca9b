// Streaming passthrough with an optional view of the SSE events. Bytes go to the client as they
// arrive; events are parsed only when a ResponseTap asks for chunks or for the assembled answer.
import type { ResponseTap } from '../pipeline/context.ts';

export interface StreamWatch {
  onFirstByte(): void;
  /** Called once when the upstream stream ends cleanly (not on cancel or error). */
  onEnd(info: { events: string[]; last?: Record<string, unknown>; completion?: Record<string, unknown> }): void;
  onError(err: unknown): void;
}

/** Joins chunk deltas into one chat.completion, so a streamed answer can be cached and replayed as JSON. */
export function assembleCompletion(chunks: Record<string, unknown>[]): Record<string, unknown> {
  const first = chunks[0] ?? {};
  const choices = new Map<number, { role: string; content: string; finish_reason: unknown }>();
  let usage: unknown;
  for (const c of chunks) {
    if (c.usage) usage = c.usage;
    for (const ch of (c.choices as Array<Record<string, unknown>>) ?? []) {
      const i = Number(ch.index ?? 0);
      const acc = choices.get(i) ?? { role: 'assistant', content: '', finish_reason: null };
      const delta = (ch.delta ?? {}) as Record<string, unknown>;
      if (typeof delta.role === 'string') acc.role = delta.role;
      if (typeof delta.content === 'string') acc.content += delta.content;
      if (ch.finish_reason) acc.finish_reason = ch.finish_reason;
      choices.set(i, acc);
    }
  }
  return {
    id: first.id,
    object: 'chat.completion',
    created: first.created,
    model: first.model,
    choices: [...choices.entries()].map(([index, c]) => ({ index, message: { role: c.role, content: c.content }, finish_reason: c.finish_reason })),
    ...(usage ? { usage } : {}),
  };
}

export function watchStream(body: ReadableStream<Uint8Array>, taps: ResponseTap[], watch: StreamWatch): ReadableStream<Uint8Array> {
  const rewrite = taps.some((t) => t.chunk);
  const collect = rewrite || taps.some((t) => t.done);
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = '';
  let first = true;
  const events: string[] = [];
  const parsed: Record<string, unknown>[] = [];
  let last: Record<string, unknown> | undefined;
  // Without taps only a small tail is kept, to find `usage` in the final chunks for token metrics.
  let tail = '';

  const handleEvent = (raw: string): string => {
    const data = raw.startsWith('data:') ? raw.slice(5).trimStart() : undefined;
    if (data === undefined || data === '[DONE]') {
      events.push(raw);
      return raw;
    }
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(data);
    } catch {
      events.push(raw);
      return raw;
    }
    for (const t of taps) if (t.chunk) obj = t.chunk(obj);
    parsed.push(obj);
    if (obj.usage) last = obj;
    const out = rewrite ? `data: ${JSON.stringify(obj)}` : raw;
    events.push(out);
    return out;
  };

  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        watch.onError(err);
        controller.error(err);
        return;
      }
      if (r.done) {
        if (collect && buffer.trim()) {
          const out = handleEvent(buffer.trim());
          if (rewrite) controller.enqueue(encoder.encode(`${out}\n\n`));
        }
        if (!collect) last = findUsage(tail);
        watch.onEnd({ events, last, completion: collect ? assembleCompletion(parsed) : undefined });
        controller.close();
        return;
      }
      if (first) {
        first = false;
        watch.onFirstByte();
      }
      if (!collect) {
        tail = (tail + decoder.decode(r.value, { stream: true })).slice(-4096);
        controller.enqueue(r.value);
        return;
      }
      buffer += decoder.decode(r.value, { stream: true }).replace(/\r\n/g, '\n');
      let out = '';
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) >= 0) {
        const ev = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        if (ev.trim()) out += `${handleEvent(ev)}\n\n`;
      }
      if (!rewrite) controller.enqueue(r.value);
      else if (out) controller.enqueue(encoder.encode(out));
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function findUsage(tail: string): Record<string, unknown> | undefined {
  const i = tail.lastIndexOf('"usage"');
  if (i < 0) return undefined;
  const start = tail.lastIndexOf('data:', i);
  if (start < 0) return undefined;
  const end = tail.indexOf('\n', i);
  try {
    const obj = JSON.parse(tail.slice(start + 5, end < 0 ? undefined : end).trim());
    return obj && obj.usage ? obj : undefined;
  } catch {
    return undefined;
  }
}

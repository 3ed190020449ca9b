// Conversions between the two shapes of a chat answer, so a cached answer can be served to either
// kind of client: SSE events -> one chat.completion (for JSON clients and for storage), and a stored
// answer -> SSE (the recorded events verbatim when there are some, else chunks built from the JSON),
// always ending with `data: [DONE]` (the reference's bug #913 was a half-replayed stream).
type Obj = Record<string, unknown>;

/** The `data:` payloads of raw SSE events (each event with or without its `data: ` prefix). */
export function ssePayloads(events: readonly string[]): string[] {
  const out: string[] = [];
  for (const ev of events) {
    // The usual event, one data line: what the general path gives, without splitting (once per token).
    if (ev.startsWith('data:') && !ev.includes('\n')) {
      out.push(ev.slice(5).trimStart());
      continue;
    }
    const lines = ev.split('\n').filter((l) => l.startsWith('data:'));
    if (lines.length === 0 && !ev.startsWith(':') && !/^(event|id|retry):/.test(ev) && ev.trim()) out.push(ev.trim());
    else if (lines.length) out.push(lines.map((l) => l.slice(5).trimStart()).join('\n'));
  }
  return out;
}

/** Parses raw SSE text (as a client receives it) into events. */
export function splitSse(text: string): string[] {
  // Any line end the SSE spec allows (CRLF, LF, a lone CR): a CR-only stream was one event, so a
  // stream answered to a JSON request that way was a 502 (the streaming path frames it fine).
  return text.replace(/\r\n?/g, '\n').split('\n\n').map((e) => e.trim()).filter(Boolean);
}

/** Joins chat.completion.chunk deltas (content, refusal, reasoning, tool calls) into one chat.completion. */
export function assembleChunks(events: readonly string[]): Obj | undefined {
  const chunks: Obj[] = [];
  for (const p of ssePayloads(events)) {
    if (p === '[DONE]') continue;
    try {
      const o = JSON.parse(p);
      if (o && typeof o === 'object') chunks.push(o as Obj);
    } catch {
      return undefined;
    }
  }
  if (chunks.length === 0) return undefined;
  const first = chunks[0]!;
  type Acc = { role: string; content: string; refusal: string; reasoning: string; reasoningAs: 'reasoning_content' | 'reasoning'; tools: Obj[]; finish: unknown; logprobs?: Record<string, unknown[]> };
  const choices = new Map<number, Acc>();
  let usage: unknown, fingerprint: unknown;
  for (const c of chunks) {
    if (c.usage) usage = c.usage;
    if (c.system_fingerprint) fingerprint = c.system_fingerprint;
    for (const ch of Array.isArray(c.choices) ? (c.choices as Obj[]) : []) {
      // A null entry carries nothing (and threw here, cutting a streamed answer at its end).
      if (!ch || typeof ch !== 'object') continue;
      const i = Number(ch.index ?? 0);
      const acc: Acc = choices.get(i) ?? { role: 'assistant', content: '', refusal: '', reasoning: '', reasoningAs: 'reasoning_content', tools: [], finish: null };
      const d = (ch.delta ?? {}) as Obj;
      if (typeof d.role === 'string') acc.role = d.role;
      if (typeof d.content === 'string') acc.content += d.content;
      // OpenAI streams a declined answer in delta.refusal; dropped, it was cached and replayed as an empty answer.
      if (typeof d.refusal === 'string') acc.refusal += d.refusal;
      if (typeof d.reasoning_content === 'string') acc.reasoning += d.reasoning_content;
      // Newer vLLM (and other servers) stream it as delta.reasoning: kept, under the name it came with.
      else if (typeof d.reasoning === 'string') {
        acc.reasoning += d.reasoning;
        acc.reasoningAs = 'reasoning';
      }
      for (const tc of Array.isArray(d.tool_calls) ? (d.tool_calls as Obj[]) : []) {
        if (!tc || typeof tc !== 'object') continue;
        const k = Number(tc.index ?? acc.tools.length);
        const fn = (tc.function ?? {}) as Obj;
        const t = (acc.tools[k] ??= { id: tc.id, type: tc.type ?? 'function', function: { name: '', arguments: '' } });
        if (tc.id) t.id = tc.id;
        const tf = t.function as { name: string; arguments: string };
        if (typeof fn.name === 'string') tf.name += fn.name;
        if (typeof fn.arguments === 'string') tf.arguments += fn.arguments;
      }
      // Token logprobs (asked with logprobs: true) come per chunk: joined, a JSON client gets them all.
      const lp = ch.logprobs as Obj | null | undefined;
      if (lp && typeof lp === 'object') {
        for (const k of ['content', 'refusal']) if (Array.isArray(lp[k])) ((acc.logprobs ??= {})[k] ??= []).push(...(lp[k] as unknown[]));
      }
      if (ch.finish_reason) acc.finish = ch.finish_reason;
      choices.set(i, acc);
    }
  }
  return {
    id: first.id,
    object: 'chat.completion',
    created: first.created,
    model: first.model,
    ...(fingerprint ? { system_fingerprint: fingerprint } : {}),
    choices: [...choices.entries()].sort((a, b) => a[0] - b[0]).map(([index, c]) => ({
      index,
      message: {
        role: c.role,
        content: c.content,
        ...(c.refusal ? { refusal: c.refusal } : {}),
        ...(c.reasoning ? { [c.reasoningAs]: c.reasoning } : {}),
        ...(c.tools.length ? { tool_calls: c.tools.filter(Boolean) } : {}),
      },
      ...(c.logprobs ? { logprobs: c.logprobs } : {}),
      finish_reason: c.finish,
    })),
    ...(usage ? { usage } : {}),
  };
}

/** True when every choice finished normally (stop or length) and, if streamed, the stream ended with [DONE]. */
export function isCompleteAnswer(completion: Obj | undefined, sse?: readonly string[]): boolean {
  if (!completion || typeof completion !== 'object' || completion.error) return false;
  const choices = completion.choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  for (const ch of choices as Obj[]) {
    if (ch.finish_reason !== 'stop' && ch.finish_reason !== 'length') return false;
    const m = ch.message as Obj | undefined;
    // A JSON refusal has content null and the text in refusal: a final answer too.
    if (!m || (typeof m.content !== 'string' && !(m.content == null && typeof m.refusal === 'string' && m.refusal))) return false;
  }
  if (sse) {
    const p = ssePayloads(sse);
    if (p[p.length - 1] !== '[DONE]') return false;
  }
  return true;
}

/** True when a choice declined (message.refusal, as OpenAI answers a request it will not serve). */
export function isRefusal(completion: Obj): boolean {
  const choices = Array.isArray(completion.choices) ? (completion.choices as Obj[]) : [];
  return choices.some((ch) => {
    const r = (ch?.message as Obj | undefined)?.refusal;
    return typeof r === 'string' && r.length > 0;
  });
}

/** True when no choice says anything: no text (blank), refusal or tool call, whatever it reasoned. */
export function isEmptyAnswer(completion: Obj): boolean {
  const choices = Array.isArray(completion.choices) ? (completion.choices as Obj[]) : [];
  return choices.every((ch) => {
    const m = (ch?.message ?? {}) as Obj;
    const said = (v: unknown) => typeof v === 'string' && v.trim() !== '';
    return !said(m.content) && !said(m.refusal) && !(Array.isArray(m.tool_calls) && m.tool_calls.length);
  });
}

/** A stored answer as an SSE body: recorded events verbatim, or chunks built from the completion. */
export function toSseBody(completion: Obj, sse?: readonly string[], opts: { includeUsage?: boolean } = {}): string {
  const payloads = sse?.length
    ? usageAsAsked(ssePayloads(sse).filter((p) => p !== '[DONE]'), completion, opts.includeUsage === true)
    : completionToChunks(completion, opts).map((c) => JSON.stringify(c));
  // A payload recorded from several data lines (joined with \n) goes back as several: after a bare
  // \n the rest was no data line, so the client parsed a cut JSON (the SDK threw on the cache hit).
  return payloads.map((p) => `data: ${p.includes('\n') ? p.replace(/\n/g, '\ndata: ') : p}\n\n`).join('') + 'data: [DONE]\n\n';
}

/** A usage-only chunk (choices: [], usage set): what a stream sends last when include_usage was asked. */
function isUsageChunk(payload: string): boolean {
  // Only a payload with a usage key can be one (quotes inside strings are escaped): the rest is not parsed.
  if (!payload.includes('"usage"')) return false;
  try {
    const o = JSON.parse(payload) as Obj | null;
    return !!o && Array.isArray(o.choices) && o.choices.length === 0 && !!o.usage;
  } catch {
    return false;
  }
}

/**
 * The recorded events with the usage chunk as this client asked (stream_options.include_usage), as
 * an upstream would send them: a client that did not ask gets none (a chunk with no choices breaks
 * loops that read choices[0]); one that asked gets the recorded one, else one from the stored usage.
 */
function usageAsAsked(payloads: string[], completion: Obj, includeUsage: boolean): string[] {
  const kept = payloads.filter((p) => !isUsageChunk(p));
  if (!includeUsage) return kept;
  if (kept.length < payloads.length || !completion.usage) return payloads;
  const base = { id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model };
  return [...payloads, JSON.stringify({ ...base, choices: [], usage: completion.usage })];
}

/** chat.completion -> chat.completion.chunk objects: role, content, refusal, tool calls, finish (+ usage if asked). */
export function completionToChunks(completion: Obj, opts: { includeUsage?: boolean } = {}): Obj[] {
  const base = { id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model };
  const out: Obj[] = [];
  const choices = Array.isArray(completion.choices) ? (completion.choices as Obj[]) : [];
  for (const ch of choices) {
    const index = ch.index ?? 0;
    const m = (ch.message ?? {}) as Obj;
    out.push({ ...base, choices: [{ index, delta: { role: m.role ?? 'assistant', content: '' }, finish_reason: null }] });
    for (const k of ['reasoning_content', 'reasoning'] as const) {
      if (typeof m[k] === 'string' && m[k]) out.push({ ...base, choices: [{ index, delta: { [k]: m[k] }, finish_reason: null }] });
    }
    // The answer's token logprobs ride with its text, as a stream carries them.
    const logprobs = ch.logprobs && typeof ch.logprobs === 'object' ? { logprobs: ch.logprobs } : {};
    if (typeof m.content === 'string' && m.content) out.push({ ...base, choices: [{ index, delta: { content: m.content }, ...logprobs, finish_reason: null }] });
    if (typeof m.refusal === 'string' && m.refusal) out.push({ ...base, choices: [{ index, delta: { refusal: m.refusal }, finish_reason: null }] });
    if (Array.isArray(m.tool_calls) && m.tool_calls.length) {
      const tool_calls = (m.tool_calls as Obj[]).map((t, i) => ({ index: i, ...t }));
      out.push({ ...base, choices: [{ index, delta: { tool_calls }, finish_reason: null }] });
    }
    out.push({ ...base, choices: [{ index, delta: {}, finish_reason: ch.finish_reason ?? 'stop' }] });
  }
  if (opts.includeUsage && completion.usage) out.push({ ...base, choices: [], usage: completion.usage });
  return out;
}

// Answers of the mock Production Stack router: chat.completion JSON and chat.completion.chunk SSE,
// each naming the model that served it, so tests can see where a request went.

export function answerText(model: string): string {
  return `This is a mock answer from ${model}.`;
}

/** The usage block of an answer by `model`: its completion tokens are answerText's words. */
export function answerUsage(model: string, promptTokens: number) {
  const completion = answerText(model).split(' ').length;
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
}

export function completionJson(id: string, model: string, created: number, promptTokens: number) {
  const content = answerText(model);
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
    usage: answerUsage(model, promptTokens),
  };
}

/** SSE events (without the "data: " framing) in order: role, one chunk per word, finish, optional usage, [DONE]. */
export function completionChunks(id: string, model: string, created: number, promptTokens: number, includeUsage: boolean): string[] {
  const base = { id, object: 'chat.completion.chunk', created, model };
  const words = answerText(model).split(' ');
  const out: string[] = [JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })];
  words.forEach((w, i) => out.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: i === 0 ? w : ` ${w}` }, finish_reason: null }] })));
  out.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  if (includeUsage) {
    out.push(JSON.stringify({ ...base, choices: [], usage: answerUsage(model, promptTokens) }));
  }
  out.push('[DONE]');
  return out;
}

/** A rough token count (words), enough for usage numbers that move with the prompt. */
export function countPromptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  let n = 0;
  for (const m of messages) {
    const c = (m as { content?: unknown })?.content;
    const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p as { text?: string })?.text ?? '').join(' ') : '';
    n += text.split(/\s+/).filter(Boolean).length;
  }
  return n;
}

// The per-request log line takes pino's plain path (no path redaction: it is built from an
// allow-list of fields), everything else keeps redaction. Token counts stay numbers.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createNodeLogger } from '../../runtimes/node/logger.ts';
import { buildRequestLog } from '../../src/observability/request-log.ts';
import type { PipelineContext } from '../../src/pipeline/context.ts';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c, _e, cb) => void (chunks.push(String(c)), cb()) });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const ctx = {
  requestId: 'r-1',
  headers: { authorization: 'Bearer sk-live' },
  body: { model: 'MoM', messages: [{ role: 'user', content: 'my prompt 555-867-5309' }] },
  requestedModel: 'MoM',
  stream: false,
  texts: { latestUser: 'my prompt 555-867-5309', user: [], system: [], assistant: [], tool: [] },
  decision: { routed: true, model: 'qwen3', category: 'math', confidence: 0.9, reasoning: false, injectedSystemPrompt: false, reasonCode: 'auto_routing' },
  responseHeaders: {},
  taps: [],
  startedMs: 0,
} as unknown as PipelineContext;

const usage = { promptTokens: 20, completionTokens: 11, totalTokens: 31 } as never;

describe('node logger: request line', () => {
  it('writes the request line whole, with numeric token counts', () => {
    const out = capture();
    const log = createNodeLogger({ default_model: 'q' } as never, { destination: out.stream });
    log.info(buildRequestLog({ ctx, status: 200, outcome: 'upstream', nowMs: 3, usage }), 'request');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', service: 'semroute', event: 'request', request_id: 'r-1', model: 'qwen3', tokens: { prompt: 20, completion: 11, total: 31 }, msg: 'request' });
    expect(JSON.stringify(line)).not.toContain('[redacted]');
  });

  it('redacts a request-shaped object that carries any other key, and every other line', () => {
    const out = capture();
    const log = createNodeLogger({ default_model: 'q' } as never, { destination: out.stream });
    log.info({ ...buildRequestLog({ ctx, status: 200, outcome: 'upstream', nowMs: 3 }), content: 'my prompt 555-867-5309' }, 'request');
    log.info({ event: 'request', headers: ctx.headers }, 'request');
    log.warn({ body: ctx.body }, 'other');
    const text = JSON.stringify(out.lines());
    expect(out.lines()).toHaveLength(3);
    expect(text).not.toContain('867-5309');
    expect(text).not.toContain('sk-live');
  });

  it('keeps the configured level for the request line', () => {
    const out = capture();
    const log = createNodeLogger({ default_model: 'q', observability: { logging: { level: 'warn' } } } as never, { destination: out.stream });
    log.info(buildRequestLog({ ctx, status: 200, outcome: 'upstream', nowMs: 3 }), 'request');
    expect(out.lines()).toHaveLength(0);
  });
});

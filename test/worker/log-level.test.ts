// LOG_LEVEL on the Worker, as on Node (runtimes/node/logger.ts): a `LOG_LEVEL` variable
// (wrangler.jsonc vars, or `wrangler secret put`) overrides observability.logging.level, in any case,
// `warning` for warn; anything else is a start-up error naming the variable (503 startup_failed).
// The Worker ignored it: an operator who quieted a Node pod with LOG_LEVEL=warn got every line here.
import { env, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

const base = env as unknown as WorkerEnv;

/** The log lines (every level) while a fresh app for this LOG_LEVEL starts and refuses a request (logged at info). */
async function linesWith(level: string | undefined, tag: string): Promise<{ status: number; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const keep = (l: unknown) => {
    try {
      lines.push(JSON.parse(String(l)) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  };
  const spies = (['log', 'warn', 'error'] as const).map((m) => vi.spyOn(console, m).mockImplementation(keep));
  try {
    const e = { ...base, SEMROUTE_CONFIG: `${DEFAULT_CONFIG_YAML}\n# log-level: ${tag}\n`, ...(level === undefined ? {} : { LOG_LEVEL: level }) } as WorkerEnv;
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request('https://semroute.test/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' }), e, ctx);
    await res.text();
    await waitOnExecutionContext(ctx);
    return { status: res.status, lines };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

describe('Worker: LOG_LEVEL', () => {
  it('unset: the config\'s level (info): the refusal is logged at info', async () => {
    const { status, lines } = await linesWith(undefined, 'unset');
    expect(status).toBe(400);
    expect(lines.some((l) => l.level === 'info' && l.status === 400)).toBe(true);
  });

  it.each(['warn', 'WARNING', ' Error '])('%j: no info line', async (level) => {
    const { status, lines } = await linesWith(level, `level-${level}`);
    expect(status).toBe(400);
    expect(lines.filter((l) => l.level === 'info')).toEqual([]);
  });

  it('a value that is no level: 503 startup_failed, the variable named in the log', async () => {
    const { status, lines } = await linesWith('loud', 'bad');
    expect(status).toBe(503);
    expect(lines.some((l) => l.msg === 'start-up failed' && /LOG_LEVEL/.test(String(l.err)))).toBe(true);
  });
});

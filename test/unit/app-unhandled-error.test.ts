// An exception no handler caught: the client gets the generic OpenAI-shaped 500, and the log line
// names the error and the route, never the message or the raw path (both can quote the request).
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadDefaultConfig } from '../../src/config/index.ts';
import { fakeDeps } from './guard-fakes.ts';

describe('unhandled errors', () => {
  it('500 server_error; the log has the name, route and frames, no personal data', async () => {
    const deps = fakeDeps(loadDefaultConfig().config as unknown as Record<string, unknown>, {});
    const app = createApp(deps);
    // A handler that fails with the request in its message, as a JSON or URI error would.
    app.get('/boom/:x', (c) => {
      throw new TypeError(`cannot read ${decodeURIComponent(c.req.path)}`);
    });
    const res = await app.request('/boom/jane.doe%40example.com?ssn=219-09-9999');
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'server_error', code: 'internal_error' });
    expect(body.error.message).not.toMatch(/jane|219-09/);
    const lines = deps.rec.logs.filter((l) => (l as [unknown, string])[1] === 'unhandled error') as Array<[Record<string, unknown>, string]>;
    expect(lines).toHaveLength(1);
    const [fields] = lines[0]!;
    expect(fields).toMatchObject({ err: 'TypeError', route: '/boom/:x' });
    expect((fields.frames as string[]).length).toBeGreaterThan(0);
    expect(JSON.stringify(fields)).not.toMatch(/jane|example\.com|219-09-9999/);
  });

  it("the 500 and its log line carry the request id (the client's, or a fresh one), so the two can be matched", async () => {
    const deps = fakeDeps(loadDefaultConfig().config as unknown as Record<string, unknown>, {});
    const app = createApp(deps);
    app.get('/boom', () => {
      throw new Error('x');
    });
    const res = await app.request('/boom', { headers: { 'x-request-id': 'client-id-7' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('client-id-7');
    const fresh = await app.request('/boom');
    const id = fresh.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const ids = deps.rec.logs.filter((l) => (l as [unknown, string])[1] === 'unhandled error').map((l) => (l as [Record<string, unknown>])[0].request_id);
    expect(ids).toEqual(['client-id-7', id]);
  });
});

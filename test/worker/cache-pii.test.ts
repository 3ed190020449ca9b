// The semantic cache's PII check (src/cache/pii-check.ts) on the Worker with the durable_object
// backend: the scan and the store run in the store tap after the client has its answer, kept alive
// with cloudflare:workers waitUntil. A question carrying an e-mail address is never stored (JSON or
// streamed); one without is, and is a hit for the next ask.
import { env, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import type { CacheStoreNamespace, CacheStoreStub } from '../../runtimes/worker/do-cache-backend.ts';
import { cacheYaml } from './cache-config.ts';

const base = env as unknown as WorkerEnv;
const ns = base.SEMROUTE_CACHE as CacheStoreNamespace;
const stubOf = (name: string) => ns.get(ns.idFromName(name) as never) as CacheStoreStub;

async function call(e: WorkerEnv, req: Request) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, e, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text };
}
const ask = (e: WorkerEnv, content: string, stream: boolean) =>
  call(e, new Request('https://semroute.test/v1/chat/completions', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'MoM', stream, messages: [{ role: 'user', content }] }),
  }));

async function metric(e: WorkerEnv, line: string): Promise<number> {
  const { text } = await call(e, new Request('https://semroute.test/metrics'));
  const hit = text.split('\n').find((l) => l.startsWith(line));
  return hit ? Number(hit.slice(line.length).trim()) : 0;
}

async function until(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('semantic cache PII check on the Worker (durable_object backend, waitUntil)', () => {
  it('a question with an e-mail address is not stored; one without is', async () => {
    const name = `pii-${crypto.randomUUID()}`;
    const e: WorkerEnv = { ...base, SEMROUTE_CONFIG: cacheYaml(name) };
    const withMail = 'Write a short professional bio for me and mention that I can be reached at jane.doe@example.com';
    const skippedPii = 'llm_cache_write_skipped_total{reason="pii"}';

    for (const stream of [false, true]) {
      const first = await ask(e, withMail, stream);
      expect(first.res.status).toBe(200);
      expect(first.res.headers.get('x-vsr-cache-hit')).toBeNull();
    }
    await until('both PII answers to be skipped', async () => (await metric(e, skippedPii)) === 2);
    const again = await ask(e, withMail, false);
    expect(again.res.headers.get('x-vsr-cache-hit')).toBeNull();
    expect((await stubOf(name).changes(0)).adds).toHaveLength(0);

    const clean = 'Which river flows through Vienna, Budapest and Belgrade?';
    expect((await ask(e, clean, false)).res.headers.get('x-vsr-cache-hit')).toBeNull();
    await until('the clean answer to reach the object', async () => (await stubOf(name).changes(0)).adds.length === 1);
    const hit = await ask(e, clean, true);
    expect(hit.res.headers.get('x-vsr-cache-hit')).toBe('true');
    expect(hit.text.trim().endsWith('data: [DONE]')).toBe(true);
    // The third PII ask was skipped too, and nothing but the clean answer was ever stored.
    await until('the third PII answer to be skipped', async () => (await metric(e, skippedPii)) === 3);
    expect((await stubOf(name).changes(0)).adds).toHaveLength(1);
  });
});

// The word-swap check (src/cache/word-swaps.ts) on the Worker's shared cache: an entry stored by one
// isolate reaches another through the SemanticCacheStore Durable Object as CachedAnswer JSON, its
// question's stems with it, so the other isolate refuses "What should I tell my husband?" the answer
// to "What should I tell my wife?", and serves the answer to "How do I grow orchids indoors?" to "How
// do you grow orchids indoors?" (the generic subject). The last case is the control: the same entry without its stems is served to the husband
// question, so the refusal above is the stems' doing (an entry stored before stems were kept).
import { env, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import type { CacheStoreNamespace, CacheStoreStub } from '../../runtimes/worker/do-cache-backend.ts';
import { cacheYaml } from './cache-config.ts';

const base = env as unknown as WorkerEnv;
const ns = base.SEMROUTE_CACHE as CacheStoreNamespace;
const stubOf = (name: string) => ns.get(ns.idFromName(name) as never) as CacheStoreStub;

/** A chat request through the Worker's fetch handler; the answer's x-vsr-cache-hit. */
async function hit(e: WorkerEnv, content: string, extra: Record<string, string> = {}): Promise<string | null> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request('https://semroute.test/v1/chat/completions', {
    method: 'POST', headers: { 'content-type': 'application/json', ...extra },
    body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content }] }),
  }), e, ctx);
  expect(res.status).toBe(200);
  await res.text();
  await waitOnExecutionContext(ctx);
  return res.headers.get('x-vsr-cache-hit');
}

async function until(what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A new isolate (distinct config text, distinct cache) over object `name`, its client known upstream. */
async function isolate(name: string, tag: string): Promise<WorkerEnv> {
  const e: WorkerEnv = { ...base, SEMROUTE_CONFIG: `${cacheYaml(name)}\n# isolate ${tag}\n` };
  // A hit goes only to credentials the upstream accepted on this isolate (src/cache/credentials.ts).
  expect(await hit(e, 'How many moons does Mars have?', { 'x-vsr-cache-control': 'no-store' })).toBeNull();
  return e;
}

describe('word swaps across isolates (Durable Object cache)', () => {
  it('the stems travel with the entry: a swapped noun is refused in another isolate, the generic subject served', async () => {
    const name = `swaps-${crypto.randomUUID()}`;
    const a = await isolate(name, 'A');
    expect(await hit(a, 'What should I tell my wife?')).toBeNull();
    expect(await hit(a, 'How do I grow orchids indoors?')).toBeNull();
    await until('the stores to reach the object', async () => (await stubOf(name).changes(0)).adds.length === 2);
    const [stored] = (await stubOf(name).changes(0)).adds;
    const answer = JSON.parse(stored!.answer) as { stems?: unknown };
    expect(answer.stems).toHaveLength(6);

    const b = await isolate(name, 'B');
    expect(await hit(b, 'What should I tell my wife?'), 'the same question').toBe('true');
    expect(await hit(b, 'What should I tell my husband?'), 'a noun swapped').toBeNull();
    expect(await hit(b, 'How do you grow orchids indoors?'), 'the generic subject').toBe('true');

    // Control: the same entry without stems, in another object, is served to the husband question.
    const bare = `bare-${crypto.randomUUID()}`;
    await stubOf(bare).add([{ ...stored!, answer: JSON.stringify({ ...answer, stems: undefined }) }], 1000);
    const c = await isolate(bare, 'C');
    expect(await hit(c, 'What should I tell my husband?'), 'no stems: served').toBe('true');
  });
});

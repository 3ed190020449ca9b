// The semantic cache on the Worker's shared backend (the SemanticCacheStore Durable Object) against the
// Node gateway's in-memory cache, both on parityYaml: five identical questions at once all get the
// answer (a miss each until the first answer is stored: none waits on another's, on either runtime),
// each miss stores one entry (in the object; Node's index grows as much), and the next ask is a hit whose status,
// headers (x-vsr-cache-hit, x-vsr-cache-similarity) and body are Node's, JSON and SSE.
import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { WorkerEnv } from '../../runtimes/worker/index.ts';
import type { CacheStoreNamespace, CacheStoreStub } from '../../runtimes/worker/do-cache-backend.ts';
import { differences, nodeUrl, onNode, onWorker, parityEnv, type Req, type Seen } from './parity-client.ts';

const objectName = `parity-${crypto.randomUUID()}`;
const doc = parseYaml(inject('parityYaml')) as { semantic_cache: Record<string, unknown> };
doc.semantic_cache = {
  ...doc.semantic_cache,
  backend_type: 'durable_object',
  // No pull delay, and a first load that never gives up on a loaded machine (cache-config.ts says why).
  durable_object: { ...(doc.semantic_cache.durable_object as object), object_name: objectName, poll_interval_ms: 0, load_timeout_ms: 60_000 },
};
const doEnv: WorkerEnv = { ...parityEnv, SEMROUTE_CONFIG: stringifyYaml(doc) };
const ns = (env as unknown as WorkerEnv).SEMROUTE_CACHE as CacheStoreNamespace;
const stored = async () => (await (ns.get(ns.idFromName(objectName) as never) as CacheStoreStub).changes(0)).adds.length;
// Both runtimes store as the answer ends (the Worker through waitUntil, after the response went out),
// so a count may lag the answers a little: read until it grew by `want` (or 5 s pass); the caller
// then checks the count itself.
async function grownBy(count: () => Promise<number>, before: number, want: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  let n = (await count()) - before;
  while (n < want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    n = (await count()) - before;
  }
  return n;
}

const ask = (content: string, stream: boolean): Req => ({
  path: '/v1/chat/completions',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'qwen3', stream, messages: [{ role: 'user', content }] }),
});
const nodeEntries = async () => Number((await (await fetch(`${await nodeUrl()}/metrics`)).text()).match(/^llm_cache_entries\{backend="memory"\} (\S+)$/m)?.[1] ?? 0);
const hitHeaders = (s: Seen) => [s.status, s.headers['x-vsr-cache-hit'] ?? null];

describe('Node vs Worker (durable_object cache): identical questions at once, then a hit', () => {
  it.each([
    [false, 'Which river flows through Vienna, Budapest and Belgrade?'],
    [true, 'How many moons does the planet Jupiter have, roughly?'],
  ])('stream %s', async (stream, question) => {
    const q = ask(question, stream);
    const nodeBefore = await nodeEntries();
    const objectBefore = await stored();
    const node = await Promise.all(Array.from({ length: 5 }, () => onNode(q)));
    const worker = await Promise.all(Array.from({ length: 5 }, () => onWorker(q, doEnv)));
    // Which of the five hit depends on when the first answers were stored (both runtimes store as an
    // answer ends, none waits on another): every one is 200, and each miss stored exactly one entry.
    const misses = (all: Seen[]) => all.filter((s) => s.headers['x-vsr-cache-hit'] === undefined).length;
    expect([...node, ...worker].map(hitHeaders).every(([status]) => status === 200)).toBe(true);
    expect(misses(node)).toBeGreaterThan(0);
    expect(misses(worker)).toBeGreaterThan(0);
    // The object is this test's own, Node's gateway this file's own (parity-client.ts nodeUrl).
    expect(await grownBy(stored, objectBefore, misses(worker))).toBe(misses(worker));
    expect(await grownBy(nodeEntries, nodeBefore, misses(node))).toBe(misses(node));
    for (let i = 0; i < 5; i++) expect(differences(node[i]!.body, worker[i]!.body)).toEqual([]);

    const nodeHit = await onNode(q);
    const workerHit = await onWorker(q, doEnv);
    expect(nodeHit.headers['x-vsr-cache-hit']).toBe('true');
    expect(differences({ ...nodeHit, requestId: !!nodeHit.requestId }, { ...workerHit, requestId: !!workerHit.requestId })).toEqual([]);
  });
});

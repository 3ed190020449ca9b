// What sharing hits (eviction_policy lru / lfu on a shared backend) costs a lookup that hits: two
// synced caches with the same 10k entries (304 dims, lru), one whose backend takes the hit batches
// (every hit counted for the next batch, sent every 50 ms here) and one whose backend does not (no
// sharing: the lookup path as before), timed in alternating rounds so the machine's noise falls on
// both. Run: npx tsx bench/cache-shared-hits.ts [--entries 10000] [--rounds 10] [--lookups 2000]
import { MemoryCache } from '../src/cache/memory-cache.ts';
import { SyncedCache } from '../src/cache/synced-cache.ts';
import type { CacheBackend } from '../src/cache/backend.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const DIM = 304, SIZE = arg('entries', 10_000), ROUNDS = arg('rounds', 10), LOOKUPS = arg('lookups', 2000);

let seed = 7;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
const vecs = Array.from({ length: SIZE }, () => Float32Array.from({ length: DIM }, rand));
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const key = { requestedModel: 'MoM', scope: 'global' };
const answer = { completion: { choices: [] }, model: 'm', createdMs: 0 };
let batches = 0;

async function cache(shares: boolean): Promise<SyncedCache> {
  const backend: CacheBackend = {
    name: 'bench', healthy: () => true, load: async () => [], subscribe: async () => {}, publishAdd: async () => {}, publishRemove: async () => {}, close: async () => {},
    ...(shares ? { publishUses: async () => void batches++ } : {}),
  };
  const c = new SyncedCache(new MemoryCache({ maxEntries: SIZE, eviction: 'lru', ttlSeconds: 3600 }), backend, logger, undefined, { usesFlushMs: 50 });
  for (const v of vecs) await c.store(key, v, answer);
  return c;
}

const variants = { shared: await cache(true), 'not shared': await cache(false) };
const times: Record<string, number[]> = { shared: [], 'not shared': [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, c] of Object.entries(variants)) {
    for (let i = 0; i < LOOKUPS; i++) {
      const v = vecs[((r * LOOKUPS + i) * 7919) % SIZE]!;
      const t0 = performance.now();
      if (!(await c.lookup(key, v, 0.99))) throw new Error('expected a hit');
      times[name]!.push(performance.now() - t0);
    }
    await new Promise((res) => setTimeout(res, 60)); // the shared one's batch goes out between rounds
  }
}
console.log(`# lookup that hits, SyncedCache lru, ${SIZE} entries x ${DIM} dims, ${ROUNDS} alternating rounds of ${LOOKUPS}, node ${process.version}`);
console.log('| hits shared | p50 ms | p90 ms | p10-p90 mean ms |');
console.log('|---|---:|---:|---:|');
for (const [name, t] of Object.entries(times)) {
  t.sort((a, b) => a - b);
  const mid = t.slice(Math.floor(t.length * 0.1), Math.floor(t.length * 0.9));
  const pct = (p: number) => t[Math.floor(p * t.length)]!.toFixed(4);
  console.log(`| ${name} | ${pct(0.5)} | ${pct(0.9)} | ${(mid.reduce((a, b) => a + b, 0) / mid.length).toFixed(4)} |`);
}
console.log(`(${batches} batches sent)`);
for (const c of Object.values(variants)) await c.close();

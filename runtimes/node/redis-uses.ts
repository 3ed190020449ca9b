// The hits the pods share under eviction_policy lru / lfu (src/cache/synced-cache.ts batches them):
// kept in Redis beside each entry (a hash `u:<id>`: h hits, t last use in wall-clock ms, expiring
// with the entry) for the pods that load later, and sent to the running pods on the events channel.
// One script per batch: it writes only for entries Redis still holds (a use arriving after another
// pod's eviction must not leave a record behind, forever when entries never expire) and publishes
// the batch, so a pod reading the event finds the record already written.
import type { EntryUse } from '../../src/cache/backend.ts';

/** Entries per script run: one batch of a busy second stays one short run, not one long block. */
export const USES_PER_SCRIPT = 500;

// KEYS: per entry, its key then its uses key. ARGV: '1' to raise to totals (a Redis restarted empty
// given the pods' counts; the largest wins) else add, the channel, the event, then per entry its
// hits and last use.
export const USES_SCRIPT = `
local total = ARGV[1] == '1'
for i = 1, #KEYS, 2 do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl ~= -2 then
    local u, h, t = KEYS[i + 1], tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
    if not total then redis.call('HINCRBY', u, 'h', h)
    elseif h > tonumber(redis.call('HGET', u, 'h') or '0') then redis.call('HSET', u, 'h', h) end
    if t > tonumber(redis.call('HGET', u, 't') or '0') then redis.call('HSET', u, 't', t) end
    if ttl > 0 then redis.call('PEXPIRE', u, ttl) end
  end
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 0`;

/** The event's list: [id, hits, last use ms] per entry. */
export type WireUses = Array<[string, number, number]>;

export const toWireUses = (uses: EntryUse[]): WireUses => uses.map((u) => [u.id, Math.round(u.hits), Math.round(u.usedMs)]);

/** The uses in an event, or undefined when it is not in this shape (another version or tool). */
export function fromWireUses(w: unknown): EntryUse[] | undefined {
  if (!Array.isArray(w)) return undefined;
  const out: EntryUse[] = [];
  for (const u of w) {
    if (!Array.isArray(u) || typeof u[0] !== 'string' || !(u[1] >= 0) || !Number.isFinite(u[1]) || !Number.isFinite(u[2])) return undefined;
    out.push({ id: u[0], hits: u[1], usedMs: u[2] });
  }
  return out;
}

/** An entry's record as HMGET h t answered it; usedMs falls back to when it was stored (never hit). */
export function usesOf(raw: unknown, createdMs: number): { hits: number; usedMs: number } {
  const [h, t] = Array.isArray(raw) ? raw.map(Number) : [];
  return { hits: h! > 0 ? h! : 0, usedMs: t! > 0 ? t! : Number(createdMs) || 0 };
}

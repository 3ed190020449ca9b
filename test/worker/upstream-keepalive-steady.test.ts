// Steady traffic to an upstream that keeps its connections: each request reuses a connection idle a few
// ms, far under any real idle close (kept-alive.ts REUSE_FLOOR_MS). 0f42882 held such a body
// REUSE_HOLD_MS (250 ms) after its first bytes until this upstream's idle close or a long answered reuse
// had been seen, and the upstream answers only once the body is whole: +250 ms on every chat request
// (bench/worker-keepalive.ts measures it). Seen here without a clock: with upstream.timeout_ms (no
// answer head within) under the hold, every reused request timed out (504) though the upstream
// answers at once. Traffic a request a second or more apart on a connection: 0aabb1e still held a body
// on one idle past half the longest answered idle, so a request every 1.1 s waited 250 ms each time;
// now up to that longest idle (kept-alive.ts ANSWERED_CAP_MS). Through the forwarder with the Worker's
// own client in workerd, keepalive-setup.ts 'plain' (answers every request, keeps the connection).
import { describe, expect, inject, it } from 'vitest';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover } from '../../src/upstream/send-failover.ts';
import { arrivals, forwarderRig } from './forwarder-rig.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request through `rig`'s forwarder: 'kid 200', or 'kid status code'. */
async function ask(rig: ReturnType<typeof forwarderRig>, id: string): Promise<string> {
  const request = { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `say ok ${id}` }] }) };
  const sent = await sendWithFailover(rig.deps, rig.pool, { requestId: id, label: 'm', candidates: [rig.ep], request, idle: idleWatch(0) });
  if (!('res' in sent)) return `${id} ${sent.error.status} ${sent.error.code}`;
  await new Response(sent.res.body).text();
  return `${id} ${sent.res.status}`;
}

describe('Worker: steady traffic on kept-alive connections', () => {
  it('a body on a connection reused a few ms after its answer goes out at once (answered within a 200 ms upstream.timeout_ms)', async () => {
    const base = inject('keepAliveRace').plain;
    const ids = Array.from({ length: 12 }, (_, i) => `kid-s${i}`);
    const rig = forwarderRig(base, 'plain', 200);
    const { counts, marks } = rig;
    const seen: string[] = [];
    for (const id of ids) seen.push(await ask(rig, id));
    expect(seen).toEqual(ids.map((id) => `${id} 200`));
    const got = await arrivals(base);
    for (const id of ids) expect(got[id], id).toBe(1);
    // Nothing failed, so nothing was sent again or marked down.
    expect(counts['llm_upstream_retries_total'] ?? 0).toBe(0);
    expect(marks).toEqual([]);
  });

  it('paced a second apart: once a reuse after 1.3 s idle was answered, those after about 1.1 s go out at once', async () => {
    const base = inject('keepAliveRace').plain;
    // The first reuse past the floor waits (nothing known of this idle time yet): a timeout it can meet.
    expect(await ask(forwarderRig(base, 'plain'), 'kid-p0')).toBe('kid-p0 200');
    await pause(1300);
    expect(await ask(forwarderRig(base, 'plain'), 'kid-p1')).toBe('kid-p1 200');
    // The same Worker client (one tally per module), the 200 ms upstream.timeout_ms under the hold.
    const quick = forwarderRig(base, 'plain', 200);
    const seen: string[] = [];
    for (const id of ['kid-p2', 'kid-p3', 'kid-p4']) {
      await pause(1100);
      seen.push(await ask(quick, id));
    }
    expect(seen).toEqual(['kid-p2 200', 'kid-p3 200', 'kid-p4 200']);
    expect(quick.marks).toEqual([]);
  }, 30_000);
});

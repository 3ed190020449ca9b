// Steady traffic to an upstream that keeps its connections: each request reuses a connection idle a few
// ms, far under any real idle close (kept-alive.ts REUSE_FLOOR_MS). 0f42882 held such a body
// REUSE_HOLD_MS (250 ms) after its first bytes until this upstream's idle close or a long answered reuse
// had been seen, and the upstream answers only once the body is whole: +250 ms on every chat request
// (bench/worker-keepalive.ts measures it). Seen here without a clock: with upstream.timeout_ms (no
// answer head within) under the hold, every reused request timed out (504) though the upstream
// answers at once. Through the forwarder with the Worker's own client in workerd, keepalive-setup.ts
// 'plain' (answers every request, keeps the connection).
import { describe, expect, inject, it } from 'vitest';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover } from '../../src/upstream/send-failover.ts';
import { arrivals, forwarderRig } from './forwarder-rig.ts';

describe('Worker: steady traffic on kept-alive connections', () => {
  it('a body on a connection reused a few ms after its answer goes out at once (answered within a 200 ms upstream.timeout_ms)', async () => {
    const base = inject('keepAliveRace').plain;
    const { counts, marks, deps, pool, ep } = forwarderRig(base, 'plain', 200);
    const ids = Array.from({ length: 12 }, (_, i) => `kid-s${i}`);
    const seen: string[] = [];
    for (const id of ids) {
      const request = { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `say ok ${id}` }] }) };
      const sent = await sendWithFailover(deps, pool, { requestId: id, label: 'm', candidates: [ep], request, idle: idleWatch(0) });
      if (!('res' in sent)) {
        seen.push(`${id} ${sent.error.status} ${sent.error.code}`);
        continue;
      }
      await new Response(sent.res.body).text();
      seen.push(`${id} ${sent.res.status}`);
    }
    expect(seen).toEqual(ids.map((id) => `${id} 200`));
    const got = await arrivals(base);
    for (const id of ids) expect(got[id], id).toBe(1);
    // Nothing failed, so nothing was sent again or marked down.
    expect(counts['llm_upstream_retries_total'] ?? 0).toBe(0);
    expect(marks).toEqual([]);
  });
});

// A kept-alive connection the upstream closes as the Worker reuses it (issue #3, runtimes/worker/README.md),
// at the real edge of an idle close: requests sent 14-16 ms after the answer before them, to an upstream
// that closes each connection 15 ms after its answer (keepalive-setup.ts) and counts the requests it
// read. workerd's fetch says the same "Network connection lost." for that race as for an upstream that
// read the request and dropped it; the Worker's client takes a failure on a connection that may have
// been a kept-alive one, within STALE_WINDOW_MS of the send, whose body did not go out whole, for the
// race (kept-alive.ts), and the forwarder (send-failover.ts) sends it once more. Through the forwarder
// with the Worker's own client in workerd: none reaching the upstream twice; the re-sends are counted in
// llm_upstream_retries_total and logged with the count of races (upstream-keepalive-forced.test.ts
// forces the race through the whole Worker).
// This upstream's 15 ms idle close is under REUSE_FLOOR_MS (real ones close after seconds): until a
// crossing was seen, a reused connection's body is not held (steady traffic pays nothing), and a crossing
// whose body went out whole is a 502 upstream_connection_closed the upstream never read, never sent twice
// (runtimes/worker/README.md). The failure is learned: every reuse after it is held (REUSE_HOLD_MS, 250
// ms each: so a few dozen tries, not hundreds) and each crossing sent again.
import { describe, expect, inject, it } from 'vitest';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover } from '../../src/upstream/send-failover.ts';
import { forwarderRig } from './forwarder-rig.ts';

const TRIES = 24;

describe('Worker: a kept-alive connection closed by the upstream as it is reused', () => {
  it('none reaches the upstream twice; a failure is only a crossing not yet learned, unread; the re-sends are counted', async () => {
    const base = inject('keepAliveUrl');
    const { counts, marks, deps, pool, ep } = forwarderRig(base, 'ka');
    const t0 = Date.now();
    const outcome: Record<string, string> = {};
    for (let i = 0; i < TRIES; i++) {
      const id = `ka-${i}`;
      const sent = await sendWithFailover(deps, pool, {
        requestId: id,
        label: 'm',
        candidates: [ep],
        request: { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', 'x-ka-id': id }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi'.repeat(50) }] }) },
        idle: idleWatch(0),
      });
      if ('res' in sent) {
        await new Response(sent.res.body).text();
        outcome[id] = 'ok';
      } else outcome[id] = `${sent.error.status} ${sent.error.code}`;
      // 14 to 16 ms after the answer: around the upstream's 15 ms idle close.
      await new Promise((r) => setTimeout(r, 14 + (i % 21) * 0.1));
    }
    // The test's own read of the counts goes through workerd's same kept-alive pool, so it can meet the very
    // race under test ('Network connection lost', once in CI): wait past the upstream's idle close, and read
    // again if it still does (a GET that changes nothing).
    await new Promise((r) => setTimeout(r, 100));
    let arrivals: Record<string, number> = {};
    for (let attempt = 0; ; attempt++) {
      try {
        arrivals = (await (await fetch(`${base}/arrivals`)).json()) as Record<string, number>;
        break;
      } catch (e) {
        if (attempt >= 2) throw e;
      }
    }
    const ids = Object.keys(outcome);
    const failed = ids.filter((id) => outcome[id] !== 'ok');
    const ranTwice = ids.filter((id) => (arrivals[id] ?? 0) > 1).length;
    console.log(`[keep-alive race] ${TRIES} requests through the forwarder: ok ${TRIES - failed.length}, failed ${failed.length} (${failed.map((id) => `${id}: ${outcome[id]}, read ${arrivals[id] ?? 0}`).join('; ') || 'none'}), reached twice ${ranTwice}, sent again (llm_upstream_retries_total) ${counts['llm_upstream_retries_total'] ?? 0}, endpoint marked down ${marks.length}; connections ${arrivals['(connections)']}; ${Date.now() - t0} ms`);
    expect(ranTwice).toBe(0);
    // This upstream never drops a request it read: a failure is a crossing not yet learned (the first
    // one; another after a reuse idle past twice its idle time, the timers late under load, forgot it),
    // the request unread.
    expect(failed.map((id) => `${outcome[id]}, read ${arrivals[id] ?? 0}`)).toEqual(failed.map(() => '502 upstream_connection_closed, read 0'));
    // Such a 502 marks the endpoint down, as a drop on a fresh connection does; a re-sent crossing does not.
    expect(marks.length).toBe(failed.length);
  }, 240_000);
});

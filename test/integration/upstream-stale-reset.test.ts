// The stale-reuse rule (upstream-sockets.ts socketFate) against an upstream that RESETS sockets (RST,
// as some load balancers and proxies do on idle connections) instead of closing them with a FIN. The
// gateway sees ECONNRESET, not 'other side closed', and no 'end' on an idle socket: the rule must come
// out the same. Real Node gateway, raw net upstreams that count every request they read.
//  - a reused socket reset after the upstream read the request: 502, never sent twice;
//  - the upstream's idle reset crossing a reuse: sent once more on a fresh socket, answered;
//  - an upstream restarted with a shorter idle timeout that it enforces by RST: its races at the new
//    idle time are still sent once more (the FIN version: upstream-stale-adapts.test.ts);
//  - the real idle-close race under load, by RST: every request answered, none twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { answer, rawUpstream, useNetUpstreamClient } from './helpers/net-upstream-client.ts';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a reused socket reset (RST) after the upstream read the request', () => {
  const read = new Map<string, number>();
  const server = rawUpstream((sock, id, n) => {
    read.set(id, (read.get(id) ?? 0) + 1);
    if (n === 3) return void sock.resetAndDestroy();
    sock.write(answer);
  });
  const { ask } = useNetUpstreamClient(server);

  it('is not sent again: 502 upstream_connection_closed, read once', async () => {
    expect((await ask('kid-a')).choices[0]!.message.content).toBe('ok');
    // A reuse answered after 1 s idle: this upstream keeps a socket open at least that long, so a
    // reused socket reset unanswered after under half of that (less slack) was read, not raced. (300 ms
    // left 125 ms for "at once": on a loaded box kid-c went out later than that, was taken for a
    // race and sent twice.)
    await sleep(1000);
    expect((await ask('kid-b')).choices[0]!.message.content).toBe('ok');
    // Reused at once, read and reset.
    const err = await ask('kid-c').then(() => undefined, (e: unknown) => e as { status?: number; code?: string });
    expect(err?.status).toBe(502);
    expect(err?.code).toBe('upstream_connection_closed');
    expect(Object.fromEntries(read)).toEqual({ 'kid-a': 1, 'kid-b': 1, 'kid-c': 1 });
  });
});

describe('an upstream restarted with a shorter keep-alive timeout, enforced by RST', () => {
  // `cross`: the next request read is one its idle reset crossed (dropped unread), set by the test
  // right before it, not by the idle time this upstream measures: on a loaded box that time ran past
  // any fixed edge for a reuse sent at once (kid-c reset unread, 502 as a drop, rightly: the gateway
  // had seen this socket kept 1.2 s).
  const st = { short: false, cross: false, answered: [] as string[], resetUnread: [] as string[], idleReset: () => {} };
  const server = rawUpstream(
    (sock, id) => {
      if (st.cross) {
        st.cross = false;
        st.resetUnread.push(id);
        return void sock.resetAndDestroy();
      }
      st.answered.push(id);
      sock.write(answer);
    },
    // The restarted upstream resets a socket idle for 500 ms (unless a crossing is staged on it).
    (sock) => {
      if (!st.short) return;
      const t = setTimeout(() => {
        if (st.cross) return;
        sock.resetAndDestroy();
        st.idleReset();
      }, 500);
      sock.once('data', () => clearTimeout(t));
      sock.once('close', () => clearTimeout(t));
    },
  );
  const { ask } = useNetUpstreamClient(server);

  it('has its reset race at the new, shorter idle time sent once more, not 502', async () => {
    expect((await ask('kid-a')).choices[0]!.message.content).toBe('ok');
    await sleep(1200);
    // A reuse answered after 1.2 s idle: the old timeout was longer than that.
    expect((await ask('kid-b')).choices[0]!.message.content).toBe('ok');
    st.short = true;
    const idleReset = new Promise<void>((r) => (st.idleReset = r));
    expect((await ask('kid-c')).choices[0]!.message.content).toBe('ok');
    // The restarted upstream resets that socket, idle, after 500 ms; the gateway takes the RST in.
    await idleReset;
    await sleep(300);
    expect((await ask('kid-d')).choices[0]!.message.content).toBe('ok');
    // Reused after 450 ms idle, just under the new 500 ms: the upstream's reset crosses it, unread.
    // Over half the learnt 500 ms (less slack): a race, sent once more; with only the 1.2 s learnt
    // before the restart it would be a drop (502).
    st.cross = true;
    await sleep(450);
    const e = await ask('kid-e').then((r) => r.choices[0]!.message.content, (err: { status?: number; code?: string }) => `${err.status} ${err.code}`);
    expect(st.resetUnread).toEqual(['kid-e']);
    expect(e).toBe('ok');
    expect(st.answered).toEqual(['kid-a', 'kid-b', 'kid-c', 'kid-d', 'kid-e']);
  });
});

const TOTAL = Number(process.env.KA_TOTAL ?? 400);
const CONCURRENT = 16;

describe.each([5, 20])('an upstream resetting sockets idle for %i ms, under load', (idleMs) => {
  const arrivals = new Map<string, number>();
  const server = rawUpstream(
    (sock, id) => {
      arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      sock.write(answer);
    },
    (sock) => {
      const t = setTimeout(() => sock.resetAndDestroy(), idleMs);
      sock.once('data', () => clearTimeout(t));
      sock.once('close', () => clearTimeout(t));
    },
  );
  let gw: Gateway;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => server.close(r));
  });

  it('every request is answered (no 502), none reaches the upstream twice', async () => {
    const statuses: Record<string, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        for (let i = next++; i < TOTAL; i = next++) {
          const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: `hi kid-${i}` }] }) });
          const text = await res.text();
          // A failure's error code with its status: which rule answered it.
          const key = res.status === 200 ? '200' : `${res.status} ${/"code":"([^"]*)"/.exec(text)?.[1]}`;
          statuses[key] = (statuses[key] ?? 0) + 1;
          await sleep(Math.random() * idleMs * 2);
        }
      }),
    );
    const twice = [...arrivals.values()].filter((n) => n > 1).length;
    const resent = gw.metrics.render().match(/^llm_upstream_retries_total\{[^}]*\} (\d+)/m)?.[1] ?? '0';
    console.log(`[keep-alive reset load] idle ${idleMs} ms, ${TOTAL} requests: ${JSON.stringify(statuses)}, re-sent ${resent}, reached twice ${twice}`);
    // On a starved event loop (a loaded 2-core CI box: one reset was handled 2.2 s after its send) the
    // failure can come later than STALE_WINDOW_MS: the gateway cannot tell that crossing from a request
    // read and dropped, and answers 502 rather than risk a second generation (it fails safe). A few such
    // refusals are allowed; anything else, or more of them, fails (before the RST rules: 20-29 of 400,
    // 502 upstream_unavailable).
    const refused = statuses['502 upstream_connection_closed'] ?? 0;
    expect(refused).toBeLessThanOrEqual(TOTAL / 100);
    expect(statuses).toEqual(refused ? { '200': TOTAL - refused, '502 upstream_connection_closed': refused } : { '200': TOTAL });
    expect(twice).toBe(0);
    expect(arrivals.size).toBeGreaterThanOrEqual(TOTAL - refused);
  }, 300_000);
});

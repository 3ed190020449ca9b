// The kept-alive race forced, through the Worker (issue #3): an upstream that resets each connection it
// has answered on as the next request arrives, that request unread (keepalive-setup.ts 'unread'), as
// an idle close crossing the Worker's reuse does. Such a request is sent once more: on the model's
// next endpoint, or on the same one when it is the only one; counted in llm_upstream_retries_total.
// One the upstream read and closed later than a crossing close comes ('read-late') is still 502
// upstream_connection_closed, never sent twice.
// The Worker holds a body on a reused connection only near an idle close it has seen (kept-alive.ts
// surelyOpen): back to back, these connections idle a few ms, under REUSE_FLOOR_MS, where a first
// crossing goes out whole and is a 502 (runtimes/worker/README.md). So the test first teaches it, as a
// crossing would (forwarder-rig.ts teachCrossing: the Worker's own client, same module, same tally,
// same workerd pool).
import { describe, expect, inject, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';
import { chatReq, onWorker, parityEnv } from './parity-client.ts';
import { arrivals as arrivalsAt, teachCrossing } from './forwarder-rig.ts';

function yaml(): string {
  const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, any>;
  const urls = inject('keepAliveRace');
  const ep = (name: string, url: string, weight: number) => ({ name, address: '127.0.0.1', port: Number(new URL(url).port), weight });
  // Weighted so that the rotation of ka-two picks ka-unread for every first try (100 to 1).
  doc.vllm_endpoints = [ep('ka-unread', urls.unread, 100), ep('ka-plain', urls.plain, 1), ep('ka-late', urls['read-late'], 1)];
  // The default config's models name it.
  doc.vllm_endpoints.push(ep('production-stack', urls.plain, 1));
  const on = (endpoints: string[]) => ({ preferred_endpoints: endpoints, pii_policy: { allow_by_default: true } });
  doc.model_config = { ...doc.model_config, 'ka-one': on(['ka-unread']), 'ka-two': on(['ka-unread', 'ka-plain']), 'ka-late': on(['ka-late']) };
  return stringifyYaml(doc);
}

const env = { ...parityEnv, SEMROUTE_CONFIG: yaml() };
const ask = (model: string, id: string, stream = false) =>
  onWorker(chatReq({ model, stream, messages: [{ role: 'user', content: `say ok ${id}` }] }, { 'x-vsr-cache-control': 'bypass' }), env);

const arrivals = (mode: 'unread' | 'plain' | 'read-late') => arrivalsAt(inject('keepAliveRace')[mode]);

async function retries(model: string): Promise<number> {
  const text = String((await onWorker({ path: '/metrics' }, env)).body);
  return Number(new RegExp(`^llm_upstream_retries_total\\{model="${model}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

describe('Worker: a kept-alive connection the upstream closes as the next request arrives', () => {
  it('the only endpoint: the request is sent once more on it; every client gets its answer (JSON and SSE)', async () => {
    await onWorker({ path: '/health' }, env);
    await teachCrossing(inject('keepAliveRace').unread);
    const before = await retries('ka-one');
    const ids = ['kid-1a', 'kid-1b', 'kid-1c', 'kid-1d', 'kid-1e', 'kid-1f'];
    const seen = [];
    for (const [i, id] of ids.entries()) seen.push(await ask('ka-one', id, i % 2 === 1));
    expect(seen.map((s) => s.status)).toEqual(ids.map(() => 200));
    expect(JSON.stringify(seen[0]!.body)).toContain('"content":"ok"');
    expect(JSON.stringify(seen[1]!.body)).toContain('"content":"ok"');
    const got = await arrivals('unread');
    // Every request after the first found the connection of the one before it and lost it unread (the
    // first too when it took the one the teaching's answer left).
    expect(got['(closed unread)']).toBeGreaterThanOrEqual(ids.length - 1);
    for (const id of ids) expect(got[id], id).toBe(1);
    expect((await retries('ka-one')) - before).toBeGreaterThanOrEqual(ids.length - 1);
    expect((await retries('ka-one')) - before).toBeLessThanOrEqual(ids.length);
  });

  it('with a second endpoint: sent there, once', async () => {
    const ids = ['kid-2a', 'kid-2b', 'kid-2c', 'kid-2d'];
    const before = await retries('ka-two');
    for (const id of ids) expect((await ask('ka-two', id)).status, id).toBe(200);
    const unread = await arrivals('unread');
    const plain = await arrivals('plain');
    const moved = ids.filter((id) => plain[id]);
    // The first went out on a kept-alive connection of ka-unread (the test before): every one moved.
    expect(moved.length).toBeGreaterThan(0);
    for (const id of ids) expect((unread[id] ?? 0) + (plain[id] ?? 0), id).toBe(1);
    expect((await retries('ka-two')) - before).toBe(moved.length);
  });

  it('one the upstream read and closed 1.5 s later is not sent again: 502 upstream_connection_closed', async () => {
    expect((await ask('ka-late', 'kid-3a')).status).toBe(200);
    const lost = await ask('ka-late', 'kid-3b');
    expect(lost.status).toBe(502);
    expect((lost.body as { error?: { code?: string } }).error?.code).toBe('upstream_connection_closed');
    const got = await arrivals('read-late');
    expect(got['kid-3b']).toBe(1);
  });
});

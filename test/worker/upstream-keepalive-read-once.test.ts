// A chat completion the upstream read on a reused kept-alive connection and dropped unanswered (a query
// of death, an engine killed mid-request, a proxy's reset), before the Worker has seen this upstream's
// idle close (issue #3). workerd fails it with the very error of an idle close crossing the reuse
// (upstream-keepalive-drop.test.ts), and the Worker sent it once more: the upstream ran it twice, a
// second GPU generation, maybe billed twice. Now a body going out on a connection that may be a
// kept-alive one waits after its first bytes (kept-alive.ts REUSE_HOLD_MS), so that a crossing fails it
// unsent, and a request whose body went out whole is never sent again: 502 upstream_connection_closed,
// read once, as on a fresh connection and as on Node. The crossing itself is still sent once more
// (upstream-keepalive-forced.test.ts, -race, -learn). Through the whole Worker, one endpoint:
// keepalive-setup.ts 'read-soon' answers the first request on a connection, reads the next one on it and
// closes 200 ms later, unanswered.
import { describe, expect, inject, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';
import { chatReq, onWorker, parityEnv } from './parity-client.ts';
import { arrivals } from './forwarder-rig.ts';

const base = inject('keepAliveRace')['read-soon'];
const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, any>;
doc.vllm_endpoints = [{ name: 'ka-soon', address: '127.0.0.1', port: Number(new URL(base).port), weight: 1 }];
doc.model_config = { 'ka-soon': { preferred_endpoints: ['ka-soon'], pii_policy: { allow_by_default: true } } };
const env = { ...parityEnv, SEMROUTE_CONFIG: stringifyYaml(doc) };

const ask = (id: string, stream: boolean) =>
  onWorker(chatReq({ model: 'ka-soon', stream, messages: [{ role: 'user', content: `say ok ${id}` }] }, { 'x-vsr-cache-control': 'bypass' }), env);

async function retries(): Promise<number> {
  const text = String((await onWorker({ path: '/metrics' }, env)).body);
  return Number(/^llm_upstream_retries_total\{model="ka-soon"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('Worker: a chat completion read and dropped on a reused connection, nothing learned yet', () => {
  for (const stream of [false, true]) {
    it(`is not sent again: 502 upstream_connection_closed, the upstream read it once${stream ? ' (stream)' : ''}`, async () => {
      const [first, second] = [`kid-o1-${stream}`, `kid-o2-${stream}`];
      const before = await retries();
      // Answered on a connection the upstream keeps; the next request takes it from workerd's pool.
      expect((await ask(first, stream)).status).toBe(200);
      const lost = await ask(second, stream);
      expect([lost.status, (lost.body as { error?: { code?: string } }).error?.code]).toEqual([502, 'upstream_connection_closed']);
      const got = await arrivals(base);
      expect([got[first], got[second]]).toEqual([1, 1]);
      expect((await retries()) - before).toBe(0);
    });
  }
});

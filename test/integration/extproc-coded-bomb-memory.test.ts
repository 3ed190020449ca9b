// A compressed JSON chat answer in STREAMED chunks that nothing rewrites goes on as it came, and a
// decoded copy is read for the meter (coded-json-chunks.ts): that copy stops at half of one gRPC
// message (heldAnswerBound). extproc-coded-json-chunks checks what the client gets from a gzip bomb,
// which is the same with the cap gone: past the bound the answer goes on unread either way, so only
// the process's memory tells. Here a real semroute process (ext_proc on, max_message_bytes 4 MiB: the
// copy stops at 2 MiB) gets a ~100 KiB gzip body that decodes to 100 MiB in one chunk, and its peak
// resident memory (VmHWM, reset through /proc/PID/clear_refs just before) is read around that chunk.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvoyClient, requestBody, requestHeaders, type Msg } from './helpers/envoy-client.ts';
import { CHAT, completion, gzipBomb, streamAnswer } from './helpers/extproc-coded.ts';
import { processFixture, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';

const MiB = 1024 * 1024;

/** A process's resident memory now and at its peak since the last reset (KiB in /proc, bytes here). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

describe.skipIf(process.platform !== 'linux')('ext_proc: a gzip bomb answer nothing rewrites, in a real process', () => {
  const fx = processFixture();
  let gw: GatewayProcess;
  let envoy: EnvoyClient;
  beforeAll(async () => {
    const c = fx.configDir('semroute-coded-bomb-');
    writeFileSync(c.file, `${c.base}extproc: { host: 127.0.0.1, max_message_bytes: ${4 * MiB} }\n`);
    gw = await startGatewayProcess(c.file, ['--no-config-watch', '--extproc-port', '0'], fx.procs);
    envoy = new EnvoyClient(`127.0.0.1:${gw.extPort}`);
  }, START_BUDGET_MS);
  afterAll(() => envoy?.close());

  it('goes on as it came, its decoded copy stopped at the bound: the process never holds the 100 MiB', async () => {
    const [head, tail] = JSON.stringify(completion('@@')).split('@@');
    const bomb = await gzipBomb(head!, 100, tail!);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const s = envoy.open();
    await s.send({ ...requestHeaders({ ...CHAT, 'x-request-id': 'coded-bomb-rss' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    const b: Msg = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'How long is a marathon?' }] })));
    expect(b.response).toBe('request_body');
    const pid = gw.proc.pid!;
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const before = memory(pid);
    const head200 = { ':status': '200', 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) };
    const { headers, client } = await streamAnswer(s, head200, [bomb]);
    const after = memory(pid);
    s.end();
    expect(headers['content-encoding'], 'nothing rewrites it: coded, as it came').toBe('gzip');
    expect(client.equals(bomb)).toBe(true);
    await gw.waitFor(/"request_id":"coded-bomb-rss"[^\n]*outgrew|outgrew[^\n]*"request_id":"coded-bomb-rss"/);
    // Uncapped, the one chunk decodes to 100 MiB, held and then joined (200 MiB at its peak).
    expect(after.peak - before.rss, `peak ${after.peak / MiB} MiB, resident before ${before.rss / MiB} MiB`).toBeLessThan(32 * MiB);
  });
});

// Graceful shutdown of a real semroute process (runtimes/node/main.ts): on SIGTERM it stops taking
// new connections, answers /ready with 503, lets requests in flight (an SSE stream, an ext_proc
// stream) finish up to server.drain_timeout_ms, cuts what is left at that deadline, and exits 0;
// a second SIGTERM exits at once. No packs are loaded (routing off) so each process starts in ~1 s.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { completionChunks } from '../../src/mock/answers.ts';
import { EnvoyClient, requestBody, requestHeaders } from './helpers/envoy-client.ts';
import { firstEventThenRest } from './helpers/sse-stream.ts';
import { processFixture, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();
const { procs } = fx;

async function startGateway(drainMs: number, extproc = false): Promise<GatewayProcess> {
  const { file: config, base } = fx.configDir('semroute-drain-');
  writeFileSync(config, `${base}server: { drain_timeout_ms: ${drainMs} }\n`);
  return startGatewayProcess(config, extproc ? ['--extproc-port', '0'] : [], procs);
}

/** Opens a slow SSE chat stream and resolves once its first event has arrived. */
async function slowStream(base: string, chunkDelayMs: number) {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-chunk-delay-ms': String(chunkDelayMs) },
    body: JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  return firstEventThenRest(res);
}

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const events = (text: string) => text.split('\n\n').filter((e) => e.startsWith('data: '));
const EXPECTED_EVENTS = completionChunks('x', 'qwen3', 0, 1, false).length;

/** Resolves with the connect error code, or 'connected'. */
const tryConnect = (port: number) =>
  new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

describe('graceful shutdown of the Node process', () => {
  it('SIGTERM: a stream in flight ends in full, new connections are refused, /ready is 503, exit 0', async () => {
    const gw = await startGateway(15_000);
    expect((await fetch(`${gw.base}/ready`)).status).toBe(200);
    const stream = await slowStream(gw.base, 150);
    // A /ready probe whose request line is on the wire but not finished when SIGTERM comes.
    const probe = connect(gw.port, '127.0.0.1');
    let probeText = '';
    const probeDone = new Promise<void>((r) => probe.setEncoding('utf8').on('data', (c: string) => (probeText += c)).once('close', () => r()));
    await new Promise((r) => probe.once('connect', r));
    probe.write('GET /ready HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 200));

    const sent = Date.now();
    gw.proc.kill('SIGTERM');
    const draining = await gw.waitFor(/[^\n]*"draining"[^\n]*/, 5_000);
    expect(draining).toMatch(/"in_flight":1\b/); // the stream (the half-sent probe is not a request yet)
    expect(await tryConnect(gw.port)).toBe('ECONNREFUSED');
    probe.write('\r\n');
    await probeDone;
    expect(probeText).toMatch(/^HTTP\/1\.1 503 /);
    expect(probeText.toLowerCase()).toContain('connection: close');
    expect(probeText).toContain('"not_ready"');
    expect(probeText).toContain('draining');

    const { text, clean } = await stream.rest;
    expect(clean).toBe(true);
    expect(events(text)).toHaveLength(EXPECTED_EVENTS);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const { code, at } = await gw.exit;
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(12_000); // it left when the stream ended, not at the drain deadline
    expect(gw.out()).toMatch(/"cut":0[^\n]*"drained"|"drained"[^\n]*"cut":0/);
  }, 60_000);

  it('a stream longer than server.drain_timeout_ms is cut at the deadline (HTTP and ext_proc) and the process exits 0', async () => {
    const gw = await startGateway(700, true);
    const stream = await slowStream(gw.base, 1_000); // ~10 s of stream
    const envoy = new EnvoyClient(`127.0.0.1:${gw.extPort}`);
    const s = envoy.open();
    expect((await s.send(requestHeaders(CHAT))).response).toBe('request_headers'); // the body never comes
    const sent = Date.now();
    gw.proc.kill('SIGTERM');
    const grpcStatus = await s.closed;
    envoy.close();
    expect(grpcStatus.code).not.toBe(0);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(600);
    const { text, clean } = await stream.rest;
    const cutAfter = Date.now() - sent;
    expect(clean).toBe(false);
    expect(text).not.toContain('[DONE]');
    expect(cutAfter).toBeGreaterThanOrEqual(600);
    expect(cutAfter).toBeLessThan(5_000);
    const { code } = await gw.exit;
    expect(code).toBe(0);
    expect(gw.out()).toMatch(/"cut":1,[^\n]*"extproc_cut":true[^\n]*"drained"/);
  }, 60_000);

  it('a second SIGTERM while draining exits at once', async () => {
    const gw = await startGateway(20_000);
    const stream = await slowStream(gw.base, 1_000);
    gw.proc.kill('SIGTERM');
    await gw.waitFor(/"draining"/, 5_000);
    const second = Date.now();
    gw.proc.kill('SIGTERM');
    const { at } = await gw.exit;
    expect(at - second).toBeLessThan(3_000);
    expect((await stream.rest).clean).toBe(false);
  }, 60_000);

  it('ext_proc: a stream open at SIGTERM is answered to its end; with no work left the process exits before the deadline', async () => {
    const gw = await startGateway(15_000, true);
    const envoy = new EnvoyClient(`127.0.0.1:${gw.extPort}`);
    try {
      const s = envoy.open();
      const h = await s.send(requestHeaders(CHAT));
      expect(h.response).toBe('request_headers');
      const sent = Date.now();
      gw.proc.kill('SIGTERM');
      await gw.waitFor(/"draining"/, 5_000);
      await new Promise((r) => setTimeout(r, 300));
      const b = await s.send(requestBody(JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] })));
      expect(b.response).toBe('request_body');
      s.end();
      expect((await s.closed).code).toBe(0);
      const { code, at } = await gw.exit;
      expect(code).toBe(0);
      expect(at - sent).toBeLessThan(12_000);
    } finally {
      envoy.close();
    }
  }, 60_000);
});

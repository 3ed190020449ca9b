// The life of one ext_proc stream as Envoy drives it: a handler error becomes a gRPC status (Envoy's
// failure_mode_allow then decides), a stream Envoy cancels while its message is in the pipeline aborts
// the pipeline, writes nothing more and gives back its deps lease once, a half-closed stream still gets
// its answer, and parallel streams never see each other's answers. No unhandled rejection anywhere.
// Real gRPC sockets, Envoy played by a grpc-js client.
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startExtProcServer, type ExtProcServer } from '../../runtimes/node/extproc/server.ts';
import type { ChatInput, ChatOutcome, ExtProcPipeline } from '../../runtimes/node/extproc/port.ts';
import { EnvoyClient, requestBody, requestHeaders } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps, forward } from './helpers/extproc-fakes.ts';

const deps = fakeDeps();
let leases = 0;
let returned = 0;
let chat: (input: ChatInput) => Promise<ChatOutcome> = async () => ({ kind: 'pass', reason: 'x' });
let models: () => never | ReturnType<ExtProcPipeline['models']> = () => ({ status: 200, headers: {}, contentType: 'application/json', body: '{}', reason: 'models' });
const pipeline: ExtProcPipeline = { chat: (i) => chat(i), models: () => models() };

let server: ExtProcServer;
let client: EnvoyClient;
const rejections: unknown[] = [];
const onRejection = (r: unknown) => void rejections.push(r);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  server = await startExtProcServer(
    () => {
      leases++;
      return { deps, done: () => void returned++ };
    },
    { host: '127.0.0.1', port: 0, pipeline },
  );
  client = new EnvoyClient(`127.0.0.1:${server.port}`);
});
afterAll(async () => {
  client?.close();
  await server?.close();
  process.off('unhandledRejection', onRejection);
});
afterEach(() => expect(rejections).toEqual([]));

const waitFor = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
};

describe('ext_proc stream lifecycle', () => {
  it('a handler that throws ends the stream with INTERNAL (not a hang), and the server serves on', async () => {
    models = () => {
      throw new Error('boom');
    };
    const s = client.open();
    await expect(s.send(requestHeaders({ ':method': 'GET', ':path': '/v1/models' }, true))).rejects.toThrow(/stream closed: 13/);
    expect((await s.closed).code).toBe(grpc.status.INTERNAL);
    models = () => ({ status: 200, headers: {}, contentType: 'application/json', body: '{}', reason: 'models' });
    const next = client.open();
    expect((await next.send(requestHeaders({ ':method': 'GET', ':path': '/v1/models' }, true))).response).toBe('immediate_response');
    next.end();
  });

  it('Envoy cancels while the body is in the pipeline: the pipeline is aborted, nothing more is written, the lease goes back once', async () => {
    let seen: AbortSignal | undefined;
    let finish!: () => void;
    chat = (input) => {
      seen = input.signal;
      return new Promise((resolve) => (finish = () => resolve(forward({ model: 'm', messages: [] }))));
    };
    // Earlier streams' leases are back (their ends are handled after their tests' last await).
    expect(await waitFor(() => returned === leases)).toBe(true);
    const before = { leases, returned };
    const s = client.open();
    await s.send(requestHeaders(CHAT));
    const pending = s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'));
    pending.catch(() => {});
    expect(await waitFor(() => seen !== undefined)).toBe(true);
    s.cancel();
    expect(await waitFor(() => seen!.aborted)).toBe(true);
    // Still in the pipeline: the lease is held until it is done.
    expect(returned).toBe(before.returned);
    finish();
    expect(await waitFor(() => returned === before.returned + 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(leases - before.leases).toBe(1);
    expect(returned - before.returned).toBe(1);
  });

  it('a stream Envoy half-closes with a message in the pipeline still gets its answer, then closes OK', async () => {
    let finish!: () => void;
    chat = () => new Promise((resolve) => (finish = () => resolve(forward({ model: 'late', messages: [] }))));
    const s = client.open();
    await s.send(requestHeaders(CHAT));
    const answer = s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'));
    s.end();
    await new Promise((r) => setTimeout(r, 20));
    finish();
    const b = await answer;
    expect(JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()).model).toBe('late');
    expect((await s.closed).code).toBe(0);
  });

  it('a second request on the same stream (not Envoy\'s way, but a peer may) is read as a request of its own', async () => {
    const bodies: string[] = [];
    chat = async (input) => {
      bodies.push(Buffer.from(input.body).toString());
      return forward({ model: `m${bodies.length}`, messages: [] });
    };
    const s = client.open();
    for (const n of [1, 2]) {
      await s.send(requestHeaders({ ...CHAT, 'x-request-id': `seq-${n}` }));
      const b = await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: `q${n}` }] })));
      expect(JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()).model).toBe(`m${n}`);
    }
    s.end();
    expect(bodies.map((b) => JSON.parse(b).messages[0].content)).toEqual(['q1', 'q2']);
  });

  it('parallel streams get their own answers, in order, however long each pipeline takes', async () => {
    chat = async (input) => {
      const n = Number(JSON.parse(Buffer.from(input.body).toString()).messages[0].content);
      await new Promise((r) => setTimeout(r, (10 - n) * 5));
      return forward({ model: `m${n}`, messages: [] });
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, n) => {
        const s = client.open();
        await s.send(requestHeaders({ ...CHAT, 'x-request-id': `r${n}` }));
        const b = await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: String(n) }] })));
        s.end();
        return JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()).model;
      }),
    );
    expect(results).toEqual(Array.from({ length: 10 }, (_, n) => `m${n}`));
    expect(await waitFor(() => returned === leases)).toBe(true);
  });
});

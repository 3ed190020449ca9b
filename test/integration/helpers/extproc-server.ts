// The ext_proc server a describe block talks to: started on a free local port before its tests, with
// an Envoy-like client, and closed after them. Read `ext.client` / `ext.server` inside the tests.
// forwardingPipeline: the pipeline stub for tests about the response side only.
import { afterAll, beforeAll } from 'vitest';
import { startExtProcServer, type ExtProcServer } from '../../../runtimes/node/extproc/server.ts';
import type { ExtProcPipeline } from '../../../runtimes/node/extproc/port.ts';
import type { ResponseTap } from '../../../src/pipeline/context.ts';
import { EnvoyClient } from './envoy-client.ts';

type StartArgs = Parameters<typeof startExtProcServer>;

export function useExtProc(deps: StartArgs[0], opts: Omit<StartArgs[1], 'host' | 'port'>): { readonly client: EnvoyClient; readonly server: ExtProcServer } {
  const h = {} as { client: EnvoyClient; server: ExtProcServer };
  beforeAll(async () => {
    h.server = await startExtProcServer(deps, { host: '127.0.0.1', port: 0, ...opts });
    h.client = new EnvoyClient(`127.0.0.1:${h.server.port}`);
  });
  afterAll(async () => {
    h.client?.close();
    await h.server?.close();
  });
  return h;
}

/** A pipeline that forwards every chat to one fixed model and endpoint with the given response taps. */
export function forwardingPipeline(taps: ResponseTap[]): ExtProcPipeline {
  return {
    chat: async () => ({
      kind: 'forward',
      body: new TextEncoder().encode('{"model":"m","messages":[]}'),
      model: 'm',
      endpoint: '10.0.0.7:8000',
      requestId: 'req-1',
      responseHeaders: {},
      taps,
    }),
    models: () => ({ status: 200, headers: {}, contentType: 'application/json', body: '{}', reason: 'models' }),
  };
}

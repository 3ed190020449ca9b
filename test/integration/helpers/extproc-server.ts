// The ext_proc server a describe block talks to: started on a free local port before its tests, with
// an Envoy-like client, and closed after them. Read `ext.client` / `ext.server` inside the tests.
import { afterAll, beforeAll } from 'vitest';
import { startExtProcServer, type ExtProcServer } from '../../../runtimes/node/extproc/server.ts';
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

// ext_proc on the real pipeline: deps built from a config (buildNodeDeps: the real stages, and the
// packs or the cache the test asks for), served on a free local port, with an Envoy-like client.
// close() ends the client, the server and the deps, in that order. startBothDoors also serves the
// HTTP gateway from the SAME deps, for tests that compare what each door answers.
import type { Config } from '../../../src/config/schema.ts';
import { createApp } from '../../../src/app.ts';
import { buildNodeDeps, type NodeDepsOptions } from '../../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../../runtimes/node/serve.ts';
import { startExtProcServer, type ExtProcServer } from '../../../runtimes/node/extproc/server.ts';
import { EnvoyClient } from './envoy-client.ts';

export interface RealExtProc {
  deps: Awaited<ReturnType<typeof buildNodeDeps>>;
  ext: ExtProcServer;
  envoy: EnvoyClient;
  close(): Promise<void>;
}

export async function startRealExtProc(config: Config, opts: NodeDepsOptions): Promise<RealExtProc> {
  const deps = await buildNodeDeps(config, opts);
  const ext = await startExtProcServer(deps, { host: '127.0.0.1', port: 0 });
  const envoy = new EnvoyClient(`127.0.0.1:${ext.port}`);
  return {
    deps,
    ext,
    envoy,
    close: async () => {
      envoy.close();
      await ext.close();
      await deps.close();
    },
  };
}

/** ext_proc and the HTTP gateway over one deps; close() ends the gateway first, then the rest. */
export async function startBothDoors(config: Config, opts: NodeDepsOptions): Promise<RealExtProc & { gateway: Served }> {
  const real = await startRealExtProc(config, opts);
  const gateway = await serveFetch(createApp(real.deps).fetch, { port: 0 });
  return {
    ...real,
    gateway,
    close: async () => {
      await gateway.close();
      await real.close();
    },
  };
}

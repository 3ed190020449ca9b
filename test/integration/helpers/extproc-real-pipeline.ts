// ext_proc on the real pipeline: deps built from a config (buildNodeDeps: the real stages, and the
// packs or the cache the test asks for), served on a free local port, with an Envoy-like client.
// close() ends the client, the server and the deps, in that order. startBothDoors also serves the
// HTTP gateway from the SAME deps, for tests that compare what each door answers. useRealExtProc is
// the suites' usual rig: one such server for a describe, its logs captured and its metrics kept;
// useBothDoors the same for a file whose tests compare the two doors.
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { createApp } from '../../../src/app.ts';
import { buildNodeDeps, type NodeDepsOptions } from '../../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../../runtimes/node/serve.ts';
import { startExtProcServer, type ExtProcServer } from '../../../runtimes/node/extproc/server.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, realClassifiers, testConfig, type LogCapture } from '../gateway-harness.ts';
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

export type ObservedExtProc = RealExtProc & { logs: LogCapture; metrics: ReturnType<typeof createMetrics> };

/**
 * ext_proc on the real pipeline for the enclosing describe: started in beforeAll from
 * testConfig(overrides), closed in afterAll. `packs`: the real classifiers (the cache needs the
 * embedder), else none, which keeps the start quick. The fields are filled in beforeAll.
 */
export function useRealExtProc(overrides: Record<string, unknown> = {}, packs = false): ObservedExtProc {
  const h = {} as ObservedExtProc;
  beforeAll(async () => {
    const config = testConfig(overrides);
    h.logs = captureLogger();
    h.metrics = createMetrics({ config });
    Object.assign(h, await startRealExtProc(config, { classifiers: packs ? await realClassifiers() : EMPTY_CLASSIFIERS, logger: h.logs, metrics: h.metrics }));
  }, packs ? 120_000 : 60_000);
  afterAll(() => h.close?.());
  return h;
}

/**
 * Both doors over one deps (no packs, no cache) for the file's tests: built in beforeAll from
 * config(), with a captured logger and a metrics registry of their own; `ready` gets them. Closed after.
 */
export function useBothDoors(config: () => Config, ready: (doors: ObservedExtProc & { gateway: Served }) => void): void {
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const c = config();
    const logs = captureLogger();
    const metrics = createMetrics({ config: c });
    const doors = await startBothDoors(c, { classifiers: EMPTY_CLASSIFIERS, logger: logs, metrics, noCache: true });
    close = doors.close;
    ready({ ...doors, logs, metrics });
  });
  afterAll(() => close?.());
}

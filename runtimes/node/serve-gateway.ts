// The serving half of `semroute` (main.ts checked the command line and start.ts the config): tracing,
// the packs and deps (config-reload.ts), the HTTP listener, the optional ext_proc and metrics ports,
// and the drain on SIGTERM. Loaded by a dynamic import, so a usage error, --help or a refused config
// costs none of it (onnxruntime, Hono, the pipeline: about 1.3 s of CPU under tsx).
import type { LoadedConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import type { Logger } from '../../src/observability/types.ts';
import { VERSION } from './deps.ts';
import { startLiveConfig } from './config-reload.ts';
import { serveFetch, setServerTimeouts } from './serve.ts';
import type { Server } from 'node:http';
import { clientErrorReporter } from './client-errors.ts';
import { LiveTracing } from './tracing-reload.ts';
import { startMetricsServer } from './metrics-server.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { startExtProcServer } from './extproc/server.ts';
import { countInflight } from './inflight.ts';
import type { EarlySignals } from './early-signals.ts';

/** After the SIGTERM drain, how long closing the rest may take before the process exits anyway. */
export const TEARDOWN_MS = 3_000;

export interface ServeOptions {
  /** --config (watched and reloaded); undefined: the bundled default. */
  file: string | undefined;
  initial: { loaded: LoadedConfig; text: string };
  /** The command line's overrides, applied to every reloaded config too. */
  adjust: (c: Config) => void;
  logger: Logger;
  watch: boolean;
  host: string;
  port: number;
  /** --host as given: ext_proc's own default (extproc.host) applies without it. */
  hostArg: string | undefined;
  extHost: string;
  extPort: number | undefined;
  metricsPort: number | undefined;
  /** Config keys a command-line flag sets (--port, --host, ...): config-reload.ts's cliKeys. */
  cliKeys?: readonly string[];
  early: EarlySignals;
}

export async function serveGateway(o: ServeOptions): Promise<void> {
  const { logger, host, port, extPort, metricsPort, early } = o;
  const config = o.initial.loaded.config;
  // Swapped by a reload that changes observability.tracing (tracing-reload.ts).
  const tracing = new LiveTracing(config, { logger, serviceVersion: VERSION });
  // Set on the first SIGTERM/SIGINT; /ready reads it (src/api/ops.ts) and answers 503.
  let draining = false;
  let httpServer: Server | undefined;
  early.onHup(() => logger.info({ trigger: 'SIGHUP' }, 'config reload requested while starting: applied once serving'));
  // The deps new requests get, swapped by a config reload (SIGHUP or a change of the file).
  const live = await startLiveConfig({
    file: o.file,
    initial: o.initial,
    adjust: o.adjust,
    logger,
    watch: o.watch,
    cliKeys: o.cliKeys,
    prepare: (d) => (d.draining = () => draining),
    // The client timeouts of a reloaded file, on the server already listening.
    applied: (c) => {
      tracing.apply(c);
      if (httpServer) setServerTimeouts(httpServer, { requestTimeoutMs: c.server.request_timeout_ms, headersTimeoutMs: c.server.headers_timeout_ms, keepAliveTimeoutMs: c.server.keep_alive_timeout_ms });
    },
  });
  early.releaseHup();
  if (early.hup) void live.reload('SIGHUP');
  const deps = live.current();
  const proc = registerProcessMetrics(live.metrics);
  const { request_timeout_ms: requestTimeoutMs, headers_timeout_ms: headersTimeoutMs, keep_alive_timeout_ms: keepAliveTimeoutMs } = config.server;
  const served = await bound('HTTP', { host: 'server.host or --host', port: 'server.port or --port' }, host, port, () =>
    serveFetch(live.fetch, { host, port, requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs, onClientError: clientErrorReporter(live.metrics, logger) }),
  );
  // From here a signal drains, also while ext_proc and the metrics port still start (about 60 ms of
  // proto loading, where Node's default applied: as PID 1 in a container, the SIGTERM was lost).
  let ext: Awaited<ReturnType<typeof startExtProcServer>> | undefined;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  early.releaseStop();
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  httpServer = served.server;
  countInflight(served.server, live.metrics);
  logger.info({ host, port: served.port, endpoints: config.vllm_endpoints.map((e) => `${e.address}:${e.port}`), packs: deps.classifiers.info().map((p) => `${p.name}:${p.provider}`) }, 'semroute listening');

  const { extHost } = o;
  // A listener whose start the drain overtook is not opened.
  ext = extPort === undefined || draining ? undefined : await bound('ext_proc', { host: 'extproc.host or --host', port: 'extproc.port or --extproc-port' }, extHost, extPort, () => startExtProcServer(live.lease, { port: extPort, host: o.hostArg }));
  // The one line saying where ext_proc listens (the server itself logs none), as for HTTP and metrics.
  if (ext) logger.info({ host: extHost, port: ext.port }, 'ext_proc listening');
  if (ext && draining) void ext.close({ drainMs: 0 }); // the drain began while it bound: no new streams
  metricsServer = metricsPort === undefined || draining ? undefined : await bound('metrics', { host: 'server.host or --host', port: 'observability.metrics.port or --metrics-port' }, host, metricsPort, () => startMetricsServer(live.metrics, { port: metricsPort, host }));
  if (metricsServer) logger.info({ port: metricsServer.port }, 'metrics listening');

  // Graceful shutdown (a rollout's SIGTERM): requests in flight, SSE streams included, get
  // server.drain_timeout_ms to finish while new connections are refused and /ready says 503; what is
  // left at the deadline is cut, then exit 0. The metrics port stays up until the drain is over so
  // the drain itself can be scraped. A second signal exits at once. The timeout is the running
  // config's (a reload may have changed it), read before the reload watch stops.
  async function stop(signal: NodeJS.Signals) {
    if (draining) {
      logger.warn({ signal, in_flight: served.active() }, 'second signal: exiting without waiting for requests in flight');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    draining = true;
    const drainMs = live.current().config.server.drain_timeout_ms;
    live.stop();
    const started = Date.now();
    logger.info({ signal, in_flight: served.active(), drain_timeout_ms: drainMs }, 'draining');
    const [http, grpc] = await Promise.all([served.drain(drainMs), ext?.close({ drainMs })]);
    logger.info({ in_flight: http.inFlight, completed: http.inFlight - http.cut, cut: http.cut, extproc_cut: grpc?.forced, ms: Date.now() - started }, 'drained');
    // The teardown is bounded: the grace period holds preStop + drain + a few seconds (k8s/base:
    // 5 + 25 < 35). A tracing collector that took the connection and never answered held the exit for
    // the exporter's own 10 s timeout, past the grace period (SIGKILL). The last spans and the cache
    // writes of answers that just ended get this long, concurrently.
    const teardown = (async () => {
      await metricsServer?.close().catch(() => {});
      proc.stop();
      await Promise.all([live.close(), tracing.shutdown().catch(() => {})]);
    })().then(() => true);
    const done = await Promise.race([teardown, new Promise<false>((r) => setTimeout(() => r(false), TEARDOWN_MS).unref())]);
    if (!done) logger.warn({ teardown_ms: TEARDOWN_MS }, 'teardown not finished in time (a tracing collector not answering?): exiting; spans not exported yet are lost');
    process.exit(0);
  }
}

/**
 * A listener that cannot bind is the operator's to fix, as a config error is: one line naming the
 * listener, the address and the setting (it was Node's stack trace, naming neither).
 */
async function bound<T>(listener: string, keys: { host: string; port: string }, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const msg = String(e.message ?? e).split('\n')[0]!;
    // The setting to fix: the port for a port taken or privileged, the address for one this host lacks.
    const [reason, key] =
      e.code === 'EADDRINUSE' || /address already in use|Failed to add port/i.test(msg)
        ? ['address already in use', keys.port]
        : e.code === 'EACCES'
          ? ['permission denied (ports below 1024 need privileges)', keys.port]
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code?.startsWith('EAI_')
            ? ['no such local address', keys.host]
            : [msg, `${keys.host}; ${keys.port}`];
    throw new ConfigError(`${listener} port: cannot listen on ${host}:${port}: ${reason} (${key})`, []);
  }
}

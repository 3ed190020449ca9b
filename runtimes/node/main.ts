// semroute on Node: `node dist/semroute.mjs --config FILE --port N` (or `npm start -- ...`).
// Thin entry: read config, build deps and serve them (config-reload.ts swaps them on SIGHUP or a
// change of the config file); optional ext_proc and metrics ports.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../../src/config/index.ts';
import { safeConfigErrorText } from '../../src/config/safe-errors.ts';
import { ProviderUnavailableError } from '../../src/classify/pack-error.ts';
import { VERSION } from './deps.ts';
import { readConfigFile, startLiveConfig } from './config-reload.ts';
import { serveFetch } from './serve.ts';
import { clientErrorReporter } from './client-errors.ts';
import { createNodeLogger } from './logger.ts';
import { setupNodeTracing } from './tracing.ts';
import { startMetricsServer } from './metrics-server.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { startExtProcServer } from './extproc/server.ts';
import { missingPackWarnings } from './check-packs.ts';
import { startupWarnings } from './check-startup.ts';
import { countInflight } from './inflight.ts';

const HELP = `semroute: semantic router for OpenAI-compatible traffic in front of the vLLM Production Stack

Usage: semroute [--config FILE] [--port N] [options]

  --config FILE         config.yaml (vLLM Semantic Router classic shape + semroute keys);
                        default: the bundled config/config.yaml
  --port N              HTTP port for /v1/*, /api/v1/classify/*, /health, /metrics (default server.port, 8801)
  --host ADDR           listen address of every port: HTTP, ext_proc, metrics (default server.host,
                        0.0.0.0; ext_proc alone: extproc.host)
  --models-dir DIR      folder holding the model packs (default packs.dir, relative to the working directory)
  --device D            auto | cpu | cuda (default device)
  --extproc-port N      also serve Envoy ext_proc gRPC on this port (reference: 50051)
  --metrics-port N      also serve /metrics on its own port (reference: 9190)
  --no-config-watch     do not watch the --config file for changes (SIGHUP still reloads it)
  --check               validate the config, print warnings, and exit
  -h, --help            this text

Config reload: SIGHUP, or a change of the --config file (its folder is watched, so a Kubernetes
ConfigMap update is seen), applies the new config to new requests without a restart; an invalid file
is logged and the running config stays. server.host/port and its *_timeout_ms, extproc.enabled/host/port/max_message_bytes,
observability.metrics.enabled/port/max_series_per_metric, the batch histograms' buckets, tracing, the
log level and debug_log_prompts need a restart.
`;

/** After the SIGTERM drain, how long closing the rest may take before the process exits anyway. */
export const TEARDOWN_MS = 3_000;

const int = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--${name}: expected a port number, got "${v}"`, []);
  return n;
};

export async function main(argv = process.argv.slice(2)): Promise<void> {
  // Node's default for SIGHUP is to exit: hold one from the first moment (reading the config, tracing
  // and the packs take a while) and apply it once serving. It killed the process within ~0.7 s of start.
  let hupWhileStarting = false;
  let logEarlyHup = () => {};
  const onEarlyHup = () => {
    hupWhileStarting = true;
    logEarlyHup();
  };
  process.on('SIGHUP', onEarlyHup);
  // The bundle's entry (dist/semroute.mjs, written by build.mjs) held the ones that came while the bundle loaded.
  const banner = (globalThis as { __semrouteEarlyHup?: { count: number; handler: () => void } }).__semrouteEarlyHup;
  if (banner) {
    process.off('SIGHUP', banner.handler);
    if (banner.count) hupWhileStarting = true;
  }
  // SIGTERM/SIGINT before the server listens (packs loading: nothing to drain) stops at once with
  // exit 0, as a drained process does. Node's default ended it by the signal (143, reason Error), and
  // as a container's PID 1 the signal was ignored: the pod waited its grace period for a SIGKILL.
  let logEarlyStop: (signal: NodeJS.Signals) => void = (signal) => void process.stderr.write(`semroute: ${signal} while starting: stopped\n`);
  const onEarlyStop = (signal: NodeJS.Signals) => {
    logEarlyStop(signal);
    process.exit(0);
  };
  const offEarlyStop = () => ['SIGTERM', 'SIGINT'].forEach((sig) => process.off(sig, onEarlyStop));
  process.on('SIGTERM', onEarlyStop);
  process.on('SIGINT', onEarlyStop);
  // The bundle's entry held them while the bundle loaded (build.mjs).
  const entryStop = (globalThis as { __semrouteEarlyStop?: () => void }).__semrouteEarlyStop;
  if (entryStop) ['SIGTERM', 'SIGINT'].forEach((sig) => process.off(sig, entryStop));
  const { values } = parseCli(argv);
  if (values.help) {
    offEarlyStop();
    process.off('SIGHUP', onEarlyHup);
    // `--help | head -3`: a reader that went away is not an error worth a stack trace.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
    process.stdout.write(HELP);
    return;
  }
  const initial = readConfigFile(values.config);
  const { loaded } = initial;
  const { config } = loaded;
  if (values.device && !['auto', 'cpu', 'cuda'].includes(values.device)) throw new ConfigError(`--device: expected auto, cpu or cuda, got "${values.device}"`, []);
  // The command line wins over the file, on every reload too.
  const adjust = (c: Config) => {
    if (values['models-dir']) c.packs.dir = resolve(values['models-dir']);
    if (values.device) c.device = values.device as Config['device'];
  };
  adjust(config);
  const logger = createNodeLogger(config, { base: { runtime: 'node' } });
  for (const w of loaded.warnings) logger.warn({ warning: w }, 'config warning');
  logEarlyStop = (signal) => logger.info({ signal }, 'stopped while starting: nothing was served yet');
  const port = int('port', values.port) ?? config.server.port;
  const host = values.host ?? config.server.host;
  // Every port flag is checked before the packs load, not after "listening".
  const extPort = int('extproc-port', values['extproc-port']) ?? (config.extproc?.enabled ? config.extproc.port : undefined);
  // metrics.enabled: false opens no port from the file; an explicit --metrics-port still wins.
  const metricsPort = int('metrics-port', values['metrics-port']) ?? (config.observability?.metrics.enabled === false ? undefined : config.observability?.metrics.port);
  // Two listeners on one port: refused now, not as a bind error once the packs have loaded.
  const HTTP_KEYS = 'server.port / --port';
  if (metricsPort && metricsPort === port) {
    throw new ConfigError(`observability.metrics.port / --metrics-port: ${port} is also the HTTP port (${HTTP_KEYS}), which serves /metrics itself; leave it unset or pick another port`, []);
  }
  if (extPort && (extPort === port || extPort === metricsPort)) {
    const other = extPort === port ? `HTTP port (${HTTP_KEYS})` : 'metrics port (observability.metrics.port / --metrics-port)';
    throw new ConfigError(`extproc.port / --extproc-port: ${extPort} is also the ${other}`, []);
  }
  if (values.check) {
    offEarlyStop();
    process.off('SIGHUP', onEarlyHup);
    const packWarnings = [...missingPackWarnings(config), ...startupWarnings(config)]; // and what start-up refuses
    for (const w of packWarnings) logger.warn({ warning: w }, 'config warning');
    const warnings = loaded.warnings.length + packWarnings.length;
    process.stdout.write(`config OK${warnings ? ` (${warnings} warnings)` : ''}\n`);
    return;
  }

  const tracing = setupNodeTracing(config, { logger, serviceVersion: VERSION });
  // Set on the first SIGTERM/SIGINT; /ready reads it (src/api/ops.ts) and answers 503.
  let draining = false;
  logEarlyHup = () => logger.info({ trigger: 'SIGHUP' }, 'config reload requested while starting: applied once serving');
  if (hupWhileStarting) logEarlyHup();
  // The deps new requests get, swapped by a config reload (SIGHUP or a change of the file).
  const live = await startLiveConfig({
    file: values.config,
    initial,
    adjust,
    logger,
    watch: !values['no-config-watch'],
    prepare: (d) => (d.draining = () => draining),
  });
  process.off('SIGHUP', onEarlyHup);
  if (hupWhileStarting) void live.reload('SIGHUP');
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
  offEarlyStop();
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  countInflight(served.server, live.metrics);
  logger.info({ host, port: served.port, endpoints: config.vllm_endpoints.map((e) => `${e.address}:${e.port}`), packs: deps.classifiers.info().map((p) => `${p.name}:${p.provider}`) }, 'semroute listening');

  const extHost = values.host ?? config.extproc?.host ?? '0.0.0.0';
  // A listener whose start the drain overtook is not opened.
  ext = extPort === undefined || draining ? undefined : await bound('ext_proc', { host: 'extproc.host or --host', port: 'extproc.port or --extproc-port' }, extHost, extPort, () => startExtProcServer(live.lease, { port: extPort, host: values.host }));
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


const CLI_OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'models-dir': { type: 'string' },
  device: { type: 'string' },
  'extproc-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  'no-config-watch': { type: 'boolean' },
  check: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The command line; an unknown option or a missing value is a usage error, not a stack trace. */
export function parseCli(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: CLI_OPTIONS });
  } catch (err) {
    throw new ConfigError(`${err instanceof Error ? err.message.split('\n')[0] : String(err)} (see --help)`, []);
  }
}

const invokedDirectly = process.argv[1] && /(?:main\.ts|semroute\.mjs)$/.test(process.argv[1]);
if (invokedDirectly) {
  main().catch((err) => {
    // Config errors are the user's to fix: print them plainly, without a stack trace.
    // A config's own text is left out (safe-errors.ts): it may hold a secret, and stderr is logged.
    if (err instanceof ConfigError) process.stderr.write(`semroute: ${safeConfigErrorText(err)}\n`);
    else if (err instanceof ProviderUnavailableError) process.stderr.write(`semroute: ${err.message}\n`);
    else process.stderr.write(`semroute: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

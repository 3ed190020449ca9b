// semroute on Node: `node dist/semroute.mjs --config FILE --port N` (or `npm start -- ...`).
// Thin entry: read config, build deps, createApp, serve; optional ext_proc and metrics ports.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createApp } from '../../src/app.ts';
import { ConfigError, loadConfigText, loadDefaultConfig, type LoadedConfig } from '../../src/config/index.ts';
import { buildNodeDeps, VERSION } from './deps.ts';
import { serveFetch } from './serve.ts';
import { createNodeLogger } from './logger.ts';
import { setupNodeTracing } from './tracing.ts';
import { startMetricsServer } from './metrics-server.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { startExtProcServer } from './extproc/server.ts';
import type { Registry } from '../../src/observability/registry.ts';
import type { Metrics } from '../../src/observability/types.ts';
import { recordPackMetrics } from '../../src/observability/model-info.ts';

const HELP = `semroute: semantic router for OpenAI-compatible traffic in front of the vLLM Production Stack

Usage: semroute [--config FILE] [--port N] [options]

  --config FILE         config.yaml (vLLM Semantic Router classic shape + semroute keys);
                        default: the bundled config/config.yaml
  --port N              HTTP port for /v1/*, /api/v1/classify/*, /health, /metrics (default server.port, 8801)
  --host ADDR           listen address (default server.host, 0.0.0.0)
  --models-dir DIR      folder holding the model packs (default packs.dir, relative to the working directory)
  --device D            auto | cpu | cuda (default device)
  --extproc-port N      also serve Envoy ext_proc gRPC on this port (reference: 50051)
  --metrics-port N      also serve /metrics on its own port (reference: 9190)
  --check               validate the config, print warnings, and exit
  -h, --help            this text
`;

function readConfig(path: string | undefined): LoadedConfig {
  if (!path) return loadDefaultConfig();
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, []);
  }
  return loadConfigText(text, file);
}

const int = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--${name}: expected a port number, got "${v}"`, []);
  return n;
};

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'models-dir': { type: 'string' },
      device: { type: 'string' },
      'extproc-port': { type: 'string' },
      'metrics-port': { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const loaded = readConfig(values.config);
  const { config } = loaded;
  if (values['models-dir']) config.packs.dir = resolve(values['models-dir']);
  if (values.device) {
    if (!['auto', 'cpu', 'cuda'].includes(values.device)) throw new ConfigError(`--device: expected auto, cpu or cuda, got "${values.device}"`, []);
    config.device = values.device as typeof config.device;
  }
  const logger = createNodeLogger(config, { base: { runtime: 'node' } });
  for (const w of loaded.warnings) logger.warn({ warning: w }, 'config warning');
  if (values.check) {
    process.stdout.write(`config OK${loaded.warnings.length ? ` (${loaded.warnings.length} warnings)` : ''}\n`);
    return;
  }
  const port = int('port', values.port) ?? config.server.port;
  const host = values.host ?? config.server.host;

  const tracing = setupNodeTracing(config, { logger, serviceVersion: VERSION });
  const deps = await buildNodeDeps(config, { logger });
  recordPackMetrics(deps.metrics, deps.classifiers);
  const proc = registerProcessMetrics(deps.metrics as Registry);
  // Set on the first SIGTERM/SIGINT; /ready reads it (src/api/ops.ts) and answers 503.
  let draining = false;
  deps.draining = () => draining;
  const app = createApp(deps);
  const served = await serveFetch(app.fetch, { host, port });
  countInflight(served.server, deps.metrics);
  logger.info({ host, port: served.port, endpoints: config.vllm_endpoints.map((e) => `${e.address}:${e.port}`), packs: deps.classifiers.info().map((p) => `${p.name}:${p.provider}`) }, 'semroute listening');

  const extPort = int('extproc-port', values['extproc-port']) ?? (config.extproc?.enabled ? config.extproc.port : undefined);
  const ext = extPort === undefined ? undefined : await startExtProcServer(deps, { port: extPort });
  if (ext) logger.info({ port: ext.port }, 'ext_proc listening');
  const metricsPort = int('metrics-port', values['metrics-port']) ?? config.observability?.metrics.port;
  const metricsServer = metricsPort === undefined ? undefined : await startMetricsServer(deps.metrics, { port: metricsPort, host });
  if (metricsServer) logger.info({ port: metricsServer.port }, 'metrics listening');

  // Graceful shutdown (a rollout's SIGTERM): requests in flight, SSE streams included, get
  // server.drain_timeout_ms to finish while new connections are refused and /ready says 503; what is
  // left at the deadline is cut, then exit 0. The metrics port stays up until the drain is over so
  // the drain itself can be scraped. A second signal exits at once.
  const drainMs = config.server.drain_timeout_ms;
  const stop = async (signal: NodeJS.Signals) => {
    if (draining) {
      logger.warn({ signal, in_flight: served.active() }, 'second signal: exiting without waiting for requests in flight');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    draining = true;
    const started = Date.now();
    logger.info({ signal, in_flight: served.active(), drain_timeout_ms: drainMs }, 'draining');
    const [http, grpc] = await Promise.all([served.drain(drainMs), ext?.close({ drainMs })]);
    logger.info({ in_flight: http.inFlight, completed: http.inFlight - http.cut, cut: http.cut, extproc_cut: grpc?.forced, ms: Date.now() - started }, 'drained');
    await metricsServer?.close().catch(() => {});
    proc.stop();
    await deps.close();
    await tracing.shutdown().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * llm_inflight_requests: chat requests from arrival until the answer is fully written or the client
 * went away ('close' fires in both cases), so a long stream counts for as long as it runs.
 */
function countInflight(server: Server, metrics: Metrics): void {
  let n = 0;
  metrics.set('llm_inflight_requests', {}, 0);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) return;
    metrics.set('llm_inflight_requests', {}, ++n);
    res.once('close', () => metrics.set('llm_inflight_requests', {}, --n));
  });
}

const invokedDirectly = process.argv[1] && /(?:main\.ts|semroute\.mjs)$/.test(process.argv[1]);
if (invokedDirectly) {
  main().catch((err) => {
    // Config errors are the user's to fix: print them plainly, without a stack trace.
    if (err instanceof ConfigError) process.stderr.write(`semroute: ${err.message}\n`);
    else process.stderr.write(`semroute: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

// `npm run dev`: the gateway on 127.0.0.1:$PORT (default 8801) with the bundled packs and default
// config, in front of the bundled mock Production Stack router on 127.0.0.1:$MOCK_PORT (default 8000).
import { createApp } from '../../src/app.ts';
import { loadDefaultConfig } from '../../src/config/index.ts';
import { buildNodeDeps } from './deps.ts';
import { serveFetch } from './serve.ts';
import { clientErrorReporter } from './client-errors.ts';
import { startMockServer } from './mock-server.ts';
import { createNodeLogger } from './logger.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { declareReloadMetrics, reloadSucceeded } from './reload-metrics.ts';
import { countInflight } from './inflight.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { recordPackMetrics } from '../../src/observability/model-info.ts';

const port = Number(process.env.PORT ?? 8801);
const mockPort = Number(process.env.MOCK_PORT ?? 8000);

async function dev(): Promise<void> {
  const { config, warnings } = loadDefaultConfig();
  const logger = createNodeLogger(config, { base: { runtime: 'node', mode: 'dev' } });
  for (const w of warnings) logger.warn({ warning: w }, 'config warning');

  const mock = await onPort('the mock Production Stack router', 'MOCK_PORT', mockPort, () => startMockServer({ port: mockPort }));
  // Every configured endpoint becomes the local mock (its real port: MOCK_PORT=0 picks a free one),
  // keeping the names preferred_endpoints refer to.
  config.vllm_endpoints = config.vllm_endpoints.map((e) => ({ ...e, address: '127.0.0.1', port: mock.port, scheme: 'http' }));
  // The same /metrics as `npm start`: pack gauges, Node process metrics, the in-flight gauge and the
  // config reload metrics. dev reads no config file, so it never reloads: the reload metrics show
  // what npm start shows before its first reload (loaded at start-up, nothing refused).
  const metrics = createMetrics({ config });
  declareReloadMetrics(metrics);
  const deps = await buildNodeDeps(config, { logger, metrics });
  recordPackMetrics(metrics, deps.classifiers);
  reloadSucceeded(metrics, false);
  const proc = registerProcessMetrics(metrics);
  // The listener as `npm start` builds it: the config's client timeouts, and refused requests counted
  // in semroute_http_client_errors_total (declared on /metrics either way).
  const { request_timeout_ms: requestTimeoutMs, headers_timeout_ms: headersTimeoutMs, keep_alive_timeout_ms: keepAliveTimeoutMs } = config.server;
  const served = await onPort('the gateway', 'PORT', port, () =>
    serveFetch(createApp(deps).fetch, {
      host: '127.0.0.1',
      port,
      requestTimeoutMs,
      headersTimeoutMs,
      keepAliveTimeoutMs,
      onClientError: clientErrorReporter(metrics, logger),
    }),
  );
  countInflight(served.server, metrics);
  const url = served.url;
  process.stdout.write(`
semroute dev
  gateway  ${url}   (packs: ${deps.classifiers.info().map((p) => `${p.name}/${p.provider}`).join(', ') || 'none'})
  mock Production Stack router  ${mock.url}   (models: qwen3, deepseek-v3, gpt-oss-20b, Model-A, Model-B)

Try it:
  curl -s ${url}/v1/chat/completions \\
    -H 'Content-Type: application/json' \\
    -d '{"model": "MoM", "messages": [{"role": "user", "content": "What is the derivative of f(x) = x^3 + 2x^2 - 5x + 7?"}]}' -i

  curl -s ${url}/v1/models
  curl -s ${url}/api/v1/classify/intent -H 'Content-Type: application/json' -d '{"text": "Explain supply and demand"}'

`);
  const stop = async () => {
    proc.stop();
    await Promise.allSettled([served.close(), mock.close()]);
    await deps.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/**
 * Runs a listen, turning "address already in use" into the line the quick start's advice needs: which of
 * dev's two listeners, and the variable that moves it (`npm start` names its flag the same way).
 */
async function onPort<T>(what: string, variable: string, p: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new Error(`${what}: cannot listen on 127.0.0.1:${p}: address already in use (${variable}=<another port> npm run dev, or ${variable}=0 for a free one)`);
  }
}

dev().catch((err) => {
  process.stderr.write(`semroute dev: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

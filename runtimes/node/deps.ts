// Builds AppDeps for a Node process: packs through onnxruntime-node, the node:http upstream client,
// pino logger, Prometheus registry, optional semantic cache. Shared by main.ts, dev.ts, tests and bench.
import type { AppDeps } from '../../src/deps.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Classifiers } from '../../src/classify/types.ts';
import type { SemanticCache } from '../../src/cache/types.ts';
import type { UpstreamClient } from '../../src/upstream/types.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { packsToLoad } from '../../src/config/packs.ts';
import { loadConfiguredClassifiers, reportMissingCategoryPack } from '../../src/load-classifiers.ts';

export { packsToLoad };
import { createMetrics } from '../../src/observability/metrics.ts';
import { systemClock } from '../../src/observability/clock.ts';
import { createNodeEngine } from './ort-engine.ts';
import { createFileSource, modelsRoot } from './file-source.ts';
import { VERSION } from './version.ts';
import { createNodeLogger } from './logger.ts';
import { createNodeCache } from './cache.ts';
import { createNodeUpstreamClient } from './upstream-client.ts';
import { endpointTls } from './upstream-tls.ts';
import { nodeClientSignal } from './client-signal.ts';
import { nodeRequestHeaders } from './request-headers.ts';
import { nodeStreamBody } from './stream-body.ts';
import { collectGarbage } from './collect-garbage.ts';

// Where packs live (file-source.ts, light enough for --check); kept here for its other importers.
export { modelsRoot };

// The package version (version.ts, light enough for main.ts's --version); kept here for its importers.
export { VERSION };

export interface NodeDepsOptions {
  /** Folder a relative packs.dir is resolved against (default: the working directory). */
  baseDir?: string;
  classifiers?: Classifiers;
  logger?: Logger;
  metrics?: Metrics;
  /** Skip the semantic cache even when configured (tests, bench baselines). */
  noCache?: boolean;
  /** Use these instead of building new ones (a config reload keeps what its change did not touch). */
  upstream?: UpstreamClient;
  cache?: SemanticCache;
}

/**
 * Every configured pack from the models folder through onnxruntime-node; one that fails is reported
 * and left out (src/load-classifiers.ts). `strict` throws on the first failure instead (tests, `--check`).
 */
export async function loadNodeClassifiers(config: Config, logger: Logger, baseDir?: string, strict = false): Promise<Classifiers> {
  const source = createFileSource(modelsRoot(config, baseDir));
  const classifiers = await loadConfiguredClassifiers(config, source, createNodeEngine(config.device, logger), logger, { strict });
  collectGarbage(); // the models' bytes read for the sessions are garbage now (collect-garbage.ts)
  return classifiers;
}

export async function buildNodeDeps(config: Config, opts: NodeDepsOptions = {}): Promise<AppDeps & { close(): Promise<void> }> {
  const logger = opts.logger ?? createNodeLogger(config, { base: { runtime: 'node' } });
  const metrics = opts.metrics ?? createMetrics({ config });
  const classifiers = opts.classifiers ?? (await loadNodeClassifiers(config, logger, opts.baseDir));
  reportMissingCategoryPack(config, classifiers, logger);
  const upstream =
    opts.upstream ??
    createNodeUpstreamClient({ maxSockets: config.upstream.keep_alive_connections, connectTimeoutMs: config.upstream.connect_timeout_ms, tls: endpointTls(config, opts.baseDir) });
  const cache = opts.noCache ? undefined : (opts.cache ?? (await createNodeCache(config, logger, metrics)));
  return {
    config,
    classifiers,
    upstream,
    cache,
    metrics,
    logger,
    clock: systemClock,
    runtime: { name: 'node', version: VERSION },
    clientSignal: nodeClientSignal,
    requestHeaders: nodeRequestHeaders,
    streamBody: nodeStreamBody,
    async close() {
      await upstream.close?.();
      await cache?.close?.();
    },
  };
}

// Builds AppDeps for a Node process: packs through onnxruntime-node, the node:http upstream client,
// pino logger, Prometheus registry, optional semantic cache. Shared by main.ts, dev.ts, tests and bench.
import { isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { AppDeps } from '../../src/deps.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Classifiers } from '../../src/classify/types.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { loadClassifiers } from '../../src/classify/registry.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { createNodeEngine } from './ort-engine.ts';
import { createFileSource, defaultModelsDir } from './file-source.ts';
import { createNodeLogger } from './logger.ts';
import { createNodeCache } from './cache.ts';
import { createNodeUpstreamClient } from './upstream-client.ts';

export const VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/** Config pack name -> folder, for every pack the config asks for. */
export function packsToLoad(config: Config): Record<string, string> {
  const p = config.packs;
  const out: Record<string, string> = {};
  if (config.routing.enabled) out[p.category] = p.category;
  for (const name of [p.jailbreak, p.pii, p.embedding, ...p.extra]) if (name) out[name] = name;
  return out;
}

export function modelsRoot(config: Config, baseDir?: string): string {
  const dir = config.packs.dir;
  if (isAbsolute(dir)) return dir;
  // "models" (the default) means the bundled packs wherever the process was started from.
  if (!baseDir && dir === 'models') return defaultModelsDir();
  return resolve(baseDir ?? process.cwd(), dir);
}

export interface NodeDepsOptions {
  /** Folder relative pack paths are resolved against (the config file's folder). */
  baseDir?: string;
  classifiers?: Classifiers;
  logger?: Logger;
  metrics?: Metrics;
  /** Skip the semantic cache even when configured (tests, bench baselines). */
  noCache?: boolean;
}

const EMPTY: Classifiers = { sequence: () => undefined, pii: () => undefined, embedder: () => undefined, info: () => [] };

export async function loadNodeClassifiers(config: Config, logger: Logger, baseDir?: string): Promise<Classifiers> {
  const root = modelsRoot(config, baseDir);
  const thresholds: Record<string, number> = {};
  const cat = config.classifier.category_model?.threshold;
  if (cat !== undefined) thresholds[config.packs.category] = cat;
  return loadClassifiers(createFileSource(root), createNodeEngine(config.device, logger), packsToLoad(config), { thresholds, logger });
}

export async function buildNodeDeps(config: Config, opts: NodeDepsOptions = {}): Promise<AppDeps & { close(): Promise<void> }> {
  const logger = opts.logger ?? createNodeLogger(config, { base: { runtime: 'node' } });
  const metrics = opts.metrics ?? createMetrics({ config });
  let classifiers = opts.classifiers;
  if (!classifiers) {
    try {
      classifiers = await loadNodeClassifiers(config, logger, opts.baseDir);
    } catch (err) {
      // Serve anyway, not ready: /ready answers 503 with the reason and auto names go to default_model,
      // so a broken pack shows up as a clear message instead of a crash loop.
      logger.error(
        { err: err instanceof Error ? err.message : String(err), models_dir: modelsRoot(config, opts.baseDir) },
        'model packs failed to load; serving without them (GET /ready answers 503). Fix the pack or set routing.enabled: false',
      );
      classifiers = EMPTY;
    }
  }
  const upstream = createNodeUpstreamClient({ maxSockets: config.upstream.keep_alive_connections, connectTimeoutMs: config.upstream.connect_timeout_ms });
  const cache = opts.noCache ? undefined : await createNodeCache(config, logger, metrics);
  return {
    config,
    classifiers,
    upstream,
    cache,
    metrics,
    logger,
    clock: { now: () => performance.now(), wallMs: () => Date.now() },
    runtime: { name: 'node', version: VERSION },
    async close() {
      await upstream.close?.();
      await cache?.close?.();
    },
  };
}

// Builds AppDeps for a Node process: packs through onnxruntime-node, the node:http upstream client,
// pino logger, Prometheus registry, optional semantic cache. Shared by main.ts, dev.ts, tests and bench.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { AppDeps } from '../../src/deps.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Classifiers } from '../../src/classify/types.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { createClassifiers, loadPacks } from '../../src/classify/registry.ts';
import { packsToLoad } from '../../src/config/packs.ts';

export { packsToLoad };
import type { LoadedPack } from '../../src/classify/pack-loader.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { createNodeEngine } from './ort-engine.ts';
import { createFileSource, defaultModelsDir } from './file-source.ts';
import { createNodeLogger } from './logger.ts';
import { createNodeCache } from './cache.ts';
import { createNodeUpstreamClient } from './upstream-client.ts';

export const VERSION: string = (() => {
  // The bundle (runtimes/node/build.mjs) bakes the version in; tsx reads package.json.
  if (process.env.SEMROUTE_VERSION) return process.env.SEMROUTE_VERSION;
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/**
 * Where packs live: packs.dir as given when absolute; a relative one is resolved against the working
 * directory, and the default "models" falls back to the repository's bundled folder (tests, tsx).
 */
export function modelsRoot(config: Config, baseDir = process.cwd()): string {
  const dir = config.packs.dir;
  if (isAbsolute(dir)) return dir;
  const here = resolve(baseDir, dir);
  if (existsSync(here) || dir !== 'models') return here;
  // From the source tree the bundled packs are two folders up; from the bundle (dist/semroute.mjs), one.
  const fromBundle = fileURLToPath(new URL('../models', import.meta.url));
  return [defaultModelsDir(), fromBundle].find((d) => existsSync(join(d, config.packs.category))) ?? defaultModelsDir();
}

export interface NodeDepsOptions {
  /** Folder a relative packs.dir is resolved against (default: the working directory). */
  baseDir?: string;
  classifiers?: Classifiers;
  logger?: Logger;
  metrics?: Metrics;
  /** Skip the semantic cache even when configured (tests, bench baselines). */
  noCache?: boolean;
}

/**
 * Loads every configured pack; one that fails is reported and left out instead of failing the rest
 * (a missing PII pack still leaves the pattern recognizers; a missing category pack makes /ready 503).
 * `strict` throws on the first failure instead (tests, `--check`).
 */
export async function loadNodeClassifiers(config: Config, logger: Logger, baseDir?: string, strict = false): Promise<Classifiers> {
  const root = modelsRoot(config, baseDir);
  const thresholds: Record<string, number> = {};
  const cat = config.classifier.category_model?.threshold;
  if (cat !== undefined) thresholds[config.packs.category] = cat;
  const source = createFileSource(root);
  const engine = createNodeEngine(config.device, logger);
  const wanted = Object.entries(packsToLoad(config));
  const results = await Promise.allSettled(wanted.map(([name, dir]) => loadPacks(source, engine, { [name]: dir })));
  const loaded: LoadedPack[] = [];
  results.forEach((r, i) => {
    const [name] = wanted[i];
    if (r.status === 'fulfilled') {
      const p = r.value[0];
      loaded.push(p);
      logger.info({ pack: name, task: p.info.task, provider: p.info.provider, bytes: p.info.sizeBytes, load_ms: Math.round(p.info.loadTimeMs) }, 'model pack loaded');
    } else {
      const msg = r.reason instanceof Error ? r.reason.message : String(r.reason);
      if (strict) throw new Error(`model pack "${name}" (${root}/${wanted[i][1]}): ${msg}`);
      logger.error({ pack: name, models_dir: root, err: msg }, `model pack "${name}" failed to load; serving without it`);
    }
  });
  return createClassifiers(loaded, { thresholds, logger });
}

export async function buildNodeDeps(config: Config, opts: NodeDepsOptions = {}): Promise<AppDeps & { close(): Promise<void> }> {
  const logger = opts.logger ?? createNodeLogger(config, { base: { runtime: 'node' } });
  const metrics = opts.metrics ?? createMetrics({ config });
  const classifiers = opts.classifiers ?? (await loadNodeClassifiers(config, logger, opts.baseDir));
  if (config.routing.enabled && !classifiers.sequence(config.packs.category)) {
    // Serve anyway, not ready: /ready answers 503 and auto names go to default_model, so a broken
    // pack is a clear message instead of a crash loop.
    logger.error({ pack: config.packs.category }, 'category pack not loaded: GET /ready answers 503 and auto names go to default_model. Fix the pack or set routing.enabled: false');
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

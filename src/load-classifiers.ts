// The classifiers a config asks for (packsToLoad), loaded through whichever engine and model source
// the runtime brings. Node and Worker both call this, so a broken pack behaves the same on both: it
// is reported and left out instead of failing the rest (a missing PII pack still leaves the pattern
// recognizers; a missing category pack makes /ready answer 503).
import type { Classifiers, InferenceEngine, ModelSource } from './classify/types.ts';
import type { Config } from './config/schema.ts';
import type { Logger } from './observability/types.ts';
import type { LoadedPack } from './classify/pack-loader.ts';
import { createClassifiers, fuseSharingWeights, loadPacks } from './classify/registry.ts';
import { packsToLoad, stagePacks } from './config/packs.ts';
import { ProviderUnavailableError } from './classify/pack-error.ts';
import { unreachableCategories } from './config/category-index.ts';

export interface LoadConfiguredOptions {
  /** Throw on the first pack that fails instead of leaving it out (tests, `--check`). */
  strict?: boolean;
  /** Fuse the per-request packs into one session (default: when the engine says it pays). */
  fuse?: boolean;
  /**
   * Fused packs of at least this many bytes run alone on the fused session and their own session is
   * released (their weights held once); smaller ones keep their own session for calls alone, which
   * are then as fast as unfused. Default 4 MiB: jailbreak (1.5 MiB) keeps its session, domain
   * (7.8 MiB) and embedding (4.5 MiB) do not. Infinity keeps every own session.
   */
  ownSessionBelowBytes?: number;
}

const OWN_SESSION_BELOW_BYTES = 4 * 2 ** 20;

/**
 * Packs the gateway asks about the same text (the latest user message) on an ordinary request: the
 * jailbreak guard, the semantic cache and routing. PII is left out: it scans every message and only
 * for models whose policy restricts PII.
 */
export function perRequestPacks(config: Config): string[] {
  const s = stagePacks(config);
  return [...new Set([s.jailbreak, s.embedding, s.category].filter((n): n is string => n !== undefined))];
}

export async function loadConfiguredClassifiers(
  config: Config,
  source: ModelSource,
  engine: InferenceEngine,
  logger: Logger,
  opts: LoadConfiguredOptions = {},
): Promise<Classifiers> {
  const thresholds: Record<string, number> = {};
  const cat = config.classifier.category_model?.threshold;
  if (cat !== undefined) thresholds[config.packs.category] = cat;
  const wanted = Object.entries(packsToLoad(config));
  const results = await Promise.allSettled(wanted.map(([name, dir]) => loadPacks(source, engine, { [name]: dir })));
  const failed = results.findIndex((r) => r.status === 'rejected');
  // The configured device cannot run at all: every pack would be missing, so stop instead of serving
  // with routing off and the jailbreak guard failing open.
  const device = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof ProviderUnavailableError);
  if (device) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value[0]!.session.release?.().catch(() => {}) : undefined)));
    throw device.reason;
  }
  if (opts.strict && failed >= 0) {
    // Free what did load: a refused config reload must not keep native sessions nobody will use.
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value[0]!.session.release?.().catch(() => {}) : undefined)));
    const [name, dir] = wanted[failed]!;
    const reason = (results[failed] as PromiseRejectedResult).reason;
    throw new Error(`model pack "${name}" (${source.describe(dir)}): ${reason instanceof Error ? reason.message : String(reason)}`);
  }
  const loaded: LoadedPack[] = [];
  results.forEach((r, i) => {
    const [name, dir] = wanted[i]!;
    if (r.status === 'fulfilled') {
      const p = r.value[0]!;
      loaded.push(p);
      logger.info({ pack: name, task: p.info.task, provider: p.info.provider, bytes: p.info.sizeBytes, load_ms: Math.round(p.info.loadTimeMs) }, 'model pack loaded');
    } else {
      const msg = r.reason instanceof Error ? r.reason.message : String(r.reason);
      logger.error({ pack: name, source: source.describe(dir), err: msg }, `model pack "${name}" failed to load; serving without it`);
    }
  });
  const { packs, fused } = (opts.fuse ?? engine.fusion === true)
    ? await fuseSharingWeights(loaded, source, engine, [perRequestPacks(config)], { releaseAtLeastBytes: opts.ownSessionBelowBytes ?? OWN_SESSION_BELOW_BYTES, logger })
    : { packs: loaded, fused: [] };
  return createClassifiers(packs, { thresholds, logger, fused });
}

/**
 * Serve anyway when routing has no category pack, but say so: /ready answers 503 and auto names go
 * to default_model, so a broken pack is a clear message instead of a crash loop.
 */
export function reportMissingCategoryPack(config: Config, classifiers: Classifiers, logger: Logger): void {
  if (!config.routing.enabled) return;
  const pack = classifiers.sequence(config.packs.category);
  if (!pack) {
    logger.error(
      { pack: config.packs.category },
      'category pack not loaded: GET /ready answers 503 and auto names go to default_model. Fix the pack or set routing.enabled: false',
    );
    return;
  }
  // Every deps build (start-up, each reload, the Worker) calls this: a category no label reaches is
  // said here, as --check says it (runtimes/node/check-packs.ts).
  for (const w of unreachableCategories(config, pack.labels, config.packs.category)) logger.warn({ warning: w }, 'config warning');
}

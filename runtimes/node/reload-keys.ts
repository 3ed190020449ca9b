// What decides whether a reload reuses a part of the running config (runtimes/node/config-reload.ts):
// equal keys, same part; the loaded packs only when none the config asks for is missing.
import type { Config } from '../../src/config/schema.ts';
import type { AppDeps } from '../../src/deps.ts';
import { packsToLoad, stagePacks } from '../../src/config/packs.ts';
import { perRequestPacks } from '../../src/load-classifiers.ts';
import { modelsRoot } from './deps.ts';

export const classifiersKey = (c: Config) =>
  JSON.stringify({ root: modelsRoot(c), device: c.device, packs: packsToLoad(c), fused: perRequestPacks(c), threshold: c.classifier.category_model?.threshold });
// Cached answers are keyed by the embedding pack's vectors: a different pack makes them meaningless.
export const cacheKey = (c: Config) => JSON.stringify({ cache: c.semantic_cache ?? null, embedding: stagePacks(c).embedding, root: modelsRoot(c) });
// An endpoint's tls (its CA file's path: a changed file needs a restart or a changed path) is the client's.
export const upstreamKey = (c: Config) =>
  JSON.stringify([c.upstream.keep_alive_connections, c.upstream.connect_timeout_ms, c.vllm_endpoints.filter((e) => e.tls).map((e) => [e.address, e.port, e.scheme, e.tls])]);

/** Whether every pack the config asks for is loaded. */
export const hasEvery = (c: AppDeps['classifiers'], config: Config) => {
  const loaded = new Set(c.info().map((p) => p.name));
  return Object.keys(packsToLoad(config)).every((name) => loaded.has(name));
};

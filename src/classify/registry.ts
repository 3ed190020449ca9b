// All loaded packs behind the Classifiers interface, by name. The gateway, the classification API
// and ext_proc share one instance. PII wraps the token-classification pack with the deterministic
// recognizers (createPiiDetector); without a PII pack the recognizers still run on their own.
import type { Classifiers, Embedder, InferenceEngine, ModelSource, PiiDetector, SequenceClassifier, TokenClassifier } from './types.ts';
import type { Logger } from '../observability/types.ts';
import { loadPack, type LoadedPack } from './pack-loader.ts';
import { createSequenceClassifier } from './sequence-classifier.ts';
import { createTokenClassifier } from './token-classifier.ts';
import { createEmbedder } from './embedder.ts';
import { createPiiDetector } from './pii/detector.ts';
import { errorText } from './pack-error.ts';
import { shareFeaturizers } from './shared-features.ts';
import { createFusedSession, FuseRefused, type FusedSession } from './fused.ts';
import { createCoRunner, type CoRunOptions } from './co-run.ts';

export interface ClassifiersOptions {
  /** Per-pack decision thresholds from config; override the manifest's. */
  thresholds?: Record<string, number>;
  /** PII detector name used when no token-classification pack is loaded. */
  piiName?: string;
  logger?: Logger;
  /** Fused sessions (fusePacks) whose members are run together when a text is asked of several. */
  fused?: readonly FusedSession[];
  coRun?: CoRunOptions;
}

const DEFAULT_THRESHOLD = 0.5;

export function createClassifiers(loaded: LoadedPack[], opts: ClassifiersOptions = {}): Classifiers {
  const packs = withCoRunners(shareFeaturizers(loaded), opts);
  const seen = new Set<string>();
  for (const p of packs) {
    if (seen.has(p.info.name)) throw new Error(`two model packs are named "${p.info.name}"`);
    seen.add(p.info.name);
  }
  const threshold = (p: LoadedPack) => opts.thresholds?.[p.info.name] ?? p.manifest.threshold ?? DEFAULT_THRESHOLD;
  const byTask = (task: LoadedPack['manifest']['task']) => packs.filter((p) => p.manifest.task === task);

  const sequences = new Map<string, SequenceClassifier>(
    byTask('sequence-classification').map((p) => [p.info.name, createSequenceClassifier(p, threshold(p))]),
  );
  const tokenPacks = byTask('token-classification');
  const tokens = new Map<string, TokenClassifier>(tokenPacks.map((p) => [p.info.name, createTokenClassifier(p, threshold(p))]));
  const detectors = new Map<string, PiiDetector>();
  for (const p of tokenPacks) {
    detectors.set(p.info.name, createPiiDetector(tokens.get(p.info.name), { name: p.info.name, threshold: threshold(p) }));
  }
  const piiName = opts.piiName ?? 'pii';
  const patternOnly = tokenPacks.length === 0 ? createPiiDetector(undefined, { name: piiName, threshold: DEFAULT_THRESHOLD }) : undefined;
  const embedders = new Map<string, Embedder>(byTask('embedding').map((p) => [p.info.name, createEmbedder(p)]));

  const preferred = <T>(m: Map<string, T>, name: string) => m.get(name) ?? m.values().next().value;

  return {
    sequence: (name) => sequences.get(name),
    pii(name) {
      if (name !== undefined) return detectors.get(name) ?? (patternOnly && name === piiName ? patternOnly : undefined);
      return preferred(detectors, piiName) ?? patternOnly;
    },
    embedder(name) {
      return name !== undefined ? embedders.get(name) : preferred(embedders, 'embedding');
    },
    info: () => packs.map((p) => p.info),
    async release() {
      // Members of a fused session hold placeholders whose release is a no-op; the fused one is freed once.
      const sessions = new Set(packs.map((p) => p.session));
      await Promise.all([...[...sessions].map((s) => s.release?.()), ...(opts.fused ?? []).map((f) => f.release())].map((p) => p?.catch(() => {})));
    },
  };
}

/** Packs with a co-runner attached for each fused session they belong to (the first one wins). */
function withCoRunners(packs: LoadedPack[], opts: ClassifiersOptions): LoadedPack[] {
  const out = [...packs];
  for (const f of opts.fused ?? []) {
    const idx = f.packs.map((name) => out.findIndex((p) => p.info.name === name && !p.coRun));
    if (idx.some((i) => i < 0)) continue;
    const runner = createCoRunner(idx.map((i) => out[i]!), f, opts.coRun);
    for (const i of idx) out[i] = { ...out[i]!, coRun: runner };
  }
  return out;
}

/**
 * One fused session per group of pack names (those of the group that are loaded; a group with fewer
 * than two is skipped). A group that cannot be fused is logged and left to separate sessions.
 */
export async function fusePacks(
  loaded: readonly LoadedPack[],
  source: ModelSource,
  engine: InferenceEngine,
  groups: ReadonlyArray<readonly string[]>,
  logger?: Logger,
): Promise<FusedSession[]> {
  return (await fuseSharingWeights(loaded, source, engine, groups, { logger })).fused;
}

/**
 * Like fusePacks, but members of at least `releaseAtLeastBytes` also run alone on the fused session
 * (the other members on placeholders) and their own sessions are released, before the fused one is
 * created so its weights take their memory. A run alone then pays the placeholders' nodes (~0.5-1 us
 * each; jailbreak alone with a domain placeholder ~10-40 us), so small packs, the ones asked alone
 * most (the guard on every request), keep their own session: holding their weights twice costs little.
 * A group that cannot be fused gets its released sessions back.
 */
export async function fuseSharingWeights(
  loaded: readonly LoadedPack[],
  source: ModelSource,
  engine: InferenceEngine,
  groups: ReadonlyArray<readonly string[]>,
  opts: { releaseAtLeastBytes?: number; logger?: Logger } = {},
): Promise<{ packs: LoadedPack[]; fused: FusedSession[] }> {
  const limit = opts.releaseAtLeastBytes ?? Infinity;
  const packs = [...loaded];
  const fused: FusedSession[] = [];
  const taken = new Set<string>();
  for (const group of groups) {
    // A pack joins one group at most (coRun is attached later, so it cannot tell which are taken).
    const members = packs.filter((p) => group.includes(p.info.name) && !taken.has(p.info.name));
    if (members.length < 2) continue;
    const released = members.filter((p) => p.info.sizeBytes >= limit);
    // Set once their sessions are gone: a group refused before that keeps them (no second copy).
    let releasedNow = false;
    try {
      const f = await createFusedSession(members, source, engine, async () => {
        releasedNow = true;
        for (const p of released) await p.session.release?.().catch(() => {});
      });
      for (const p of released) packs[packs.indexOf(p)] = { ...p, session: f.memberSession(p.info.name) };
      fused.push(f);
      for (const p of members) taken.add(p.info.name);
      opts.logger?.info({ packs: members.map((p) => p.info.name), released: released.map((p) => p.info.name) }, 'model packs fused into one session');
    } catch (err) {
      if (!(err instanceof FuseRefused)) throw err;
      for (const p of releasedNow ? released : []) {
        if (p.modelPath) packs[packs.indexOf(p)] = { ...p, session: await engine.createSession(await source.read(p.modelPath)) };
      }
      opts.logger?.warn({ packs: members.map((p) => p.info.name), reason: err.message }, 'model packs not fused; each runs on its own session');
    }
  }
  return { packs, fused };
}

/** The token classifier of a loaded token-classification pack (for eval tools and tests). */
export function tokenClassifierFor(pack: LoadedPack): TokenClassifier {
  return createTokenClassifier(pack);
}

/**
 * Loads packs in parallel, each registered under its key in `packs` (the config's name for it).
 * Every broken pack is reported, not just the first.
 */
export async function loadPacks(source: ModelSource, engine: InferenceEngine, packs: Record<string, string>): Promise<LoadedPack[]> {
  const entries = Object.entries(packs);
  const results = await Promise.allSettled(entries.map(([, dir]) => loadPack(source, dir, engine)));
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length) {
    // Release what did load so a failed start does not leak native sessions.
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.session.release?.().catch(() => {}) : undefined)));
    if (failed.length === 1) throw failed[0];
    const lines = failed.map((e) => (e instanceof Error ? e.message : errorText(e)));
    throw new Error(`${failed.length} model packs failed to load:\n${lines.join('\n')}`);
  }
  return results.map((r, i) => {
    const p = (r as PromiseFulfilledResult<LoadedPack>).value;
    return { ...p, info: { ...p.info, name: entries[i]![0] } };
  });
}

export async function loadClassifiers(
  source: ModelSource,
  engine: InferenceEngine,
  packs: Record<string, string>,
  opts: ClassifiersOptions = {},
): Promise<Classifiers> {
  const loaded = await loadPacks(source, engine, packs);
  for (const p of loaded) {
    opts.logger?.info({ pack: p.info.name, task: p.info.task, provider: p.info.provider, engine: p.info.engine, bytes: p.info.sizeBytes, load_ms: p.info.loadTimeMs }, 'model pack loaded');
  }
  return createClassifiers(loaded, opts);
}

// One ONNX session for several packs: their graphs merged into one (onnx-merge.ts), so a request
// that needs several pays one session.run (and one set of N-API crossings) instead of one each.
// Every member has inputs of its own, even where two packs are fed the same features: a member a
// request does not need is then fed a tiny placeholder instead of the request's features (co-run.ts),
// which costs only its per-node overhead. Each member keeps its own session for calls it gets alone.
// Measured on the default packs (onnxruntime-node, one thread): the four packs' runs 478 -> 411 us
// (p10 of 4 runs vs 1), jailbreak + domain 203 -> 163 us; ORT runs every node whatever is fetched,
// so an unneeded member on a placeholder still costs ~0.5 us per node (~10-20 us a pack). A merged
// session holds about what the separate ones hold (~20 MB for all four), on top of them.
import type { InferenceEngine, InferenceSession, ModelSource, Provider, Tensor } from './types.ts';
import type { LoadedPack } from './pack-loader.ts';
import { mergeOnnxModels, type MergePart } from './onnx-merge.ts';

export interface FusedSession {
  /** Member pack names, in graph order. */
  readonly packs: readonly string[];
  /** Nodes each member keeps in the merged graph (what it costs on a placeholder feed). */
  readonly nodes: ReadonlyMap<string, number>;
  /**
   * Runs every member on its own feeds (by pack name; each member's featurizer output) and returns
   * each member's output tensor by pack name.
   */
  run(feeds: ReadonlyMap<string, Record<string, Tensor>>): Promise<Map<string, Tensor>>;
  /** What a member not needed in a run is fed: its featurizer's features of "" (one position). */
  placeholder(pack: string): Record<string, Tensor>;
  /**
   * One member's session on the fused one (the others on placeholders), so the member's own session
   * can be released: ~0.5 us per placeholder node more per run, its weights held once instead of twice.
   */
  memberSession(pack: string): InferenceSession & { provider: Provider };
  release(): Promise<void>;
}

/** Why packs could not be fused (the caller keeps separate sessions and logs this). */
export class FuseRefused extends Error {}

/**
 * `beforeCreate` runs before the members' models are read and merged: the place to release sessions
 * the fused one replaces, so their memory is reused instead of added to (the gateway's RSS, measured
 * in bench/classifiers.ts terms in BENCHMARKS.md, grows by the merged copy otherwise).
 */
export async function createFusedSession(
  members: readonly LoadedPack[],
  source: ModelSource,
  engine: InferenceEngine,
  beforeCreate?: () => Promise<void>,
): Promise<FusedSession> {
  if (members.length < 2) throw new FuseRefused('fewer than two packs');
  for (const p of members) if (!p.modelPath) throw new FuseRefused(`pack ${p.info.name} has no model path`);
  await beforeCreate?.();
  const parts: MergePart[] = [];
  const feedNames: Array<Array<[string, string]>> = [];
  const outputNames: string[] = [];
  for (const [i, p] of members.entries()) {
    const inputs = Object.fromEntries(p.manifest.inputs.map((n) => [n, `in${i}/${n}`]));
    const output = `out${i}/${p.manifest.output}`;
    let model: Uint8Array;
    try {
      model = await source.read(p.modelPath!);
    } catch (err) {
      // Read once already when the pack loaded; a refusal lets the caller recreate what it released.
      throw new FuseRefused(`model of pack ${p.info.name} unreadable (${err instanceof Error ? err.message : String(err)})`);
    }
    parts.push({ model, prefix: `p${i}/`, inputs, outputs: { [p.manifest.output]: output } });
    feedNames.push(Object.entries(inputs));
    outputNames.push(output);
  }
  let merged: Uint8Array;
  const nodes = new Map<string, number>();
  try {
    merged = mergeOnnxModels(parts, (i, n) => nodes.set(members[i]!.info.name, n));
  } catch (err) {
    throw new FuseRefused(err instanceof Error ? err.message : String(err));
  }
  parts.length = 0; // the members' model bytes are garbage from here on
  let session: InferenceSession & { provider: Provider };
  try {
    session = await engine.createSession(merged);
  } catch (err) {
    throw new FuseRefused(`the merged model was refused (${err instanceof Error ? err.message : String(err)})`);
  }
  const names = members.map((p) => p.info.name);
  const placeholders = new Map(members.map((p) => [p.info.name, p.featurizer.encode('').feeds]));
  const fused: FusedSession = {
    packs: names,
    nodes,
    placeholder: (pack) => placeholders.get(pack)!,
    memberSession(pack) {
      const member = members.find((p) => p.info.name === pack);
      if (!member) throw new Error(`pack ${pack} is not fused here`);
      const output = member.manifest.output;
      // One feeds map per member, built here: each run only swaps in this member's feeds. Reusing it
      // across concurrent runs is safe because fused.run copies it before its first await.
      const byPack = new Map(placeholders);
      return {
        provider: session.provider,
        inputNames: member.manifest.inputs,
        outputNames: [output],
        async run(feeds) {
          byPack.set(pack, feeds);
          const running = fused.run(byPack);
          byPack.set(pack, placeholders.get(pack)!); // holds no request's tensors between runs
          const outs = await running;
          return { [output]: outs.get(pack)! };
        },
        // The fused session is released by its owner (FusedSession.release), not by one member.
        release: () => Promise.resolve(),
      };
    },
    async run(byPack) {
      // Reads byPack completely before the first await (memberSession relies on it).
      const feeds: Record<string, Tensor> = {};
      for (const [i, name] of names.entries()) {
        const f = byPack.get(name);
        if (!f) throw new Error(`fused run without feeds for pack ${name}`);
        for (const [input, merged] of feedNames[i]!) {
          const t = f[input];
          if (!t) throw new Error(`pack ${name}: feed ${input} missing`);
          feeds[merged] = t;
        }
      }
      const out = await session.run(feeds);
      const result = new Map<string, Tensor>();
      for (const [i, name] of names.entries()) {
        const t = out[outputNames[i]!];
        if (!t) throw new Error(`fused run: output of pack ${name} missing`);
        result.set(name, t);
      }
      return result;
    },
    release: () => session.release?.() ?? Promise.resolve(),
  };
  return fused;
}

// Runs packs of one fused session together when a text is likely to be asked of several of them.
// The gateway asks its classifiers one at a time (jailbreak guard, cache lookup, routing, PII), each
// on the request's text, so the first call cannot know what comes next. Instead, for each pack that
// is asked first for a text, this learns how often each other member is asked for the same text
// afterwards; when a member usually is, the first call runs it too (one fused session.run) and keeps
// its output until it is asked for. Members not expected get a placeholder feed. A pack asked for a
// text whose output was not prepared runs alone on its own session, so results never depend on what
// was guessed: the fused graph computes the same values as each pack's own (see fused.ts).
import type { Tensor } from './types.ts';
import type { LoadedPack, PackOutput, PackRunner } from './pack-loader.ts';
import type { FusedSession } from './fused.ts';
import { runPackAlone } from './sequence-classifier.ts';
import { boundText } from './text.ts';

export interface CoRunOptions {
  /**
   * 'adaptive' (default): run a member along when it was asked after the first pack at least
   * `minShare` of the time; 'always': every member on every first call; 'never': each pack alone.
   */
  mode?: 'adaptive' | 'always' | 'never';
  /** Default 0.75: a wasted co-run costs a pack's compute, a useful one saves a run's overhead. */
  minShare?: number;
  /** Texts whose prepared outputs are kept (oldest dropped first). Default 64. */
  recent?: number;
  /** Longer texts are always run alone (bounds what the memo holds). Default 16,384 UTF-16 units. */
  maxChars?: number;
}

interface Entry {
  first: string;
  /** Packs asked for this text so far. */
  asked: Set<string>;
  /** The fused run started by the first call; members' outputs are taken from it once. */
  group?: Promise<Map<string, PackOutput>>;
  included?: Set<string>;
}

/** Weight of the newest outcome in the running share (about the last 8 texts count). */
const ALPHA = 1 / 8;
/**
 * Placeholder nodes one saved run pays for. Measured with onnxruntime-node on one thread: a run
 * costs ~20 us of fixed overhead, a node on a placeholder ~0.5 us. So a co-run that saves k runs is
 * worth it while the members left out keep fewer than 40k nodes.
 */
const NODES_PER_SAVED_RUN = 40;

export function createCoRunner(members: readonly LoadedPack[], fused: FusedSession, opts: CoRunOptions = {}): PackRunner {
  const mode = opts.mode ?? 'adaptive';
  const minShare = opts.minShare ?? 0.75;
  const capacity = Math.max(1, opts.recent ?? 64);
  const maxChars = opts.maxChars ?? 16_384;
  const byName = new Map(members.map((p) => [p.info.name, p]));
  const memo = new Map<string, Entry>();
  // share.get(first).get(other): how often `other` was asked for a text after `first` opened it.
  const share = new Map<string, Map<string, number>>(members.map((p) => [p.info.name, new Map()]));

  const expected = (first: string, other: string) => share.get(first)?.get(other) ?? 1;

  function learn(e: Entry): void {
    const s = share.get(e.first)!;
    for (const name of byName.keys()) {
      if (name === e.first) continue;
      const was = expected(e.first, name);
      s.set(name, was + ALPHA * ((e.asked.has(name) ? 1 : 0) - was));
    }
  }

  function remember(text: string, e: Entry): void {
    memo.set(text, e);
    if (memo.size > capacity) {
      const oldest = memo.keys().next().value!;
      learn(memo.get(oldest)!);
      memo.delete(oldest);
    }
  }

  /**
   * Outputs of `first` and of the members in `along`, from one fused run. `along` is read before the
   * first await, so the caller may pass the entry's `included` set, which members empty as they take.
   */
  async function runGroup(text: string, first: string, along: ReadonlySet<string>): Promise<Map<string, PackOutput>> {
    const feeds = new Map<string, Record<string, Tensor>>();
    const meta = new Map<string, Omit<PackOutput, 'out'>>();
    for (const p of members) {
      const name = p.info.name;
      if (name !== first && !along.has(name)) {
        feeds.set(name, fused.placeholder(name));
        continue;
      }
      const bounded = boundText(text, p.manifest.max_length);
      const f = p.featurizer.encode(bounded.text);
      feeds.set(name, f.feeds);
      meta.set(name, { truncated: f.truncated || bounded.cut, length: f.length, ...(f.offsets ? { offsets: f.offsets } : {}) });
    }
    const outs = await fused.run(feeds);
    const result = new Map<string, PackOutput>();
    for (const [name, m] of meta) result.set(name, { out: outs.get(name)!, ...m });
    return result;
  }

  return {
    async run(pack, text) {
      const name = pack.info.name;
      if (mode === 'never' || text.length > maxChars || !byName.has(name)) return runPackAlone(pack, text);
      const e = memo.get(text);
      if (e) {
        e.asked.add(name);
        if (e.group && e.included?.delete(name)) {
          try {
            const outputs = await e.group;
            const r = outputs.get(name);
            outputs.delete(name); // taken once; the memo keeps no tensor it will not hand out
            if (r) return r;
          } catch {
            // The fused run failed (maybe on another member's feeds): this pack gets its own run.
          }
        }
        return runPackAlone(pack, text);
      }
      const entry: Entry = { first: name, asked: new Set([name]) };
      remember(text, entry);
      const along: string[] = [];
      let idle = 0;
      for (const n of byName.keys()) {
        if (n === name) continue;
        if (mode === 'always' || expected(name, n) >= minShare) along.push(n);
        else idle += fused.nodes.get(n) ?? 0;
      }
      if (along.length === 0 || idle > along.length * NODES_PER_SAVED_RUN) return runPackAlone(pack, text);
      entry.included = new Set(along);
      entry.group = runGroup(text, name, entry.included);
      // Members that are never asked must not leave an unhandled rejection behind.
      entry.group.catch(() => {});
      let outputs: Map<string, PackOutput>;
      try {
        outputs = await entry.group;
      } catch {
        // A member run along (its featurizer, its feeds) may be what failed: this pack's answer must
        // not depend on it, so it gets its own run (which throws its own error if the fault is its).
        return runPackAlone(pack, text);
      }
      const own = outputs.get(name)!;
      outputs.delete(name);
      return own;
    },
  };
}

// The guard scans a long message in windows that no other classifier is asked about. Those windows
// must not go through the fused co-runner: they would run domain and embedding along for nothing and
// teach the co-runner that nothing follows the guard's pack, switching co-running off for the short
// requests after them. Real packs, the gateway's fused shape, a counted fused session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { createFileSource, defaultModelsDir } from '../../runtimes/node/file-source.ts';
import { createClassifiers, fuseSharingWeights, loadPacks } from '../../src/classify/registry.ts';
import type { LoadedPack } from '../../src/classify/pack-loader.ts';
import type { FusedSession } from '../../src/classify/fused.ts';
import type { Classifiers } from '../../src/classify/types.ts';
import { scanJailbreak } from '../../src/guard/jailbreak.ts';

const source = createFileSource(defaultModelsDir());
const engine = createNodeEngine('cpu');
const GROUP = ['jailbreak', 'embedding', 'domain'];
let packs: LoadedPack[];
let fused: FusedSession;
let fusedRuns = 0;

beforeAll(async () => {
  const loaded = await loadPacks(source, engine, Object.fromEntries(GROUP.map((n) => [n, n])));
  const r = await fuseSharingWeights(loaded, source, engine, [GROUP], { releaseAtLeastBytes: 4 * 2 ** 20 });
  packs = r.packs;
  fused = r.fused[0]!;
  const run = fused.run.bind(fused);
  fused.run = (feeds) => {
    fusedRuns++;
    return run(feeds);
  };
}, 60_000);
afterAll(async () => {
  await Promise.all([...packs.map((p) => p.session.release?.()), fused.release()]);
});

/** One short gateway request: guard, cache lookup, routing on the same text. */
async function shortRequest(c: Classifiers, text: string): Promise<void> {
  await scanJailbreak(c.sequence('jailbreak')!, [text], 0.7);
  await c.embedder('embedding')!.embed(text);
  await c.sequence('domain')!.classify(text);
}

describe('windowed guard scans and the co-runner', () => {
  it('short requests keep one fused run each after long messages were scanned in many windows', async () => {
    // A small memo so what the co-runner learns takes effect within the test (the gateway keeps 64).
    const c = createClassifiers(packs, { fused: [fused], coRun: { recent: 4 } });
    for (let i = 0; i < 6; i++) await shortRequest(c, `Warm-up ${i}: what is the derivative of x^${i + 2}?`);
    const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} of a long report on enzyme kinetics and reaction rates.`).join(' ');
    for (let i = 0; i < 4; i++) {
      const text = `${long} (copy ${i})`;
      const v = await scanJailbreak(c.sequence('jailbreak')!, [text], 0.7, { windowChars: 512 });
      expect(v.windows).toBeGreaterThan(4);
      await c.embedder('embedding')!.embed(text);
      await c.sequence('domain')!.classify(text);
    }
    const before = fusedRuns;
    const n = 8;
    for (let i = 0; i < n; i++) await shortRequest(c, `Question ${i}: how do enzymes lower activation energy in step ${i}?`);
    // One fused run per short request: jailbreak ran domain and embedding along, and they took it.
    expect(fusedRuns - before).toBe(n);
  });
});

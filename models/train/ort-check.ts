// Runs an exported pack with onnxruntime-node: parity with the trainer's own forward pass and
// single-request latency (featurizer + session.run) on one thread.
import * as ort from 'onnxruntime-node';
import { createHashedNgramsFeaturizer } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { PackManifest } from '../../src/classify/types.ts';

export async function openPack(model: Uint8Array, manifest: PackManifest) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] });
  const featurizer = createHashedNgramsFeaturizer(manifest.featurizer as Record<string, unknown>, manifest);
  const run = async (text: string): Promise<{ out: Float32Array; truncated: boolean }> => {
    const f = featurizer.encode(text);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(f.feeds)) feeds[k] = new ort.Tensor(t.type, t.data as never, t.dims as number[]);
    const res = await session.run(feeds, [manifest.output]);
    return { out: res[manifest.output].data as Float32Array, truncated: f.truncated };
  };
  return { session, run };
}

export const BENCH_TEXT =
  'I am planning a two week trip to Japan next spring and would like help putting together an itinerary. ' +
  'We will land in Tokyo, want to spend a few days in Kyoto and Osaka, and are interested in temples, food markets, ' +
  'hiking and a day trip to Nara. Could you suggest how to split the days, which rail pass makes sense, roughly ' +
  'what a mid range budget per day would be for two people, and any etiquette we should know about before visiting ' +
  'shrines or onsen? Also, what is the best way to handle money, mobile data and luggage between cities, and are ' +
  'there any seasonal events in April that we should not miss? Please keep the answer practical and organised by day, ' +
  'with a short list of backup options for rainy days and a note on which reservations need to be made in advance.';

export async function latency(run: (t: string) => Promise<unknown>, text = BENCH_TEXT, iters = 2000): Promise<{ p50_ms: number; p99_ms: number }> {
  for (let i = 0; i < 200; i++) await run(text);
  const t: number[] = [];
  for (let i = 0; i < iters; i++) {
    const a = performance.now();
    await run(text);
    t.push(performance.now() - a);
  }
  t.sort((a, b) => a - b);
  return { p50_ms: t[Math.floor(iters * 0.5)], p99_ms: t[Math.floor(iters * 0.99)] };
}

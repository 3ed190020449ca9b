// AppDeps for the routing unit tests of the mutation audit: a validated config, one sequence
// classifier under the pack name "domain", a real metrics registry, a quiet logger.
import { validateConfig } from '../../../src/config/index.ts';
import type { Classifiers, ClassResult, SequenceClassifier } from '../../../src/classify/types.ts';
import type { AppDeps } from '../../../src/deps.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { buildContext } from '../../../src/pipeline/request.ts';

/** A classifier answering `label` with the given probabilities (labels in order); `threshold` is the pack's. */
export function classifierOf(labels: string[], label: string, probs: number[], threshold = 0.5, fail = false): SequenceClassifier {
  return {
    name: 'domain',
    labels,
    threshold,
    async classify(): Promise<ClassResult> {
      if (fail) throw new Error('engine down');
      const index = labels.indexOf(label);
      return { label, index, confidence: probs[index], probabilities: Float32Array.from(probs), truncated: false };
    },
  };
}

/** `label` at `confidence`, the rest spread evenly over the other labels. */
export function peaked(labels: string[], label: string, confidence: number, threshold = 0.5, fail = false): SequenceClassifier {
  const rest = (1 - confidence) / (labels.length - 1);
  return classifierOf(labels, label, labels.map((l) => (l === label ? confidence : rest)), threshold, fail);
}

export function routingDeps(clf: SequenceClassifier | undefined, raw: Record<string, unknown>): AppDeps {
  const { config } = validateConfig(raw);
  const classifiers: Classifiers = { sequence: (n) => (n === 'domain' ? clf : undefined), pii: () => undefined, embedder: () => undefined, info: () => [] };
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return { config, classifiers, upstream: { send: async () => { throw new Error('unused'); } }, metrics: createMetrics({ config }), logger: quiet, clock: { now: () => performance.now(), wallMs: () => Date.now() }, runtime: { name: 'node' } };
}

/** A pipeline context for one user message `q` to `model`, with extra body fields. */
export const chatCtx = (model: string, extra: Record<string, unknown> = {}, messages: unknown[] = [{ role: 'user', content: 'q' }]) =>
  buildContext({ requestId: 'r', headers: {}, body: { model, messages, ...extra } as never, startedMs: 0 });

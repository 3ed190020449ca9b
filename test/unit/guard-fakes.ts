// Test doubles for the guard unit tests: a jailbreak classifier and a PII detector that, like a real
// pack, only read the first `maxChars` characters of their input (so windowing is observable).
import type { ClassResult, PiiDetector, PiiEntity, SequenceClassifier } from '../../src/classify/types.ts';

export function fakeJailbreak(opts: { maxChars: number; trigger?: RegExp; labels?: string[]; p?: number }): SequenceClassifier & { calls: string[] } {
  const labels = opts.labels ?? ['benign', 'jailbreak'];
  const trigger = opts.trigger ?? /ignore previous instructions/i;
  const calls: string[] = [];
  return {
    name: 'jailbreak',
    labels,
    threshold: 0.7,
    calls,
    async classify(text: string): Promise<ClassResult> {
      calls.push(text);
      const seen = text.slice(0, opts.maxChars);
      const p = trigger.test(seen) ? (opts.p ?? 0.93) : 0.04;
      const probs = new Float32Array(labels.length);
      const pos = labels.findIndex((l) => l.toLowerCase() !== 'benign');
      const neg = labels.findIndex((l) => l.toLowerCase() === 'benign');
      probs[pos] = p;
      probs[neg] = 1 - p;
      const index = p >= 0.5 ? pos : neg;
      return { label: labels[index], index, confidence: probs[index], probabilities: probs, truncated: text.length > opts.maxChars };
    },
  };
}

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/g;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;

export function fakePii(opts: { maxChars: number }): PiiDetector & { calls: number } {
  const d = {
    name: 'pii',
    types: ['EMAIL_ADDRESS', 'US_SSN'],
    calls: 0,
    async detect(text: string): Promise<PiiEntity[]> {
      d.calls++;
      const seen = text.slice(0, opts.maxChars);
      const out: PiiEntity[] = [];
      for (const [re, type] of [[EMAIL, 'EMAIL_ADDRESS'], [SSN, 'US_SSN']] as const) {
        for (const m of seen.matchAll(re)) out.push({ type, start: m.index!, end: m.index! + m[0].length, confidence: 0.99, source: 'pattern' });
      }
      return out;
    },
  };
  return d;
}

import type { AppDeps } from '../../src/deps.ts';
import type { ChatBody, PipelineContext } from '../../src/pipeline/context.ts';

export interface Recorded {
  metrics: Array<[string, Record<string, string> | undefined, number | undefined]>;
  logs: unknown[];
}

export function fakeDeps(config: Record<string, unknown>, parts: { jailbreak?: SequenceClassifier; pii?: PiiDetector; maxLength?: number }): AppDeps & { rec: Recorded } {
  const rec: Recorded = { metrics: [], logs: [] };
  const log = (o: object, m?: string) => void rec.logs.push([o, m]);
  return {
    rec,
    config: config as never,
    classifiers: {
      sequence: (n) => (n === 'jailbreak' ? parts.jailbreak : undefined),
      pii: () => parts.pii,
      embedder: () => undefined,
      info: () => [
        { name: 'jailbreak', task: 'sequence-classification', path: '', provider: 'cpu', engine: 'fake', labels: [], sizeBytes: 0, loadTimeMs: 0, featurizer: 'x', maxLength: parts.maxLength ?? 128 },
        { name: 'pii', task: 'token-classification', path: '', provider: 'cpu', engine: 'fake', labels: [], sizeBytes: 0, loadTimeMs: 0, featurizer: 'x', maxLength: parts.maxLength ?? 128 },
      ],
    },
    upstream: {} as never,
    metrics: {
      inc: (n, l, v) => void rec.metrics.push([n, l, v]),
      observe: (n, l, v) => void rec.metrics.push([n, l, v]),
      set: (n, l, v) => void rec.metrics.push([n, l, v]),
      render: () => '',
    },
    logger: { debug: log, info: log, warn: log, error: log },
    clock: { now: () => performance.now(), wallMs: () => 1_760_000_000_000 },
    runtime: { name: 'node' },
  };
}

export function ctxFor(body: ChatBody, extra: Partial<PipelineContext> = {}): PipelineContext {
  const textOf = (c: unknown) =>
    typeof c === 'string' ? c : Array.isArray(c) ? c.filter((p) => p && typeof p.text === 'string').map((p) => p.text).join('\n') : '';
  const by = (r: string) => body.messages.filter((m) => m.role === r).map((m) => textOf(m.content));
  const user = by('user');
  return {
    requestId: 'req-1',
    headers: {},
    body,
    requestedModel: body.model,
    stream: body.stream === true,
    texts: { latestUser: user[user.length - 1] ?? '', user, system: by('system'), assistant: by('assistant'), tool: by('tool') },
    responseHeaders: {},
    taps: [],
    startedMs: 0,
    ...extra,
  };
}

// What the classifier benches share: the CLI flag reader, the ~200-token request they time (with
// distinct variants, since in the gateway every request is new text and nothing may be served from
// featurizer sharing across runs), and the warm-up + timed-runs loop with its percentiles.

export function cliArg(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
}

// A realistic user turn: a question with context, a name, an email and a date (so PII has work).
export const REQUEST = [
  'Hi, I am Maria Garcia from the finance team at Northwind in Berlin, you can reach me at maria.garcia@northwind.example.',
  'I am preparing a report for our quarterly review on 14 March 2025 and I need help with the statistics part.',
  'We measured the monthly revenue of twelve stores over two years and want to know whether the growth after the',
  'marketing campaign is significant. Should I use a paired t-test or a Wilcoxon signed-rank test, given that the',
  'distribution of differences looks skewed and two stores had unusual spikes during the holidays? Please explain',
  'the assumptions of each test, how to check them in Python with scipy, and how to report effect sizes and',
  'confidence intervals in a way that non-technical managers understand. If a regression model with store fixed',
  'effects would be better, show a short example with statsmodels and explain how to interpret the coefficients.',
].join(' ');

export const VARIANTS = Array.from({ length: 257 }, (_, i) => `${REQUEST} Case ${(i * 7919).toString(36)}.`);

/** A fresh cursor over VARIANTS: each call returns the next text, wrapping around. */
export function textCycle(): () => string {
  let turn = 0;
  return () => VARIANTS[turn++ % VARIANTS.length]!;
}

export interface Timing {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Milliseconds per call of `fn` over `runs` timed calls after `warmup` untimed ones. The text for
 * each call is drawn from `next` before the clock starts (an empty string without `next`).
 */
export async function timeRuns(
  fn: (text: string) => unknown,
  o: { runs: number; warmup: number; next?: () => string },
): Promise<Timing> {
  const next = o.next ?? (() => '');
  for (let i = 0; i < o.warmup; i++) await fn(next());
  const t = new Float64Array(o.runs);
  for (let i = 0; i < o.runs; i++) {
    const text = next();
    const s = process.hrtime.bigint();
    await fn(text);
    t[i] = Number(process.hrtime.bigint() - s) / 1e6;
  }
  const mean = t.reduce((a, b) => a + b, 0) / o.runs;
  t.sort();
  return { p50: percentile(t, 50), p95: percentile(t, 95), p99: percentile(t, 99), mean };
}

// Micro-benchmark of the Prometheus registry hot path (inc/observe) and a scrape render. `npx tsx bench/observability-registry.ts`
import { createMetrics } from '../src/observability/metrics.ts';
const m = createMetrics({ config: { default_model: 'qwen3', model_config: { qwen3: {}, 'deepseek-v3': {} } } as never });
const N = 1_000_000;
for (const [name, fn] of [
  ['inc 1 label', (i: number) => m.inc('llm_model_requests_total', { model: i & 1 ? 'qwen3' : 'deepseek-v3' })],
  ['inc 2 labels', (i: number) => m.inc('llm_request_errors_total', { model: 'qwen3', reason: i & 1 ? 'timeout' : 'upstream_5xx' })],
  ['observe hist', (i: number) => m.observe('llm_model_ttft_seconds', { model: 'qwen3' }, (i % 1000) / 100)],
] as const) {
  for (let i = 0; i < 100000; i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  console.log(name, Number(process.hrtime.bigint() - t0) / N, 'ns/op');
}
for (let i = 0; i < 200; i++) m.inc('llm_category_classifications_total', { category: `c${i}` });
const t0 = process.hrtime.bigint();
let len = 0;
for (let i = 0; i < 200; i++) len = m.render().length;
console.log('render', Number(process.hrtime.bigint() - t0) / 200 / 1000, 'us/render,', len, 'bytes');

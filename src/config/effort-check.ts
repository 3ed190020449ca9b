// Configured reasoning efforts outside the ones the engines and the OpenAI API know. Any non-empty
// string loads and goes upstream as written (an engine may know more), but `hgih` or `max` is more
// likely a typo the engine will refuse on every routed request than a new effort: say so at load.
import type { Config } from './schema.ts';
import { KNOWN_EFFORTS } from '../observability/labels.ts';

const KNOWN = new Set(KNOWN_EFFORTS);

const warn = (key: string, effort: string) =>
  `${key}: "${effort}" is not a reasoning effort the engines are known to accept (${KNOWN_EFFORTS.join(', ')}); it is sent as written`;

export function effortWarnings(c: Config): string[] {
  const out: string[] = [];
  if (!KNOWN.has(c.default_reasoning_effort)) out.push(warn('default_reasoning_effort', c.default_reasoning_effort));
  c.categories.forEach((cat, i) =>
    cat.model_scores.forEach((s, j) => {
      if (s.reasoning_effort !== undefined && !KNOWN.has(s.reasoning_effort)) {
        out.push(warn(`categories[${i}].model_scores[${j}].reasoning_effort`, s.reasoning_effort));
      }
    }),
  );
  return out;
}

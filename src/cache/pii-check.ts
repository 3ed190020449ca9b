// Before an answer is stored in the semantic cache: do the request's texts carry personal data?
// The PII stage scans only for models whose pii_policy restricts it, so with the default policies
// (every model may see PII) nothing was scanned, and an answer to "write a bio for <name>, <e-mail>"
// would be served to the next user whose question is close enough. Only the types configured in
// semantic_cache.skip_pii_types count (by default the identifiers that reach one person). The scan runs in the store tap,
// after the client has its answer, so it costs CPU on stored misses but no latency.
import type { AppDeps } from '../deps.ts';
import { BudgetMeter } from '../guard/budget.ts';
import { scanPii } from '../guard/pii-scan.ts';
import { guardSettings, packWindowChars } from '../guard/settings.ts';

/** `unchecked`: no PII pack, the detector failed, or the texts exceed the PII scan budget. */
export type PiiVerdict = 'pii' | 'clean' | 'unchecked';

/** Newest text first, so the answer for the common case (PII in the question) comes from one scan. */
export async function cachePiiVerdict(deps: AppDeps, texts: readonly string[], types: readonly string[]): Promise<PiiVerdict> {
  const s = guardSettings(deps.config);
  const detector = deps.classifiers.pii(s.piiPack);
  if (!detector) return 'unchecked';
  const meter = new BudgetMeter(s.piiBudget);
  const windowChars = packWindowChars(deps.classifiers, detector.name, 'token-classification');
  for (let i = texts.length - 1; i >= 0; i--) {
    const [found] = await scanPii(detector, [texts[i]], { threshold: s.piiThreshold, windowChars, meter, types });
    if (found.length) return 'pii';
    if (meter.exceeded) return 'unchecked';
  }
  return 'clean';
}

// Jailbreak scan shared by the gateway guard stage, the classification API (/security) and ext_proc.
// Stub with the fixed signature: the guardrails work replaces the body (windows for long texts, etc.).
import type { SequenceClassifier } from '../classify/types.ts';

export interface JailbreakVerdict {
  blocked: boolean;
  /** Label of the positive class that fired (e.g. "jailbreak"), or "benign". */
  type: string;
  /** Highest jailbreak probability seen over the texts. */
  confidence: number;
  /** Index into `texts` of the text that fired, when blocked. */
  textIndex?: number;
}

export async function scanJailbreak(classifier: SequenceClassifier, texts: string[], threshold: number): Promise<JailbreakVerdict> {
  let best: JailbreakVerdict = { blocked: false, type: 'benign', confidence: 0 };
  for (let i = 0; i < texts.length; i++) {
    if (!texts[i]?.trim()) continue;
    const r = await classifier.classify(texts[i]);
    const idx = classifier.labels.indexOf('jailbreak');
    const p = idx >= 0 ? r.probabilities[idx] : 0;
    if (p > best.confidence) best = { blocked: p >= threshold, type: p >= threshold ? 'jailbreak' : 'benign', confidence: p, textIndex: i };
    if (best.blocked) break;
  }
  return best;
}

// PII scan and masking shared by the gateway PII stage, the classification API (/pii) and ext_proc.
// Stub with fixed signatures: the guardrails work replaces the bodies (windows, redaction, etc.).
import type { PiiDetector, PiiEntity } from '../classify/types.ts';

/** Detect PII in each text; result is index-aligned with `texts`. */
export async function scanPii(detector: PiiDetector, texts: string[], opts: { threshold?: number } = {}): Promise<PiiEntity[][]> {
  return Promise.all(texts.map((t) => detector.detect(t, opts)));
}

/** Replace each entity with a typed placeholder, e.g. "<EMAIL_ADDRESS_1>". */
export function maskText(text: string, entities: PiiEntity[]): { masked: string; placeholders: Array<{ placeholder: string; type: string; start: number; end: number }> } {
  const counters = new Map<string, number>();
  const placeholders: Array<{ placeholder: string; type: string; start: number; end: number }> = [];
  let out = '';
  let pos = 0;
  for (const e of [...entities].sort((a, b) => a.start - b.start)) {
    if (e.start < pos) continue;
    const n = (counters.get(e.type) ?? 0) + 1;
    counters.set(e.type, n);
    const placeholder = `<${e.type}_${n}>`;
    out += text.slice(pos, e.start) + placeholder;
    placeholders.push({ placeholder, type: e.type, start: e.start, end: e.end });
    pos = e.end;
  }
  return { masked: out + text.slice(pos), placeholders };
}

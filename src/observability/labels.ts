// Bounded forms of client-chosen values for metric labels, span attributes and log lines. A value the
// client picks (a reasoning effort it asked for) goes upstream as sent, but what the gateway writes
// about it must come from a small known set: any text there could be personal data, and one series
// per distinct value would let a client fill a metric up to its series cap.

/** Reasoning efforts the engines and the OpenAI API know (the config takes any, and warns on others). */
export const KNOWN_EFFORTS: readonly string[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];
const EFFORTS = new Set(KNOWN_EFFORTS);

/** A known effort in lower case; anything else "other". */
export function effortLabel(effort: string): string {
  const v = effort.toLowerCase();
  return EFFORTS.has(v) ? v : 'other';
}

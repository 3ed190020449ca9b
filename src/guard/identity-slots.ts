// Request fields the model never reads but the provider stores and logs with the request: OpenAI's
// `user` and its successor `safety_identifier` (an end-user id, often an e-mail address) and the
// `metadata` map's values (stored completions). Left out of the PII policy, a model whose policy
// denies e-mail addresses had its provider log `"user": "jane.doe@example.com"`. Masked in place
// under redact, refused under block, as the texts are; a placeholder here never comes back in the
// answer. Metadata keys are the application's names, not rewritten.
import type { TextSlot } from './redaction.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Set by the application, as the system prompt is. */
const ROLE = 'system';

const ID_FIELDS = ['user', 'safety_identifier'] as const;

export function identitySlots(body: unknown): TextSlot[] {
  if (!isObj(body)) return [];
  const slots: TextSlot[] = [];
  for (const k of ID_FIELDS) if (typeof body[k] === 'string') slots.push(slotOf(body, k));
  const meta = body.metadata;
  if (isObj(meta)) for (const k of Object.keys(meta)) if (typeof meta[k] === 'string') slots.push(slotOf(meta, k));
  return slots;
}

function slotOf(h: Record<string, unknown>, k: string): TextSlot {
  return { role: ROLE, logged: true, identity: true, get: () => h[k] as string, set: (v) => (h[k] = v) };
}

// Request fields outside the messages whose text reaches the model, as slots for the PII policy
// (redaction.ts collectTextSlots): the definitions the jailbreak guard reads (tool-texts.ts: tools,
// legacy functions, the structured-output schema), vLLM's structured-output fields (guided_json,
// guided_choice, structured_outputs: values the model is made to write, so a placeholder there comes
// back in the answer and is restored) and OpenAI's `prediction` content (input tokens of the model).
// Left out, personal data in them reached a model whose policy denies it. Property names are read
// (passthroughs refuse on them) but never rewritten: a renamed property breaks the schema.
import type { TextSlot } from './redaction.ts';
import { definitions, walkDefinition } from './tool-texts.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Written by the application, as the system prompt is. */
const ROLE = 'system';

/** Slots of those fields' strings; `names` (when given) gets the property names, which have no slot. */
export function definitionSlots(body: unknown, names?: string[]): TextSlot[] {
  if (!isObj(body)) return [];
  const slots: TextSlot[] = [];
  // Each definition's strings (and each list's) are one text to the PII scan (pii-slots.ts).
  let group = {};
  const onValue = (h: Record<string | number, unknown>, k: string | number) => slots.push({ ...slotOf(h, k), group });
  const onName = (n: string) => names?.push(n);
  for (const d of definitions(body)) {
    group = {};
    walkDefinition(d, onValue, onName);
  }
  const so = isObj(body.structured_outputs) ? body.structured_outputs : {};
  for (const [holder, key] of [[body, 'guided_json'], [so, 'json']] as const) {
    const schema = holder[key];
    // A schema sent as JSON text: masked as JSON string content (escapes decoded, the text stays JSON).
    if (typeof schema === 'string') slots.push({ ...slotOf(holder, key), json: true });
    else if (isObj(schema)) {
      group = {};
      walkDefinition(schema, onValue, onName);
    }
  }
  for (const list of [body.guided_choice, so.choice]) {
    group = {};
    if (Array.isArray(list)) list.forEach((x, i) => typeof x === 'string' && onValue(list as unknown as Record<number, unknown>, i));
  }
  const p = isObj(body.prediction) ? body.prediction : undefined;
  if (p && typeof p.content === 'string') slots.push(slotOf(p, 'content'));
  else if (p && Array.isArray(p.content)) {
    group = {};
    for (const part of p.content) if (isObj(part) && typeof part.text === 'string') onValue(part, 'text');
  }
  return slots;
}

function slotOf(h: Record<string | number, unknown>, k: string | number): TextSlot {
  return { role: ROLE, get: () => h[k] as string, set: (v) => (h[k] = v) };
}

// Function names as text for the PII policy (redaction.ts collectTextSlots). A template renders each
// tool's name, each earlier call's name and (Qwen's, Llama's) the forced tool_choice's, and vLLM checks
// no name format, so `{function: {name: 'jane.doe@example.com'}}` reached a model whose policy denies
// addresses. A name is one identifier in many places: the definition, tool_choice, legacy
// function_call, assistant tool_calls and the `name` of tool results. vLLM matches these to one
// another, so each distinct name is ONE slot whose set() rewrites every place it appears: a masked
// definition and an unmasked tool_choice would be refused upstream ("no such tool"). The answer's
// calls name the masked function; restoreTap gives them the client's name back.
import type { ResponseTap } from '../pipeline/context.ts';
import type { TextSlot } from './redaction.ts';
import { definitions } from './tool-texts.ts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The objects holding a `name` that names a function of the request. */
function nameHolders(body: Json): Json[] {
  const out: Json[] = [...definitions(body).filter((d) => typeof d.name === 'string')];
  const add = (fn: unknown) => {
    if (isObj(fn) && typeof fn.name === 'string') out.push(fn);
  };
  // tool_choice {type: function, function: {name}} (chat) or {type: function, name} (Responses); the
  // allowed_tools form lists tools as the definitions do; legacy function_call {name}.
  const tc = body.tool_choice;
  if (isObj(tc)) {
    // Anthropic's {type: tool, name} too.
    add(isObj(tc.function) ? tc.function : tc.type === 'function' || tc.type === 'tool' ? tc : undefined);
    const allowed = isObj(tc.allowed_tools) ? tc.allowed_tools.tools : tc.tools;
    if (Array.isArray(allowed)) for (const t of allowed) add(isObj(t) && isObj(t.function) ? t.function : t);
  }
  add(body.function_call);
  const calls: Json[] = [];
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObj(m)) continue;
    if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls) add(isObj(c) ? c.function : undefined);
    add(m.function_call);
    if ((m.role === 'tool' || m.role === 'function') && typeof m.name === 'string') calls.push(m);
  }
  // A tool result's `name` is its function's when the request declares or calls it (else it is a
  // participant's name, read with its message: redaction.ts).
  const known = new Set(out.map((h) => h.name as string));
  for (const m of calls) if (known.has(m.name as string)) out.push(m);
  return out;
}

/** Every name nameHolders() finds: a tool result's `name` among them is its function's (one of its slots). */
export function functionNameSet(body: unknown): Set<string> {
  return isObj(body) ? new Set(nameHolders(body).map((h) => h.name as string)) : new Set();
}

/**
 * A name is read as the template shows it, inside the tool's JSON: alone, the PII pack reads a bare
 * identifier as a person's name ('python' PERSON 0.83, 'julia' 0.99, 'dalle' 0.81, over the 0.7 cut),
 * so a deny-all policy would refuse gpt-oss's python tool; framed, none of them is, while an
 * address (1.00) or 'John Smith' (0.99) still is.
 */
const NAME_FRAME = ['{"name": "', '"}'] as const;

/** One slot per distinct function name; setting it renames the function everywhere in the request. */
export function functionNameSlots(body: unknown): TextSlot[] {
  if (!isObj(body)) return [];
  const byName = new Map<string, Json[]>();
  for (const h of nameHolders(body)) {
    const n = h.name as string;
    if (!n.trim()) continue;
    const list = byName.get(n);
    if (list) list.push(h);
    else byName.set(n, [h]);
  }
  return [...byName].map(([name, holders]) => ({
    role: 'system',
    frame: NAME_FRAME,
    get: () => name,
    set: (v: string) => {
      for (const h of holders) h.name = v;
    },
  }));
}

/** A function name as the scans read it (in its frame). */
export const nameText = (name: string): string => NAME_FRAME[0] + name + NAME_FRAME[1];

/** The request's distinct function names in their frame, for a caller that only reads (the passthrough guard). */
export function functionNameTexts(body: unknown): string[] {
  return functionNameSlots(body).map((s) => nameText(s.get()));
}

/**
 * Gives the answer's calls the client's function names back when the policy restores nothing else
 * (pii_policy.restore false, the default): a call named `<EMAIL_ADDRESS_1>` names no function the
 * client declared, so it could not dispatch it. A name is the client's own identifier, so giving it
 * back tells the client nothing it did not send; content keeps its placeholders. `names`: masked
 * name -> the client's; only whole names are matched.
 */
export function nameRestoreTap(names: ReadonlyMap<string, string>): ResponseTap {
  // Each call of a message (or delta) and its legacy function_call: true when a name was given back.
  const fix = (m: Json): boolean => {
    let changed = false;
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => (isObj(c) ? c.function : undefined)) : [];
    for (const fn of [...calls, m.function_call]) {
      const original = isObj(fn) && typeof fn.name === 'string' ? names.get(fn.name) : undefined;
      if (original === undefined || !isObj(fn)) continue;
      fn.name = original;
      changed = true;
    }
    return changed;
  };
  const each = (o: Json, key: 'message' | 'delta'): boolean => {
    let changed = false;
    for (const choice of Array.isArray(o.choices) ? o.choices : []) {
      if (isObj(choice) && isObj(choice[key]) && fix(choice[key] as Json)) changed = true;
    }
    return changed;
  };
  return {
    name: 'function-name-restore',
    // A new object when something changed: the forwarder re-serialises only then.
    json(input) {
      const copy = structuredClone(input);
      return each(copy, 'message') ? copy : input;
    },
    chunk(chunk) {
      each(chunk, 'delta');
      return chunk;
    },
  };
}

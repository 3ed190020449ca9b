// The classification API's `options`, checked as the reference's typed Go structs decode them
// (vsr.md 2.5): a field of the wrong type is a 400 INVALID_INPUT there, so it is here, rather than
// silently falling back to the default ("confidence_threshold": "0.9" ran with the default cut, and
// "entity_types": "EMAIL_ADDRESS" scanned every type). Unknown keys are ignored, as Go ignores them.
import { ApiError } from './classify-tasks.ts';

type Raw = Record<string, unknown>;

const bad = (field: string, what: string) => new ApiError(400, 'INVALID_INPUT', `options.${field} must be ${what}.`, 'invalid_options');

function bool(o: Raw, field: string): boolean | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(field, 'true or false');
  return v;
}

/** A probability cut: a number from 0 to 1 (a cut outside it answers the same for every text). */
function unit(o: Raw, field: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw bad(field, 'a number from 0 to 1');
  return v;
}

/** confidence_threshold: 0 is unset, as the reference reads its Go zero value (a client struct without
 *  omitempty always sends 0); a cut of 0 would otherwise call every classification confident. */
function cut(o: Raw): number | undefined {
  const v = unit(o, 'confidence_threshold');
  return v === 0 ? undefined : v;
}

function strings(o: Raw, field: string): string[] | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(field, 'a list of strings');
  return v as string[];
}

export interface IntentOptions {
  return_probabilities?: boolean;
  confidence_threshold?: number;
  include_explanation?: boolean;
}

export function intentOptions(o: Raw): IntentOptions {
  return { return_probabilities: bool(o, 'return_probabilities'), confidence_threshold: cut(o), include_explanation: bool(o, 'include_explanation') };
}

export interface PiiOptions {
  /** Pack type names to keep; undefined: all (absent, empty, or "ALL"). */
  entity_types?: string[];
  confidence_threshold?: number;
  return_positions?: boolean;
  mask_entities?: boolean;
}

/**
 * Short names the reference's API documentation uses in its entity_types example ("EMAIL", "PHONE",
 * "SSN", "LOCATION"), mapped to the pack's types; before, they matched nothing, and a text with an
 * e-mail address came back has_pii false, security_recommendation allow.
 */
const PII_ALIASES: Record<string, readonly string[]> = {
  EMAIL: ['EMAIL_ADDRESS'],
  PHONE: ['PHONE_NUMBER'],
  SSN: ['US_SSN'],
  LOCATION: ['GPE', 'STREET_ADDRESS', 'ZIP_CODE'],
  ADDRESS: ['STREET_ADDRESS'],
  NAME: ['PERSON'],
  IP: ['IP_ADDRESS'],
  IBAN: ['IBAN_CODE'],
  CREDIT_CARD_NUMBER: ['CREDIT_CARD'],
  DRIVER_LICENSE: ['US_DRIVER_LICENSE'],
  ZIP: ['ZIP_CODE'],
  DATE: ['DATE_TIME'],
  ORG: ['ORGANIZATION'],
};

/** `known`: the PII pack's types. A name that is neither one of them nor an alias is refused, naming
 *  the known ones: a typo must not read as "no PII here". */
export function piiOptions(o: Raw, known: readonly string[]): PiiOptions {
  const asked = strings(o, 'entity_types');
  let types: string[] | undefined;
  if (asked?.length && !asked.some((t) => t.trim().toUpperCase() === 'ALL')) {
    const have = new Set(known.map((t) => t.toUpperCase()));
    const out = new Set<string>();
    const unknown: string[] = [];
    for (const t of asked) {
      const name = t.trim().toUpperCase();
      const mapped = have.has(name) ? [name] : (PII_ALIASES[name]?.filter((x) => have.has(x)) ?? []);
      if (!mapped.length) unknown.push(t);
      for (const m of mapped) out.add(m);
    }
    if (unknown.length) {
      throw new ApiError(400, 'INVALID_INPUT', `options.entity_types: unknown type ${unknown.map((u) => JSON.stringify(u)).join(', ')}; known: ${known.join(', ')}, ALL.`, 'invalid_options');
    }
    types = [...out];
  }
  return { entity_types: types, confidence_threshold: cut(o), return_positions: bool(o, 'return_positions'), mask_entities: bool(o, 'mask_entities') };
}

export interface SecurityOptions {
  /** The jailbreak cut to use; undefined: prompt_guard.threshold. */
  threshold?: number;
  include_reasoning?: boolean;
  detection_types?: string[];
}

/**
 * sensitivity: the reference's documentation sends a level ("low" | "medium" | "high"); semroute also
 * takes a number s from 0 to 1 (cut 1 - s). medium is the configured cut; high lowers it to at most
 * 0.5 (more texts flagged), low raises it to at least 0.9.
 */
export function securityOptions(o: Raw, configured: number): SecurityOptions {
  const s = o.sensitivity;
  let threshold: number | undefined;
  // "": unset, as the reference's Go string zero value (a client struct without omitempty sends it);
  // whitespace is a level nobody knows, refused with the levels (it fell to the number's message).
  if (typeof s === 'string' && s !== '') {
    const level = s.trim().toLowerCase();
    if (level === 'medium') threshold = configured;
    else if (level === 'high') threshold = Math.min(configured, 0.5);
    else if (level === 'low') threshold = Math.max(configured, 0.9);
    else throw bad('sensitivity', '"low", "medium", "high" or a number from 0 to 1');
  } else if (s !== undefined && s !== null && s !== '') {
    const n = unit(o, 'sensitivity');
    threshold = n === undefined ? undefined : 1 - n;
  }
  return { threshold, include_reasoning: bool(o, 'include_reasoning'), detection_types: strings(o, 'detection_types') };
}

const TASKS = ['intent', 'pii', 'security'] as const;

/**
 * One task's options in a combined request: the reference documents them nested per task
 * ({"intent": {...}, "pii": {...}, "security": {...}}); flat keys apply to every task, a task's own
 * object wins over them.
 */
export function taskOptions(o: Raw, task: (typeof TASKS)[number]): Raw {
  const nested = o[task];
  if (nested !== undefined && (typeof nested !== 'object' || nested === null || Array.isArray(nested))) throw bad(task, 'an object');
  const flat = Object.fromEntries(Object.entries(o).filter(([k]) => !(TASKS as readonly string[]).includes(k)));
  return { ...flat, ...(nested as Raw | undefined) };
}

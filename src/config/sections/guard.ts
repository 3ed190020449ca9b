// Config section owned by the guard work; the root schema (src/config/schema.ts) composes it as
// `prompt_guard`. Keys of the vLLM Semantic Router (enabled, threshold, model_id, use_modernbert,
// use_cpu, jailbreak_mapping_path) are accepted as-is; the rest are semroute's.
import { z } from 'zod';
import { yamlBool } from '../yaml-bool.ts';

const role = z.enum(['user', 'system', 'assistant', 'tool']);

/** Scan budget shared by the jailbreak and PII scans of one request (src/guard/budget.ts). */
export const scanBudgetSection = z
  .object({
    /** Most characters the jailbreak scan classifies per request (all texts, all windows). */
    max_chars: z.number().int().positive().default(1_000_000),
    /** Most characters the PII scan reads per request (the token pack is ~30x slower per character). */
    pii_max_chars: z.number().int().positive().default(200_000),
    /** Most texts scanned per request (each scan). */
    max_texts: z.number().int().positive().default(2_000),
    /** Past the budget: 'block' refuses the request (413, fail closed); 'allow' forwards the unscanned rest. */
    on_exceed: z.enum(['block', 'allow']).default('block'),
  })
  .strict();

export const guardSection = z
  .object({
    /** Writing the section turns the guard on unless it says otherwise. */
    enabled: yamlBool().default(true),
    /** Risk (sum of positive-label probabilities) at or above which a text is a jailbreak. */
    threshold: z.number().min(0).max(1).default(0.7),
    /** Loaded sequence pack to use; default `packs.jailbreak`, else "jailbreak". */
    pack: z.string().min(1).optional(),
    /** Labels that count as an attack (HEAD's positive_labels). */
    positive_labels: z.array(z.string().min(1)).min(1).default(['jailbreak']),
    /** 'block' answers with the content_filter response; 'flag' forwards and marks the response. */
    action: z.enum(['block', 'flag']).default('block'),
    /** Which messages are scanned; injections also arrive in system prompts and tool results. */
    scan_roles: z.array(role).min(1).default(['user']),
    /** Classifier failure or missing pack: 'allow' (the reference fails open) or 'block' (503). */
    on_error: z.enum(['allow', 'block']).default('allow'),
    /** Window size in characters for long texts; default 512 (short injections are not diluted), capped by the pack's max_length. */
    window_chars: z.number().int().min(64).optional(),
    /** User turns whose joined windows across turn boundaries are scored too (src/guard/turns.ts); 0 or 1: off. */
    joined_turns: z.number().int().min(0).default(4),
    budget: scanBudgetSection.default({}),
    // Reference keys, accepted and unused (the pack is a folder, not a model id).
    model_id: z.string().optional(),
    use_modernbert: yamlBool().optional(),
    use_cpu: yamlBool().optional(),
    jailbreak_mapping_path: z.string().optional(),
  })
  .passthrough();

export type GuardConfig = z.infer<typeof guardSection>;
export type ScanBudgetConfig = z.infer<typeof scanBudgetSection>;

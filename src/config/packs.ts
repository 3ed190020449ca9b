// Which model packs a config needs, by the name the pipeline looks them up with. Runtime-agnostic,
// so the Node and Worker entries load the same set. A stage that needs a pack gets it loaded even
// when its packs.* key is unset: a jailbreak guard or a PII policy must never fail open because the
// config named no pack.
import type { Config } from './schema.ts';
import { guardSettings } from '../guard/settings.ts';

export const DEFAULT_JAILBREAK_PACK = 'jailbreak';
export const DEFAULT_PII_PACK = 'pii';
export const DEFAULT_EMBEDDING_PACK = 'embedding';

/** True when some model's pii_policy makes the PII stage scan (or mask) requests. */
export function piiPolicyNeedsPack(config: Config): boolean {
  for (const mc of Object.values(config.model_config)) {
    const p = mc?.pii_policy;
    if (p && (p.allow_by_default === false || p.action === 'redact')) return true;
  }
  return false;
}

/** The pack each enabled stage looks up; a stage that is off has none. */
export interface StagePacks {
  jailbreak?: string;
  embedding?: string;
  category?: string;
  pii?: string;
}

export function stagePacks(config: Config): StagePacks {
  const p = config.packs;
  const guard = guardSettings(config);
  return {
    jailbreak: guard.guardEnabled ? guard.jailbreakPack : undefined,
    embedding: config.semantic_cache?.enabled ? (p.embedding ?? DEFAULT_EMBEDDING_PACK) : undefined,
    category: config.routing.enabled ? p.category : undefined,
    pii: piiPolicyNeedsPack(config) ? (p.pii ?? DEFAULT_PII_PACK) : undefined,
  };
}

/**
 * True when the reference's classifier.pii_model names a PII model (model_id or pii_mapping_path, vsr.md
 * 1.1): the reference then detects with it in /api/v1/classify/pii. Without this, a reference config
 * whose models all allow PII loaded no PII pack, and its API answered from the pattern recognizers
 * alone (a name or a street address was no PII).
 */
function referenceNamesPiiModel(config: Config): boolean {
  const m = config.classifier.pii_model;
  return !!(m?.model_id || m?.pii_mapping_path);
}

/** Config pack name -> folder (the same string), for every pack the config asks for or a stage needs. */
export function packsToLoad(config: Config): Record<string, string> {
  const p = config.packs;
  const s = stagePacks(config);
  const api = referenceNamesPiiModel(config) ? (p.pii ?? DEFAULT_PII_PACK) : undefined;
  const out: Record<string, string> = {};
  for (const name of [s.category, s.jailbreak, s.pii, s.embedding, p.jailbreak, p.pii, p.embedding, api, ...p.extra]) {
    if (name) out[name] = name;
  }
  return out;
}

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

/** Config pack name -> folder (the same string), for every pack the config asks for or a stage needs. */
export function packsToLoad(config: Config): Record<string, string> {
  const p = config.packs;
  const out: Record<string, string> = {};
  const add = (name: string | undefined) => {
    if (name) out[name] = name;
  };
  if (config.routing.enabled) add(p.category);
  const guard = guardSettings(config);
  if (guard.guardEnabled) add(guard.jailbreakPack);
  if (piiPolicyNeedsPack(config)) add(p.pii ?? DEFAULT_PII_PACK);
  if (config.semantic_cache?.enabled) add(p.embedding ?? DEFAULT_EMBEDDING_PACK);
  for (const name of [p.jailbreak, p.pii, p.embedding, ...p.extra]) add(name);
  return out;
}

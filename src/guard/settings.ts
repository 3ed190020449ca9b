// Reads the guard's settings from the root config once per config object. The root loader already
// applies the section's defaults; parsing again here makes hand-built configs (tests, embedders)
// behave the same, and costs nothing after the first request.
import { guardSection, type GuardConfig } from '../config/sections/guard.ts';
import type { Classifiers } from '../classify/types.ts';
import { type ScanBudget, windowCharsFor } from './budget.ts';
import { DEFAULT_JAILBREAK_WINDOW } from './jailbreak.ts';

export interface GuardSettings {
  guard: GuardConfig;
  /** false when the config has no prompt_guard section or says enabled: false. */
  guardEnabled: boolean;
  budget: ScanBudget;
  piiBudget: ScanBudget;
  jailbreakPack: string;
  piiPack?: string;
  piiThreshold?: number;
}

const memo = new WeakMap<object, GuardSettings>();

export function guardSettings(config: unknown): GuardSettings {
  const key = (config ?? {}) as object;
  const hit = memo.get(key);
  if (hit) return hit;
  const c = key as {
    prompt_guard?: unknown;
    packs?: { jailbreak?: string; pii?: string };
    classifier?: { pii_model?: { threshold?: number } };
  };
  const present = c.prompt_guard !== undefined && c.prompt_guard !== null;
  const guard = guardSection.parse(present ? c.prompt_guard : { enabled: false });
  const settings: GuardSettings = {
    guard,
    guardEnabled: present && guard.enabled,
    budget: { maxChars: guard.budget.max_chars, maxTexts: guard.budget.max_texts, onExceed: guard.budget.on_exceed },
    piiBudget: { maxChars: guard.budget.pii_max_chars, maxTexts: guard.budget.max_texts, onExceed: guard.budget.on_exceed },
    jailbreakPack: guard.pack ?? c.packs?.jailbreak ?? 'jailbreak',
    piiPack: c.packs?.pii,
    piiThreshold: typeof c.classifier?.pii_model?.threshold === 'number' ? c.classifier.pii_model.threshold : undefined,
  };
  memo.set(key, settings);
  return settings;
}

/** Window size for a loaded pack, from its max_length (see budget.ts). */
export function packWindowChars(classifiers: Classifiers, name: string | undefined, task: string): number {
  const infos = typeof classifiers.info === 'function' ? classifiers.info() : [];
  const info = infos.find((p) => p.name === name) ?? infos.find((p) => p.task === task);
  return windowCharsFor(info?.maxLength);
}

/**
 * The window the jailbreak scan reads `pack` in: prompt_guard.window_chars, else the pack's own (at
 * most the default). One function for the chat guard and /api/v1/classify/security, so the API
 * never calls "jailbreak" a text the gateway forwards, or the reverse.
 */
export function jailbreakWindowChars(classifiers: Classifiers, settings: GuardSettings, pack = settings.jailbreakPack): number {
  return settings.guard.window_chars ?? Math.min(DEFAULT_JAILBREAK_WINDOW, packWindowChars(classifiers, pack, 'sequence-classification'));
}

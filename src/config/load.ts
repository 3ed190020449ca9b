// YAML text -> validated Config. Errors name the key path and the problem; unknown keys are warnings.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { unknownKeyWarnings } from './unknown-keys.ts';
import { crossCheck } from './cross-check.ts';
import { adaptReferenceValues, applyReferenceFallbacks } from './reference-fallbacks.ts';
import { laterShapeHint } from './shape-hints.ts';
import { referenceOnlyWarnings } from './reference-only-keys.ts';
import { ConfigError } from './config-error.ts';

export { ConfigError };

export interface LoadedConfig {
  config: Config;
  warnings: string[];
}

function formatPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(root)';
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/** Validates an already-parsed object (tests and the Worker's JSON bindings use this). */
export function validateConfig(raw: unknown, source = 'config'): LoadedConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${source}: expected a mapping at the top level`, ['(root): expected a mapping']);
  }
  // A section whose keys are all commented out reads as null: Go's YAML leaves the field at its zero
  // value, so here it is simply absent (defaults apply) instead of "expected object, received null".
  raw = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
  const adapted = adaptReferenceValues(raw as Record<string, unknown>);
  const parsed = configSchema.safeParse(adapted.raw);
  if (!parsed.success) {
    const hint = laterShapeHint(raw as Record<string, unknown>);
    const issues = [...formatIssues(parsed.error), ...(hint ? [hint] : [])];
    throw new ConfigError(`${source} is invalid:\n  ${issues.join('\n  ')}`, issues);
  }
  applyReferenceFallbacks(raw as Record<string, unknown>, parsed.data);
  const problems = crossCheck(parsed.data);
  if (problems.errors.length) {
    throw new ConfigError(`${source} is invalid:\n  ${problems.errors.join('\n  ')}`, problems.errors);
  }
  const warnings = [
    ...unknownKeyWarnings(configSchema, raw),
    ...referenceOnlyWarnings(raw as Record<string, unknown>),
    ...adapted.warnings,
    ...problems.warnings,
  ];
  return { config: parsed.data, warnings };
}

export function loadConfigText(text: string, source = 'config'): LoadedConfig {
  let raw: unknown;
  try {
    // merge: `<<: *base` is applied, as the reference's Go YAML does (it was an unknown key, silently dropped).
    raw = parseYaml(text, { prettyErrors: true, merge: true });
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message : String(err);
    throw new ConfigError(`${source}: YAML syntax error: ${msg}`, [msg]);
  }
  return validateConfig(raw ?? {}, source);
}

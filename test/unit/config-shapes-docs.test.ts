// README "Config reference" says which of the reference's config shapes semroute reads: the classic one,
// not v0.3's (refused), and v0.1's routing sections only as ignored keys. A platform engineer migrating a
// v0.1 or v0.3 file reads that paragraph (the refusal's own message points at it), so each key it names
// is held to what the loader does with it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { validateConfig } from '../../src/config/index.ts';
import { tracingSection } from '../../src/config/sections/observability.ts';
import { configSchema } from '../../src/config/schema.ts';
import { README, schemaAt, schemaKeys, section, ticks, unwrap } from './helpers/readme.ts';

const FIXTURE = parse(readFileSync(new URL('../fixtures/vsr-classic-config.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
const intro = section('Config reference').split('\n| Key |')[0]!.replace(/\n/g, ' ');
/** The backticked names from where `lead` matches up to the first `end` after it. */
const named = (lead: RegExp, end: string): string[] => {
  const m = lead.exec(intro);
  expect(m, `README Config reference: ${lead}`).not.toBeNull();
  return ticks(intro.slice(m!.index).split(end)[0]!);
};
const outcome = (doc: Record<string, unknown>): { error?: string; warnings: string[] } => {
  try {
    return { warnings: validateConfig(structuredClone(doc), 'config.yaml').warnings };
  } catch (err) {
    return { error: (err as Error).message, warnings: [] };
  }
};

describe('README Config reference: the reference shapes it reads', () => {
  it("v0.1's sections it says are not read: beside model_scores each is one unknown-key warning, and routing is unchanged", () => {
    const keys = named(/v0\.1's `decisions`/, ' are not read');
    expect(keys).toEqual(expect.arrayContaining(['decisions', 'keyword_rules', 'embedding_rules']));
    const base = validateConfig(structuredClone(FIXTURE)).config;
    for (const key of keys) {
      const value = key === 'decisions' || key.endsWith('_rules') ? [{ name: 'x' }] : { enabled: true };
      const r = outcome({ ...FIXTURE, [key]: value });
      expect(r.error, key).toBeUndefined();
      expect(r.warnings.filter((w) => !/accepted from the reference's config and not used/.test(w)), key).toEqual([`${key}: unknown key (ignored)`]);
      expect(validateConfig({ ...structuredClone(FIXTURE), [key]: value }).config.categories, key).toEqual(base.categories);
    }
  });

  it('the v0.3 keys it names make a file refused with the line naming the classic shape', () => {
    const keys = named(/a v0\.3 config \(/, ')');
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      // Each key alone in an otherwise v0.3 file (no classic default_model): the refusal says why.
      // A tick with a colon is YAML as written (`routing: { decisions }`); a bare one a top-level key.
      const doc = key.includes(':') ? (parse(key) as Record<string, unknown>) : { [key]: key === 'version' ? 'v0.3' : [] };
      const r = outcome(doc);
      expect(r.error, key).toMatch(/v0\.3 config/);
      expect(r.error, key).toContain('classic config.yaml shape');
      expect(r.error, key).toContain('README "Config reference"');
    }
  });

  it('a v0.1 file whose categories left their model_scores to decisions is refused, naming both', () => {
    expect(intro).toMatch(/v0\.1 one whose `categories` left their `model_scores` to `decisions`/);
    const categories = (FIXTURE.categories as Record<string, unknown>[]).map(({ model_scores: _, ...c }) => c);
    const r = outcome({ ...FIXTURE, categories, decisions: [{ name: 'math_decision', modelRefs: [{ model: 'qwen3', use_reasoning: true }] }] });
    expect(r.error).toContain('categories[0].model_scores');
    expect(r.error).toContain("decisions[] (the reference's v0.1 routing) is not read");
  });

  it('the v0.1 additions it says are read load without a warning', () => {
    const keys = named(/plus v0\.1's `auto_model_name`/, '):');
    expect(keys).toEqual(['auto_model_name', 'include_config_models_in_list', 'vllm_endpoints[].models', 'observability.metrics']);
    const doc = structuredClone(FIXTURE) as Record<string, any>;
    doc.auto_model_name = 'MoM';
    doc.include_config_models_in_list = false;
    doc.vllm_endpoints[0].models = Object.keys(doc.model_config);
    doc.observability.metrics = { enabled: true };
    const r = outcome(doc);
    expect(r.error).toBeUndefined();
    expect(r.warnings.filter((w) => !/accepted from the reference's config and not used/.test(w))).toEqual([]);
  });
});

describe('README Observability: the reference tracing values it accepts', () => {
  // The reference's tracing block (vsr.md 1.1) names providers and exporters semroute takes without a
  // warning; a reader choosing one must find what it does here (openinference was accepted unsaid).
  const bullet = section('Observability').split(/\n(?=- \*\*)/).find((b) => b.startsWith('- **Tracing**'))!;
  const named = new Set(ticks(bullet.replace(/\n\s*/g, ' ')).flatMap((t) => t.replace(/^\w+: /, '').split(/[ /|]+/)));
  const values = (s: z.ZodTypeAny): string[] => {
    while (!(s instanceof z.ZodEnum)) s = (s as z.ZodDefault<z.ZodTypeAny>)._def.innerType;
    return s.options as string[];
  };

  it('names every tracing provider and exporter type the schema accepts (memory is for tests)', () => {
    expect(bullet).toBeDefined();
    const accepted = [...values(tracingSection.shape.provider), ...values(tracingSection.shape.exporter._def.innerType.shape.type).filter((t) => t !== 'memory')];
    expect(accepted.length).toBeGreaterThanOrEqual(7);
    expect(accepted.filter((v) => !named.has(v))).toEqual([]);
  });

  it('a provider other than opentelemetry loads without a warning, as the bullet says it is accepted', () => {
    for (const provider of values(tracingSection.shape.provider)) {
      const doc = { default_model: 'm', vllm_endpoints: [{ name: 'e', address: '127.0.0.1' }], observability: { tracing: { enabled: true, provider } } };
      expect(validateConfig(doc).warnings, provider).toEqual([]);
    }
    expect(README).toContain('`telemetry.provider`');
  });
});

describe('README Config reference: where an unknown key is an error', () => {
  it('names exactly the objects the schema refuses unknown keys in (the rest warn)', () => {
    const sentence = /In semroute's own sections \(([^)]*)\) and in an entry of (`[^`]+`) an unknown key is an error/.exec(intro);
    expect(sentence, 'the sentence').not.toBeNull();
    const named = ticks(sentence![1]! + sentence![2]!).sort();
    const strict = schemaKeys(configSchema).filter((k) => {
      let u = unwrap(schemaAt(configSchema, k)!);
      if (u instanceof z.ZodArray) u = unwrap(u.element);
      return u instanceof z.ZodObject && u._def.unknownKeys === 'strict';
    });
    expect(named).toEqual(strict.map((k) => k.replace(/\[\]$/, '')).sort());
  });
});

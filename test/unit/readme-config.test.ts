// README "Config reference" against the schema a config file is parsed with (src/config/schema.ts and
// its sections): a key the README names must exist, with the default it states, and every key the
// schema accepts must be documented (in the README or in the commented default config/config.yaml it
// points to). The README grew over hundreds of commits; these checks catch the drift a user following
// it literally would hit (a documented key that fails to parse, a stated default that is not the one).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/index.ts';
import { README, schemaAt, schemaDefault, schemaKeys, section, tableRows, ticks, unwrap } from './helpers/readme.ts';

const DEFAULT_YAML = readFileSync(new URL('../../config/config.yaml', import.meta.url), 'utf8');
const TOP = Object.keys((unwrap(configSchema) as z.AnyZodObject).shape);
const table = tableRows(section('Config reference'));

/** A documented key path as written in backticks: `a.b`, `a.b: value`, `a[0].b: message`. */
const keyPath = (t: string): string => t.split(/[: ]/)[0]!;
const isObjectish = (s: z.ZodTypeAny): boolean => {
  const u = unwrap(s);
  return u instanceof z.ZodObject || (u instanceof z.ZodArray && unwrap(u.element) instanceof z.ZodObject) || u instanceof z.ZodRecord;
};

/** Where `name` is a key under `base`: directly, else the shallowest deeper one (pii_policy's keys in model_config's row). */
function locate(base: string, name: string): string | undefined {
  const direct = `${base}.${name}`;
  if (schemaAt(configSchema, direct)) return direct;
  const deeper = schemaKeys(schemaAt(configSchema, base)!, base).filter((p) => p.endsWith(`.${name}`));
  return deeper.sort((a, b) => a.split('.').length - b.split('.').length)[0];
}

/**
 * The default a README parenthesis states: `(8801)`, `(10 MiB)`, `(false; ...)`, `(\`0.0.0.0\`)`,
 * `(default \`models\`)`, `(\`block\` | \`redact\`)` (an enum list: its first value is the default).
 * `none` when the parenthesis is prose.
 */
function statedDefault(paren: string): { value: unknown } | 'none' {
  const p = paren.replace(/^(default|unset:)\s+/, '');
  const tick = /^`([^`]+)`/.exec(p);
  if (tick) return { value: parse(tick[1]!) };
  const num = /^(\d[\d,]*(?:\.\d+)?)(\s*MiB)?(?=[\s):;,]|$)/.exec(p);
  if (num) return { value: Number(num[1]!.replace(/,/g, '')) * (num[2] ? 1024 * 1024 : 1) };
  const bool = /^(true|false)(?=[\s):;,]|$)/.exec(p);
  if (bool) return { value: bool[1] === 'true' };
  return 'none';
}

describe('README Config reference', () => {
  it('every dotted config key the README names is a key of the schema', () => {
    // The tracing bullets list span attributes (`routing.original_model`, `tools.*`), not config keys.
    const named = ticks(README.replace(/^- (\*\*Tracing\*\*|Tracing:)[\s\S]*?(?=^- )/gm, ''))
      .map(keyPath)
      .filter((t) => t.includes('.') && TOP.includes(t.split(/[.[]/)[0]!));
    expect(named.length).toBeGreaterThan(30);
    const unknown = [...new Set(named)].filter((t) => !schemaAt(configSchema, t));
    expect(unknown).toEqual([]);
  });

  it('every key a table row names exists, and a stated default is the schema default', () => {
    expect(table.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const [keyCell, meaning] of table) {
      const keys = ticks(keyCell!).map(keyPath);
      for (const k of keys) if (!schemaAt(configSchema, k)) problems.push(`row key ${k}: not in the schema`);
      if (keys.length !== 1 || !schemaAt(configSchema, keys[0]!)) continue;
      // Names in an object's row are its keys (or its children's: pii_policy's in model_config's row).
      const rowKey = keys[0]!;
      if (!isObjectish(schemaAt(configSchema, rowKey)!)) {
        // A leaf's row describes its values (`auto` (CUDA, then CPU)); only its own default is checked.
        const own = /\((?:default|unset:) `([^`]+)`/.exec(meaning!);
        const want = schemaDefault(schemaAt(configSchema, rowKey)!);
        if (own && JSON.stringify(parse(own[1]!)) !== JSON.stringify(want)) problems.push(`${rowKey}: README says ${own[1]}, schema ${JSON.stringify(want)}`);
        continue;
      }
      const base = rowKey;
      for (const m of meaning!.matchAll(/`([a-z_]+(?:\.[a-z_]+)*)(\[\])?` \((?=([^()]*))/g)) {
        const [, name, arr, paren] = m;
        const path = locate(base, name! + (arr ?? ''));
        if (!path) {
          problems.push(`${rowKey}: \`${name}\` is not a key of ${base}`);
          continue;
        }
        const stated = statedDefault(paren!);
        // `pii_policy` (`allow_by_default` (true), ...): the tick names a sub-key, not a value.
        if (stated === 'none' || (typeof stated.value === 'string' && locate(path, stated.value))) continue;
        const want = schemaDefault(schemaAt(configSchema, path)!);
        if (JSON.stringify(stated.value) !== JSON.stringify(want)) {
          problems.push(`${path}: README says ${JSON.stringify(stated.value)}, schema default ${JSON.stringify(want)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every key the schema accepts is documented in the README or the commented config/config.yaml', () => {
    const undocumented = schemaKeys(configSchema).filter((path) => {
      const name = path.split('.').pop()!.replace(/\[\]$/, '');
      const inReadme = ticks(README).some((t) => new RegExp(`(^|[^a-z_])${name}([^a-z_]|$)`).test(t));
      const inYaml = new RegExp(`(^|[\\s{,#])${name}:`, 'm').test(DEFAULT_YAML);
      return !inReadme && !inYaml;
    });
    expect(undocumented).toEqual([]);
  });

  it('every yaml block of the README loads as written (a fragment on top of the bundled config) without an error or warning', () => {
    const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, unknown>);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const problems: string[] = [];
    for (const block of blocks) {
      // A block with default_model is a whole file; the others are sections of the bundled one.
      const doc = 'default_model' in block ? block : { ...(parse(DEFAULT_YAML) as Record<string, unknown>), ...block };
      const name = Object.keys(block).join(', ');
      try {
        problems.push(...validateConfig(doc, 'README block').warnings.map((w) => `${name}: ${w}`));
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

// Every key the config schema accepts is documented where a reader looks for it: at its path in the
// commented default config/config.yaml (set or commented out), or in the README under its parent: a
// dotted tick that ends in `parent.key`, a "Config reference" row about its parent (`server` | `port`)
// or a sibling (`api.batch_classification.max_batch_size` | the reference's `max_concurrency`), or a
// row that names its parent beside it (`semantic_cache`'s `use_hnsw`). readme-config.test.ts asks
// only that the key's last name appear somewhere, which `enabled`, `port` or `threshold` always do:
// a new `upstream.enabled` would pass there undocumented. This one fails on it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.ts';
import { README, schemaKeys, section, tableRows, ticks } from './helpers/readme.ts';

const YAML_TEXT = readFileSync(new URL('../../config/config.yaml', import.meta.url), 'utf8');

/** `a[0].b`, `a[].b`, `model_config.<model>.c` -> `a.b`, `model_config.c`: records and arrays drop out. */
const plain = (p: string): string => p.replace(/\[\d*\]/g, '').replace(/\.<[^>]+>/g, '');
/** The key path a tick names: `a.b: value` -> `a.b`. */
const named = (t: string): string => plain(t.split(/[:\s]/)[0]!);

/**
 * Key paths of config/config.yaml with its commented-out keys too: each `# key: ...` line is uncommented
 * in turn and kept when the file still parses (a prose comment such as `# memory: this process ...` does
 * not; one that parses adds a path no schema key has), so the commented examples' keys
 * (`# url_env: REDIS_URL`, the `hosted-model` block) count.
 */
function yamlPaths(): Set<string> {
  const lines = YAML_TEXT.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)# (\s*[a-z_][\w-]*:(?:\s|$).*)$/.exec(lines[i]!);
    if (!m) continue;
    const before = lines[i]!;
    lines[i] = m[1]! + m[2]!;
    try {
      parse(lines.join('\n'));
    } catch {
      lines[i] = before;
    }
  }
  const out = new Set<string>();
  // Record keys (a model's name, a family's, a category's threshold) are not schema keys.
  const recordAt = new Set(['model_config', 'reasoning_families', 'semantic_cache.category_thresholds']);
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, path));
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      const p = recordAt.has(path) ? `${path}.<k>` : path ? `${path}.${k}` : k;
      out.add(plain(p));
      walk(child, p);
    }
  };
  walk(parse(lines.join('\n')), '');
  return out;
}

const IN_YAML = yamlPaths();
const README_PATHS = ticks(README).map(named);
const ROWS = tableRows(section('Config reference')).map(([key, meaning]) => ({ keys: ticks(key!).map(named), names: ticks(meaning!).map(named) }));

function documented(schemaPath: string): boolean {
  const path = plain(schemaPath);
  if (IN_YAML.has(path)) return true;
  const parts = path.split('.');
  const key = parts.at(-1)!;
  if (parts.length === 1) return README_PATHS.some((p) => p.split('.')[0] === key);
  const parent = parts.slice(0, -1).join('.');
  const tail = parts.slice(-2).join('.');
  if (README_PATHS.some((p) => p === path || p.endsWith(`.${tail}`) || p === tail)) return true;
  return ROWS.some(({ keys, names }) => {
    if (!names.includes(key)) return false;
    const aboutParent = keys.some((k) => parent === k || parent.startsWith(`${k}.`));
    const aboutSibling = keys.some((k) => k.includes('.') && k.slice(0, k.lastIndexOf('.')) === parent);
    const namesParent = names.some((n) => n === parent || n.startsWith(`${parent}.`));
    return aboutParent || aboutSibling || namesParent;
  });
}

describe('every config key is documented under its parent', () => {
  it('each key the schema accepts: at its path in config/config.yaml, or in the README beside its parent', () => {
    const keys = schemaKeys(configSchema);
    expect(keys.length).toBeGreaterThan(150);
    expect(keys.filter((k) => !documented(k))).toEqual([]);
  });

  it('is not a rubber stamp: a key whose name is documented only under other parents is caught', () => {
    // Each name is documented for some other section (`prompt_guard.enabled`, `server.port`, ...).
    const made = ['upstream.enabled', 'server.enabled', 'packs.enabled', 'routing.port', 'extproc.threshold', 'semantic_cache.durable_object.enabled', 'observability.logging.port'];
    for (const k of made) expect(ticks(README).some((t) => t.split(/[.:\s[]/).includes(k.split('.').at(-1)!)), k).toBe(true);
    expect(made.filter(documented)).toEqual([]);
  });

  it('finds keys both ways: set, commented out, in a README row, a dotted tick', () => {
    expect(IN_YAML.has('semantic_cache.redis.url_env')).toBe(true); // commented out
    expect(IN_YAML.has('model_config.pii_policy.restore')).toBe(true); // the commented hosted-model block
    expect(IN_YAML.has('semantic_cache.memory')).toBe(false); // prose, not a key
    expect(documented('vllm_endpoints[].tls.insecure_skip_verify')).toBe(true); // vllm_endpoints[] row
    expect(documented('semantic_cache.hnsw_m')).toBe(true); // the reference keys' row names semantic_cache beside it
  });
});

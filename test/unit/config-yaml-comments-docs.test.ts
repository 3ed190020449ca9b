// config/config.yaml is the commented default config the README's Config reference points to. A key
// written out in a comment (`# joined_turns: 4`) tells the reader the value in effect while the line stays
// commented, so each such line is uncommented here: the file must still load without a warning, and the
// value must be the one in effect without it (the schema default, or what the code falls back to), unless
// the line is an example listed below. The commented blocks (a model_config entry, the batch metrics) and
// the reference keys "accepted as written" must load as they stand once uncommented.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigText, type Config } from '../../src/config/index.ts';
import { guardSettings } from '../../src/guard/settings.ts';
import { windowCharsFor } from '../../src/guard/budget.ts';
import { DEFAULT_JAILBREAK_WINDOW } from '../../src/guard/jailbreak.ts';
import { sessionHeader } from '../../src/cache/plan.ts';

const TEXT = readFileSync(new URL('../../config/config.yaml', import.meta.url), 'utf8');
const LINES = TEXT.split('\n');
const PKG = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const manifest = (pack: string) => JSON.parse(readFileSync(new URL(`../../models/${pack}/manifest.json`, import.meta.url), 'utf8')) as { max_length?: number };

/** Lines that show another value on purpose (what to write for a feature), not the one in effect. */
const EXAMPLES = new Set([
  'semantic_cache.redis.url_env',
  'observability.tracing.exporter.headers',
  'observability.tracing.resource.deployment_environment',
  'observability.metrics.port',
  'extproc.clear_route_cache',
]);
/** Comment lines that read like `key: value` but are prose about the values of the key below them. */
const PROSE = new Set(['semantic_cache.memory', 'server.unscannable_prompt']);

/** Values the code falls back to for keys whose schema has no default. */
const IN_EFFECT: Record<string, (c: Config) => unknown> = {
  'prompt_guard.pack': (c) => guardSettings(c).jailbreakPack,
  'prompt_guard.window_chars': (c) => c.prompt_guard?.window_chars ?? Math.min(DEFAULT_JAILBREAK_WINDOW, windowCharsFor(manifest(guardSettings(c).jailbreakPack).max_length)),
  'semantic_cache.session_header': (c) => sessionHeader(c, c.semantic_cache!),
  'observability.tracing.resource.service_version': (c) => c.observability?.tracing.resource.service_version ?? PKG.version,
};

const at = (obj: unknown, path: string): unknown => path.split('.').reduce<any>((o, k) => o?.[k], obj);

interface Commented {
  line: number;
  path: string;
  text: string;
}

/** `  # key: value   # why`, indented inside a section: its key path from the keys above it. */
function commentedKeys(): Commented[] {
  const out: Commented[] = [];
  const stack: { indent: number; key: string }[] = [];
  LINES.forEach((l, i) => {
    const key = /^(\s*)([a-z_][\w-]*):/.exec(l);
    if (key) {
      const indent = key[1]!.length;
      while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
      stack.push({ indent, key: key[2]! });
      return;
    }
    const c = /^(\s+)# ([a-z_]+): \S/.exec(l);
    if (!c) return;
    const parents = stack.filter((s) => s.indent < c[1]!.length).map((s) => s.key);
    out.push({ line: i, path: [...parents, c[2]!].join('.'), text: l.replace(/^(\s+)# /, '$1') });
  });
  return out;
}

const base = loadConfigText(TEXT, 'config/config.yaml');

describe('config/config.yaml: the keys its comments write out', () => {
  const keys = commentedKeys().filter((k) => !PROSE.has(k.path));

  it('finds the commented keys (the list above is not stale)', () => {
    expect(base.warnings).toEqual([]);
    expect(keys.length).toBeGreaterThanOrEqual(15);
    const paths = new Set(commentedKeys().map((k) => k.path));
    for (const p of [...EXAMPLES, ...PROSE, ...Object.keys(IN_EFFECT)]) expect(paths.has(p), p).toBe(true);
  });

  it.each(keys.map((k) => [k.path, k] as const))('%s: uncommented, it loads without a warning and is the value in effect (or a listed example)', (path, k) => {
    const lines = [...LINES];
    lines[k.line] = k.text;
    const { config, warnings } = loadConfigText(lines.join('\n'), `config/config.yaml with ${path}`);
    expect(warnings).toEqual([]);
    if (EXAMPLES.has(path)) return;
    const effective = IN_EFFECT[path] ?? ((c: Config) => at(c, path));
    expect(effective(config), `${path} as written in the comment`).toEqual(effective(base.config));
  });
});

describe('config/config.yaml: the commented blocks', () => {
  /** A commented `key:` line with nothing after it, and the deeper commented lines under it. */
  const blocks = LINES.flatMap((l, i) => {
    const m = /^(\s*)# ([a-z][\w-]*):\s*(#.*)?$/.exec(l);
    if (!m) return [];
    const body = [i];
    while (new RegExp(`^${m[1]}#\\s{2,}\\S`).test(LINES[body.at(-1)! + 1] ?? '')) body.push(body.at(-1)! + 1);
    return body.length > 1 ? [{ name: m[2]!, lines: body, indent: m[1]! }] : [];
  });

  it.each(blocks.map((b) => [b.name, b] as const))('%s: uncommented, the file loads without a warning and the block is read', (_, b) => {
    const lines = [...LINES];
    for (const i of b.lines) lines[i] = lines[i]!.replace(new RegExp(`^${b.indent}# `), b.indent);
    const { config, warnings } = loadConfigText(lines.join('\n'));
    expect(warnings).toEqual([]);
    expect(JSON.stringify(config)).not.toEqual(JSON.stringify(base.config));
  });

  it('finds the model_config example and the batch metrics', () => {
    expect(blocks.map((b) => b.name)).toEqual(expect.arrayContaining(['hosted-model', 'metrics']));
  });

  it('the reference keys "accepted as written" load as written, each without a warning', () => {
    const start = LINES.findIndex((l) => l.startsWith("# Other keys of the reference's config, accepted as written"));
    expect(start).toBeGreaterThan(0);
    const shown = LINES.slice(start + 1, LINES.indexOf('', start)).map((l) => /^# (\S+): (.*?)\s+#/.exec(l)!);
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const [, key, value] of shown) {
      // `classifier.mcp_category_model: {...}` is written as a path.
      const doc = parse(TEXT) as Record<string, any>;
      const [top, sub] = key!.split('.');
      const v = parse(value!);
      if (sub) doc[top!] = { ...doc[top!], [sub]: v };
      else doc[top!] = v;
      const { warnings } = loadConfigText(JSON.stringify(doc), key);
      expect(warnings, key).toEqual([]);
    }
  });
});

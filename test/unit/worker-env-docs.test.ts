// runtimes/worker/README.md is where a Worker's operator looks up the variables and bindings it reads:
// each member of WorkerEnv (runtimes/worker/deps.ts, the env the Worker is built from) must be named
// there. SEMROUTE_EP, which picks the inference provider, was read but named nowhere.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ticks } from './helpers/readme.ts';

const deps = readFileSync(new URL('../../runtimes/worker/deps.ts', import.meta.url), 'utf8');
const guide = readFileSync(new URL('../../runtimes/worker/README.md', import.meta.url), 'utf8');

describe('runtimes/worker/README.md names what the Worker reads from its env', () => {
  const body = /export interface WorkerEnv \{([\s\S]*?)\n\}/.exec(deps)?.[1] ?? '';
  const members = [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*)\??:/gm)].map((m) => m[1]!);

  it('every WorkerEnv member: in backticks (alone or as NAME=value) or in a code block', () => {
    expect(members.length).toBeGreaterThanOrEqual(9);
    const named = new Set(ticks(guide).map((t) => t.split('=')[0]!.trim()));
    const code = [...guide.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');
    expect(members.filter((m) => !named.has(m) && !new RegExp(`\\b${m}\\b`).test(code))).toEqual([]);
  });

  it('and only those, plus the bindings wrangler.jsonc declares', () => {
    // A SEMROUTE_* name the guide gives must be one the Worker reads (a renamed variable stays caught).
    const given = new Set(ticks(guide).flatMap((t) => t.match(/\bSEMROUTE_[A-Z0-9_]+\b/g) ?? []));
    const wrangler = readFileSync(new URL('../../runtimes/worker/wrangler.jsonc', import.meta.url), 'utf8');
    expect([...given].filter((n) => !members.includes(n) && !wrangler.includes(`"${n}"`))).toEqual([]);
  });
});

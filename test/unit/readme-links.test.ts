// The docs' links as a reader follows them: every relative link of the Markdown docs names a file of
// the repository and, with a #fragment, a heading (GitHub's slug) or an <a id> of that file; the
// README's contents line links every ## section, so a section added later is reachable from the top,
// and the quick start stays the first section and short.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { README, section } from './helpers/readme.ts';

const ROOT = join(import.meta.dirname, '../..');
const DOCS = ['README.md', 'BENCHMARKS.md', 'k8s/README.md', 'k8s/observability/README.md', 'runtimes/worker/README.md'];

/** GitHub's heading anchor: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

function anchors(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^#+ (.+)$/gm)) out.add(slug(m[1]!));
  for (const m of text.matchAll(/<a id="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

describe('doc links', () => {
  it('every relative link names a file that exists, and its #fragment an anchor there', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]*)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [path, fragment] = target.split('#') as [string, string | undefined];
        const file = path ? normalize(join(dirname(join(ROOT, doc)), path)) : join(ROOT, doc);
        if (!existsSync(file)) {
          broken.push(`${doc}: ${target} (no such file)`);
          continue;
        }
        if (fragment && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(fragment)) broken.push(`${doc}: ${target} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("the README's contents line, above the quick start, links every ## section", () => {
    const top = README.slice(0, README.indexOf('\n## '));
    const at = top.indexOf('**Contents**:');
    const contents = at < 0 ? '' : top.slice(at).split('\n\n')[0]!;
    const linked = new Set([...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!));
    const sections = [...README.matchAll(/^## (.+)$/gm)].map((m) => slug(m[1]!));
    expect(sections.length).toBeGreaterThan(8);
    expect(sections.filter((s) => !linked.has(s))).toEqual([]);
  });

  it('the quick start is the first section and stays short (the details live in the sections it links)', () => {
    expect(/^## (.+)$/m.exec(README)?.[1]).toBe('Quick start');
    expect(section('Quick start').trim().split('\n').length).toBeLessThanOrEqual(45);
  });
});
